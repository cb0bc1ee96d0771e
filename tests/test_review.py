"""The review loop on both databases: export -> decisions -> apply (a run of kind review) ->
decisions kept by later backfills and syncs; a bad decisions file refused whole."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.factory import HOUR, MINUTE, T0, AppDatabase
from v2_backfill.cli import main
from v2_backfill.db import open_database


def shared_thread(app: AppDatabase) -> dict[str, str]:
    """A timeline with two properties and a shared conversation: a run naming 12 Oak St (placed
    by the text rules), a run of two messages naming nothing (one segment), a lone message
    naming nothing (a segment of its own)."""
    agent, client, timeline = app.household()
    oak = app.property(timeline, "12 Oak St, Springfield, IL 62701", position=0)
    elm = app.property(timeline, "34 Elm Ave, Springfield, IL 62701", position=1)
    shared = app.conversation(timeline, agent, client)
    ids = {"oak": oak, "elm": elm, "shared": shared, "agent": agent, "client": client}
    said = [
        ("ask", client, "client", "Is 12 Oak St still available?", T0),
        ("answer", agent, "agent", "Yes, 12 Oak St is available", T0 + 2 * MINUTE),
        ("follow", client, "client", "great, can we see it on Saturday?", T0 + 4 * MINUTE),
        ("b1", client, "client", "what about the other one?", T0 + 10 * HOUR),
        ("b2", agent, "agent", "let me check and call you", T0 + 10 * HOUR + MINUTE),
        ("c1", client, "client", "any news?", T0 + 30 * HOUR),
    ]
    for name, sender, kind, text, at in said:
        ids[name] = app.message(shared, sender, text, sender_type=kind, created=at)
    return ids


def review(*args: str) -> int:
    """`v2-backfill review ...` in this process (apply with the quarantine tolerances off:
    tiny datasets quarantine large shares)."""
    tolerances = ["--quarantine-warn", "100%", "--quarantine-fail", "100%"]
    return main(["review", *args, *(tolerances if args[0] == "apply" else [])])


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def write_decisions(path: Path, rows: list[dict[str, str]]) -> Path:
    columns = ("message_id", "segment", "decision", "property_id", "reviewer")
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in columns})
    return path


def store_state(app: AppDatabase) -> list[list[tuple]]:
    """What a review run may change: V2 messages, lineage, quarantine, decisions, labels."""
    return [
        app.table_dump("messages_v2"),
        app.table_dump("property_conversations"),
        [tuple(r) for r in app.rows("SELECT * FROM v2_backfill.lineage ORDER BY 1")],
        [tuple(r) for r in app.rows("SELECT * FROM v2_backfill.quarantine ORDER BY 1")],
        [tuple(r) for r in app.rows("SELECT * FROM v2_backfill.decisions ORDER BY 1")],
        [tuple(r) for r in app.rows("SELECT * FROM v2_backfill.audit_labels ORDER BY 1")],
    ]


@pytest.fixture
def exported(app, run_backfill, prefect_server, tmp_path, monkeypatch):
    """The shared thread backfilled, and its review queue exported into tmp_path/out."""
    monkeypatch.chdir(tmp_path)
    ids = shared_thread(app)
    run_backfill(app.url)
    assert review("export", "--db", app.url, "--out", "out", "--json") == 0
    return ids, tmp_path / "out"


def test_export_apply_keeps_decisions(app, exported, run_backfill, run_sync, capsys):
    ids, out = exported
    queue = {row["message_id"]: row for row in read_csv(out / "queue.csv")}
    assert set(queue) == {ids["b1"], ids["b2"], ids["c1"]}
    assert queue[ids["b1"]]["segment"] == queue[ids["b2"]]["segment"] == ids["b1"]
    assert queue[ids["c1"]]["segment"] == ids["c1"]
    assert queue[ids["b1"]]["candidates"].startswith(f"{ids['oak']} (12 Oak St); {ids['elm']}")
    assert queue[ids["c1"]]["sent_at"] == "2025-09-16T21:26:40.000Z"
    page = (out / "index.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and f'data-segment="{ids["c1"]}"' in page
    capsys.readouterr()

    decisions = write_decisions(out / "decisions.csv", [
        {"segment": ids["b1"], "decision": ids["elm"]},
        {"message_id": ids["c1"], "decision": ids["oak"]},
    ])  # fmt: skip
    assert review("apply", "--db", app.url, str(decisions), "--reviewer", "ann", "--json") == 0
    applied = json.loads(capsys.readouterr().out)

    assert applied["kind"] == "review" and applied["gate_passed"]
    assert applied["messages_copied"] == 3
    report = Path(applied["report"])
    latest = json.loads((report.parent / "summary.json").read_text())["review"]["latest_queue"]
    assert latest["page"] == str((out / "index.html").resolve())
    assert (latest["queued_messages"], latest["segments"], latest["audit_sample"]) == (3, 2, 3)
    assert f'href="{(out / "index.html").resolve().as_uri()}"' in report.read_text()
    assert applied["review"]["decisions_placed"] == 3
    assert app.placement(ids["b1"]) == (ids["elm"], "reviewer")
    assert app.placement(ids["b2"]) == (ids["elm"], "reviewer")
    assert app.placement(ids["c1"]) == (ids["oak"], "reviewer")
    evidence = app.scalar(
        "SELECT evidence FROM v2_backfill.lineage WHERE legacy_message_id = :id", id=ids["c1"]
    )
    assert evidence.startswith("reviewer:ann@")
    assert not app.rows("SELECT 1 FROM v2_backfill.quarantine")
    runs = app.rows("SELECT kind, status FROM v2_backfill.runs WHERE run_id = :r",
                    r=applied["run_id"])  # fmt: skip
    assert [tuple(r) for r in runs] == [("review", "succeeded")]
    state = store_state(app)

    assert review("apply", "--db", app.url, str(decisions), "--json") == 0
    again = json.loads(capsys.readouterr().out)
    assert again["run_id"] is None and again["review"]["unchanged"] == 3
    assert store_state(app) == state

    run_backfill(app.url)
    app.execute(  # the old app edits c1 to name Elm: the rules alone would now move it there
        'UPDATE messages SET content = :c, "updatedAt" = :u WHERE id = :id',
        {"c": "any news on 34 Elm Ave?", "u": app.ts(T0 + 40 * HOUR), "id": ids["c1"]},
    )
    run_sync(app.url, replace=True)
    run_sync(app.url, reconcile=True)
    for name, prop in (("b1", "elm"), ("b2", "elm"), ("c1", "oak")):
        assert app.placement(ids[name]) == (ids[prop], "reviewer")
    assert not app.rows("SELECT 1 FROM v2_backfill.quarantine")
    assert not app.rows("SELECT 1 FROM v2_backfill.replacements")  # no finding against them

    assert review("status", "--db", app.url, "--json") == 0
    status = json.loads(capsys.readouterr().out)
    assert (status["decided"], status["pending"], status["segments"]) == (3, 0, 0)
    assert status["latest_queue"]["page"] == latest["page"]
    assert review("status", "--db", app.url) == 0
    text = capsys.readouterr().out
    assert "  pending:  0 in 0 segment(s)" in text
    assert f"  latest queue:  {latest['page']} (exported " in text


def label_sample(out: Path, ids: dict[str, str]) -> Path:
    """The audit sample labelled: `follow` wrong (it belongs to Elm), the others correct."""
    sample = {row["message_id"]: row for row in read_csv(out / "audit_sample.csv")}
    assert set(sample) == {ids["ask"], ids["answer"], ids["follow"]}
    assert sample[ids["ask"]]["street_line"] == "12 Oak St"
    rows = []
    for message_id, row in sample.items():
        row["decision"] = "correct" if message_id != ids["follow"] else "wrong"
        if message_id == ids["follow"]:
            row["property_id"] = ids["elm"]
        rows.append(row)
    labelled = out / "labelled.csv"
    with labelled.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return labelled


def test_audit_labels_and_a_wrong_placement_moved(app, exported, capsys):
    ids, out = exported
    labelled = label_sample(out, ids)
    capsys.readouterr()

    assert review("apply", "--db", app.url, str(labelled), "--json") == 0
    applied = json.loads(capsys.readouterr().out)

    assert applied["review"]["labels_correct"] == 2 and applied["review"]["labels_wrong"] == 1
    assert app.placement(ids["follow"]) == (ids["elm"], "reviewer")
    assert app.placement(ids["ask"])[0] == ids["oak"]
    labels = app.rows("SELECT legacy_message_id, label FROM v2_backfill.audit_labels")
    assert dict(tuple(r) for r in labels) == {
        ids["ask"]: "correct",
        ids["answer"]: "correct",
        ids["follow"]: "wrong",
    }
    report = json.loads((Path(applied["report"]).parent / "summary.json").read_text())
    assert report["estimated_precision"] == {
        "address_mention": {"sample_size": 2, "correct": 2, "precision": 1.0,
                            "wilson_low": 0.3424, "wilson_high": 1.0},
        "topic_run": {"sample_size": 1, "correct": 0, "precision": 0.0,
                      "wilson_low": 0.0, "wilson_high": 0.7935},
    }  # fmt: skip

    gated = ["validate", "--db", app.url, "--quarantine-fail", "100%", "--json"]
    assert main(gated) == 0
    capsys.readouterr()
    assert main([*gated, "--min-estimated-precision", "0.3"]) == 1
    failed = json.loads(capsys.readouterr().out)
    assert failed["checks_failed"] == ["estimated_precision"]


BAD_FILES = [
    # (id, rows given the ids, line named, fragment of the error)
    ("unknown-message", lambda i: [{"message_id": "nope", "decision": i["oak"]}], 2,
     "unknown message 'nope'"),
    ("unknown-segment", lambda i: [{"segment": "nope", "decision": i["oak"]}], 2,
     "unknown segment 'nope'"),
    ("unknown-decision", lambda i: [{"message_id": i["c1"], "decision": "maybe"}], 2,
     "unknown decision 'maybe'"),
    ("property-of-another-timeline", lambda i: [{"message_id": i["c1"], "decision": i["other"]}],
     2, "is of another timeline"),
    ("rows-disagree", lambda i: [{"segment": i["b1"], "decision": i["oak"]},
                                 {"message_id": i["b2"], "decision": i["elm"]}], 3,
     "disagrees with line 2"),
    ("no-longer-quarantined", lambda i: [{"message_id": i["ask"], "decision": i["elm"]}], 2,
     "is no longer in quarantine"),
    ("no-longer-at-placement", lambda i: [{"message_id": i["ask"], "decision": "correct",
                                           "property_id": i["elm"]}], 2,
     "no longer at the audited placement"),
    ("label-of-a-quarantined-message", lambda i: [{"message_id": i["c1"], "decision": "wrong"}],
     2, "no longer at a heuristic placement"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("rows_for", "line", "fragment"),
    [case[1:] for case in BAD_FILES],
    ids=[case[0] for case in BAD_FILES],
)
def test_bad_decisions_file_is_refused_whole(app, exported, capsys, rows_for, line, fragment):
    ids, out = exported
    _agent, _client, timeline = app.household()
    ids["other"] = app.property(timeline, "9 Far Rd")
    good = {"message_id": ids["c1"], "decision": ids["oak"]}  # valid, yet not applied either
    path = write_decisions(out / "bad.csv", [*rows_for(ids), good])
    before = store_state(app)
    capsys.readouterr()

    assert review("apply", "--db", app.url, str(path), "--json") == 2

    captured = capsys.readouterr()
    assert f"line {line}: " in captured.err and fragment in captured.err
    assert json.loads(captured.out)["error"]["code"] == 2
    assert store_state(app) == before
    assert app.scalar("SELECT COUNT(*) FROM v2_backfill.runs WHERE kind = 'review'") == 0


def test_rollback_of_a_review_run_restores_the_quarantine(app, exported, capsys):
    ids, out = exported
    before = store_state(app)[2:]
    conversations = (
        'SELECT id, "unreadAgentCount", "unreadClientCount", "lastMessageAt" '
        "FROM property_conversations ORDER BY id"
    )
    counts = [tuple(r) for r in app.rows(conversations)]
    decisions = write_decisions(out / "decisions.csv", [
        {"segment": ids["b1"], "decision": ids["elm"]},
        {"message_id": ids["c1"], "decision": "quarantine"},
    ])  # fmt: skip
    assert review("apply", "--db", app.url, str(decisions), "--json") == 0
    run_id = json.loads(capsys.readouterr().out)["run_id"]
    assert app.scalar("SELECT reason FROM v2_backfill.quarantine WHERE legacy_message_id = :id",
                      id=ids["c1"]) == "reviewer"  # fmt: skip

    assert main(["rollback", "--db", app.url, "--run", run_id, "--json"]) == 0

    assert store_state(app)[2:] == before
    assert [tuple(r) for r in app.rows(conversations)] == counts
    assert app.placement(ids["b1"]) == (None, None)
    status = app.scalar("SELECT status FROM v2_backfill.runs WHERE run_id = :r", r=run_id)
    assert status == "rolled_back"


def test_rollback_of_a_review_run_moves_audited_placements_back(app, exported, capsys):
    ids, out = exported
    conversations = (
        'SELECT id, "propertyId", "unreadAgentCount", "unreadClientCount", "lastMessageAt" '
        "FROM property_conversations ORDER BY id"
    )
    before = [app.table_dump("messages_v2"), *store_state(app)[2:], app.rows(conversations)]
    assert review("apply", "--db", app.url, str(label_sample(out, ids)), "--json") == 0
    run_id = json.loads(capsys.readouterr().out)["run_id"]
    assert app.placement(ids["follow"]) == (ids["elm"], "reviewer")
    command = ["rollback", "--db", app.url, "--run", run_id, "--json"]

    assert main([*command, "--dry-run"]) == 0
    assert json.loads(capsys.readouterr().out)["messages_moved_back"] == 1
    assert main(command) == 0

    assert json.loads(capsys.readouterr().out)["messages_moved_back"] == 1
    assert app.placement(ids["follow"]) == (ids["oak"], "topic_run")
    after = [app.table_dump("messages_v2"), *store_state(app)[2:], app.rows(conversations)]
    assert after == before  # Elm's conversation, created for the move, is gone again
    assert not app.rows("SELECT 1 FROM v2_backfill.review_prior")


def test_a_store_of_the_layout_before_segments_is_upgraded(app, run_backfill):
    ids = shared_thread(app)
    run_backfill(app.url)
    store = open_database(app.target)  # the store attached, as a run sees it
    with store.begin() as conn:  # that layout had no index of the quarantine by segment
        conn.execute(sa.text("DROP INDEX v2_backfill.quarantine_review"))
        for table in ("quarantine", "stage_attribution"):
            conn.execute(sa.text(f"ALTER TABLE v2_backfill.{table} DROP COLUMN segment"))
    store.dispose()

    run_backfill(app.url)

    segments = app.rows(
        "SELECT legacy_message_id, segment FROM v2_backfill.quarantine ORDER BY segment"
    )
    assert sorted(tuple(r) for r in segments) == sorted(
        [(ids["b1"], ids["b1"]), (ids["b2"], ids["b1"]), (ids["c1"], ids["c1"])]
    )
