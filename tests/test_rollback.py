"""`v2-backfill rollback` on both dialects: exact undo, re-runs, several runs, dry runs, errors."""

from __future__ import annotations

import json
from pathlib import Path

from tests.factory import MINUTE, T0, AppDatabase
from tests.test_backfill_runs import V2, busy_timeline
from v2_backfill.cli import main
from v2_backfill.db import open_database
from v2_backfill.lock import run_lock
from v2_backfill.rollback import rollback

NATIVE_CONVERSATION = "cnativeconversation000001"
BOOKKEEPING = ("runs", "lineage", "quarantine", "created_conversations")


def native_household(app: AppDatabase) -> dict[str, str]:
    """`busy_timeline` plus a native conversation for Oak with consistent counts: one unread
    CLIENT message, one read AGENT message, lastMessageAt = the newest native message (before
    the legacy messages the backfill delivers to it)."""
    ids = busy_timeline(app)
    app.create_v2_tables()
    app.insert(
        "property_conversations",
        {"id": NATIVE_CONVERSATION, "propertyId": ids["oak"], "timelineId": ids["timeline"],
         "agentId": ids["agent"], "clientId": ids["client"], "status": "CLOSED",
         "unreadAgentCount": 1, "unreadClientCount": 0, "lastMessageAt": app.ts(T0 - MINUTE),
         "createdAt": app.ts(T0 - 60 * MINUTE), "updatedAt": app.ts(T0 - MINUTE)},
    )  # fmt: skip
    for n, (sender, kind, read, created) in enumerate(
        [
            (ids["agent"], "AGENT", True, T0 - 2 * MINUTE),
            (ids["client"], "CLIENT", False, T0 - MINUTE),
        ]
    ):
        app.insert(
            "messages_v2",
            {"id": f"cnativemessage0000000000{n}", "conversationId": NATIVE_CONVERSATION,
             "senderId": sender, "senderType": kind, "content": "native", "type": "TEXT",
             "isRead": read, "readAt": app.ts(created if read else None),
             "createdAt": app.ts(created), "updatedAt": app.ts(created)},
        )  # fmt: skip
    return ids


def v2_dump(app: AppDatabase) -> dict[str, list[tuple]]:
    return {table: app.table_dump(table) for table in V2}


def assert_v2_equal(actual: dict, expected: dict, *, restamped: set[str]) -> None:
    """Equal row for row, except `updatedAt` (the last column) of the conversations whose
    counts a backfill or a rollback recomputed: they are stamped with the time of the run."""
    assert actual["messages_v2"] == expected["messages_v2"]
    assert actual["notifications_v2"] == expected["notifications_v2"]

    def conversations(dump: dict) -> list[tuple]:
        return [r[:-1] if r[0] in restamped else r for r in dump["property_conversations"]]

    assert conversations(actual) == conversations(expected)


def bookkeeping_without_run_ids(app: AppDatabase) -> dict[str, list[tuple]]:
    return {
        table: sorted(
            tuple(v for k, v in r._mapping.items() if k != "run_id")
            for r in app.rows(f"SELECT * FROM v2_backfill.{table}")
        )
        for table in ("lineage", "quarantine", "created_conversations")
    }


def bookkeeping_dump(app: AppDatabase) -> dict[str, list[tuple]]:
    return {
        table: [tuple(r) for r in app.rows(f"SELECT * FROM v2_backfill.{table} ORDER BY 1")]
        for table in BOOKKEEPING
    }


def rows_of_run(app: AppDatabase, run_id: str) -> int:
    return sum(
        app.scalar(f"SELECT COUNT(*) FROM v2_backfill.{table} WHERE run_id = :r", r=run_id)
        for table in ("lineage", "quarantine", "created_conversations")
    )


def runs(app: AppDatabase) -> dict[str, tuple]:
    rows = app.rows("SELECT run_id, kind, status, params FROM v2_backfill.runs")
    return {r.run_id: (r.kind, r.status, json.loads(r.params)) for r in rows}


def created_conversation(app: AppDatabase, property_id: str) -> str:
    return app.scalar(
        'SELECT id FROM property_conversations WHERE "propertyId" = :p', p=property_id
    )


def test_rollback_restores_the_state_and_a_rerun_reproduces_the_backfill(app, run_backfill):
    ids = native_household(app)
    before = v2_dump(app)
    first = run_backfill(app.url)
    after_first = v2_dump(app)
    bookkeeping_first = bookkeeping_without_run_ids(app)
    cecil = created_conversation(app, ids["cecil"])

    summary = rollback(app.target, first["run_id"])

    assert_v2_equal(v2_dump(app), before, restamped={NATIVE_CONVERSATION})
    assert rows_of_run(app, first["run_id"]) == 0
    assert summary.to_dict() == {
        "kind": "rollback", "run_id": summary.run_id, "database": app.target.describe(),
        "dry_run": False, "runs_rolled_back": [first["run_id"]], "messages_removed": 3,
        "conversations_removed": 1, "conversations_recomputed": 1, "quarantine_rows_removed": 2,
        "messages_moved_back": 0,
    }  # fmt: skip
    recorded_runs = runs(app)
    assert recorded_runs[first["run_id"]][:2] == ("backfill", "rolled_back")
    assert recorded_runs[summary.run_id] == (
        "rollback", "succeeded", {"run_ids": [first["run_id"]], "dry_run": False}
    )  # fmt: skip
    assert len(recorded_runs) == 2
    recorded = app.scalar(
        "SELECT summary FROM v2_backfill.runs WHERE run_id = :r", r=summary.run_id
    )
    assert json.loads(recorded) == summary.to_dict()

    second = run_backfill(app.url)

    assert second["messages_copied"] == 3 and second["conversations_created"] == 1
    assert_v2_equal(v2_dump(app), after_first, restamped={NATIVE_CONVERSATION, cecil})
    assert bookkeeping_without_run_ids(app) == bookkeeping_first


def test_rolling_back_the_second_run_keeps_the_first_and_all_removes_both(app, run_backfill):
    ids = native_household(app)
    before = v2_dump(app)
    first = run_backfill(app.url)
    after_first = v2_dump(app)
    first_rows = rows_of_run(app, first["run_id"])
    cecil = created_conversation(app, ids["cecil"])
    # between the runs: more legacy messages for Cecil, Oak, a new property, and an orphan
    pine = app.property(ids["timeline"], "9 Pine Rd", position=3)
    own = app.scalar('SELECT id FROM conversations WHERE "propertyId" = :p', p=ids["cecil"])
    app.message(own, ids["agent"], "still there?", created=T0 + 100)
    shared = app.scalar('SELECT id FROM conversations WHERE "propertyId" IS NULL')
    app.message(shared, ids["client"], "back to 426 E Oak St", sender_type="client", created=T0 + 5)
    pine_thread = app.conversation(ids["timeline"], ids["agent"], ids["client"], pine)
    app.message(pine_thread, ids["agent"], "new listing", created=T0 + 200)
    app.message("cnoconversation0000000001", ids["agent"], "orphan", check_fks=False)
    second = run_backfill(app.url)
    assert second["messages_copied"] == 3

    summary = rollback(app.target, second["run_id"])

    assert_v2_equal(v2_dump(app), after_first, restamped={NATIVE_CONVERSATION, cecil})
    assert (summary.messages_removed, summary.conversations_removed) == (3, 1)
    assert (summary.conversations_recomputed, summary.quarantine_rows_removed) == (2, 1)
    assert rows_of_run(app, second["run_id"]) == 0
    assert rows_of_run(app, first["run_id"]) == first_rows

    third = run_backfill(app.url)  # the second run's rows again, so that two runs have rows
    everything = rollback(app.target, all_runs=True)

    assert everything.runs_rolled_back == [third["run_id"], first["run_id"]]
    assert everything.messages_removed == 6 and everything.conversations_removed == 2
    assert_v2_equal(v2_dump(app), before, restamped={NATIVE_CONVERSATION})
    statuses = {run_id: status for run_id, (kind, status, _) in runs(app).items()
                if kind == "backfill"}  # fmt: skip
    assert set(statuses.values()) == {"rolled_back"} and len(statuses) == 3


def test_dry_run_writes_nothing_and_counts_what_the_rollback_removes(
    app, run_backfill, tmp_path, capsys, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    native_household(app)
    run_backfill(app.url)
    files = sorted(p for p in tmp_path.iterdir() if p.is_file())
    contents = {p: p.read_bytes() for p in files}
    state = v2_dump(app), bookkeeping_dump(app)

    assert main(["rollback", "--db", app.url, "--all", "--dry-run", "--json"]) == 0
    planned = json.loads(capsys.readouterr().out)

    assert (v2_dump(app), bookkeeping_dump(app)) == state
    assert sorted(p for p in tmp_path.iterdir() if p.is_file()) == files
    assert {p: p.read_bytes() for p in files} == contents
    assert main(["rollback", "--db", app.url, "--all", "--json"]) == 0
    done = json.loads(capsys.readouterr().out)
    assert planned["dry_run"] and planned["run_id"] is None and not done["dry_run"]
    assert {**planned, "dry_run": False, "run_id": done["run_id"]} == done
    assert done["messages_removed"] == 3 and done["quarantine_rows_removed"] == 2


def test_a_created_conversation_the_app_wrote_into_is_kept(app, run_backfill):
    ids = busy_timeline(app)
    first = run_backfill(app.url)
    cecil = created_conversation(app, ids["cecil"])
    late = T0 + 10**10
    app.insert(
        "messages_v2",
        {"id": "cappmessage00000000000001", "conversationId": cecil, "senderId": ids["client"],
         "senderType": "CLIENT", "content": "app hi", "type": "TEXT", "isRead": False,
         "createdAt": app.ts(late), "updatedAt": app.ts(late)},
    )  # fmt: skip
    app.execute(
        'UPDATE property_conversations SET "unreadAgentCount" = 1, "lastMessageAt" = :at '
        "WHERE id = :id",
        {"at": app.ts(late + 3), "id": cecil},
    )

    summary = rollback(app.target, first["run_id"])

    row = app.rows(
        'SELECT "unreadAgentCount", "unreadClientCount", "lastMessageAt" '
        "FROM property_conversations WHERE id = :id",
        id=cecil,
    )
    assert [tuple(r) for r in row] == [(1, 0, app.ts(late + 3))]  # lastMessageAt is the app's
    held = app.rows('SELECT id FROM messages_v2 WHERE "conversationId" = :c', c=cecil)
    assert [r[0] for r in held] == ["cappmessage00000000000001"]
    kept = app.rows("SELECT run_id FROM v2_backfill.created_conversations")
    assert [r[0] for r in kept] == [first["run_id"]]
    assert (summary.conversations_removed, summary.conversations_recomputed) == (1, 1)


def test_cli_errors_name_the_problem_and_the_fix(app, run_backfill, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    busy_timeline(app)
    first = run_backfill(app.url)["run_id"]

    assert main(["rollback", "--db", app.url, "--run", "nope"]) == 2
    err = capsys.readouterr().err
    assert "unknown backfill run 'nope'" in err and first in err and "Traceback" not in err
    assert main(["rollback", "--db", app.url]) == 2
    assert "no run selected" in capsys.readouterr().err
    assert main(["rollback", "--db", app.url, "--run", first, "--all"]) == 2
    assert "--run and --all exclude each other" in capsys.readouterr().err
    holder = open_database(app.target)
    with run_lock(holder, mark_interrupted=False):
        assert main(["rollback", "--db", app.url, "--run", first]) == 2
    holder.dispose()
    assert "another v2-backfill run is in progress" in capsys.readouterr().err

    assert main(["rollback", "--db", app.url, "--run", first]) == 0
    assert f"runs rolled back:         1 ({first})" in capsys.readouterr().out
    assert main(["rollback", "--db", app.url, "--run", first]) == 2
    assert "nothing to roll back (status rolled_back)" in capsys.readouterr().err


def test_cli_refuses_a_database_never_backfilled(app, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)

    assert main(["rollback", "--db", app.url, "--all", "--dry-run"]) == 2

    assert "no backfill has run" in capsys.readouterr().err
    if app.dialect == "sqlite":
        assert not Path(app.target.sidecar_path).exists()
    probe = open_database(app.target, bookkeeping=False)
    assert not probe.has_bookkeeping()
    probe.dispose()
