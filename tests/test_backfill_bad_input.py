"""Legacy rows no constraint kept out: each is quarantined with its own reason and the raw value
in the detail, and the rest of the backfill goes on (real SQLite files and PostgreSQL)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.factory import T0, AppDatabase


def _shared_thread(app: AppDatabase) -> tuple[str, str, str, str]:
    """A good message in a property's conversation and a candidate for a bad one in the shared
    conversation of the same two-property timeline (where the text rules read content):
    (good message, candidate message, the good one's property, the shared conversation)."""
    agent, client, timeline = app.household()
    cecil = app.property(timeline, "1052 Cecil Ave", position=1)
    app.property(timeline, "1100 Ellison Ave", position=2)
    own = app.conversation(timeline, agent, client, cecil)
    shared = app.conversation(timeline, agent, client)
    good = app.message(own, agent, "emoji 🏡 and ünïcödé", created=T0)
    candidate = app.message(shared, agent, "what about 1052 Cecil Ave?", created=T0 + 1)
    return good, candidate, cecil, shared


def _quarantine(app: AppDatabase, message_id: str) -> tuple[str, str] | None:
    rows = app.rows(
        "SELECT reason, detail FROM v2_backfill.quarantine WHERE legacy_message_id = :id",
        id=message_id,
    )
    return (rows[0][0], rows[0][1]) if rows else None


def _assert_only_it_quarantined(
    app: AppDatabase, summary: dict, bad: str, reason: str, detail: str, report_dir: Path
) -> None:
    got = _quarantine(app, bad)
    assert got is not None and got[0] == reason, got
    assert detail in got[1]
    assert summary["gate_passed"], summary["checks_failed"]
    assert summary["quarantined_by_reason"] == {reason: 1}
    assert summary["messages_copied"] == 1
    report = json.loads((report_dir / "summary.json").read_text(encoding="utf-8"))
    assert [(q["legacy_message_id"], q["reason"]) for q in report["quarantined_messages"]] == [
        (bad, reason)
    ]


@pytest.mark.sqlite
@pytest.mark.parametrize(
    ("column", "cell", "reason", "detail"),
    [
        pytest.param("content", "CAST(x'c328ff41' AS TEXT)", "invalid_content_encoding",
                     "X'C328FF41'", id="content-not-utf8"),
        pytest.param("content", "x'00ff'", "invalid_content_type", "BLOB", id="content-blob"),
        pytest.param("createdAt", "'now'", "invalid_timestamp", "createdAt 'now'", id="now"),
        pytest.param("createdAt", "'2025-02-30 10:00:00'", "invalid_timestamp",
                     "createdAt '2025-02-30 10:00:00'", id="february-30"),
        pytest.param("updatedAt", "1757950000", "invalid_timestamp", "updatedAt 1757950000",
                     id="integer-seconds"),
        pytest.param("readAt", "'2025-09-15T17:03:02'", "invalid_timestamp",
                     "readAt '2025-09-15T17:03:02'", id="iso-without-zone"),
        pytest.param("isRead", "'true'", "invalid_boolean", "isRead 'true'", id="boolean-text"),
        pytest.param("isRead", "2", "invalid_boolean", "isRead 2", id="boolean-two"),
    ],
)  # fmt: skip
def test_sqlite_cell_no_encoding_allows_is_quarantined(
    tmp_path, run_backfill, column, cell, reason, detail
):
    path = tmp_path / "app.db"
    path.touch()
    app = AppDatabase(f"file:{path}").create_legacy_tables()
    good, bad, cecil, _ = _shared_thread(app)
    app.execute(f'UPDATE messages SET "{column}" = {cell} WHERE id = :id', {"id": bad})

    summary = run_backfill(app.url, report_dir=tmp_path / "report")

    _assert_only_it_quarantined(app, summary, bad, reason, detail, tmp_path / "report")
    assert app.placement(good) == (cecil, "conversation_property")
    assert app.rows("SELECT content FROM messages_v2 WHERE id = :id", id=good)[0][0] == (
        "emoji 🏡 and ünïcödé"
    )


@pytest.mark.sqlite
@pytest.mark.parametrize(
    ("cell", "ms"),
    [
        pytest.param("1757955782123", 1757955782123, id="integer-ms"),
        pytest.param("'2025-09-15 17:03:02'", 1757955782000, id="current-timestamp"),
        pytest.param("'2025-09-15 17:03:02.123'", 1757955782123, id="with-ms"),
        pytest.param("'2025-09-15T17:03:02.123Z'", 1757955782123, id="iso-z"),
        pytest.param("'2025-09-15T19:03:02.123+02:00'", 1757955782123, id="iso-offset"),
    ],
)
def test_sqlite_datetime_encodings_accepted(tmp_path, run_backfill, cell, ms):
    path = tmp_path / "app.db"
    path.touch()
    app = AppDatabase(f"file:{path}").create_legacy_tables()
    _, message, _, _ = _shared_thread(app)
    app.execute(
        f'UPDATE messages SET "createdAt" = {cell}, "readAt" = {cell}, "isRead" = 1 WHERE id = :id',
        {"id": message},
    )

    summary = run_backfill(app.url)

    assert summary["quarantined_by_reason"] == {}
    row = app.rows('SELECT "createdAt", "readAt", "isRead" FROM messages_v2 WHERE id = :id',
                   id=message)[0]  # fmt: skip
    assert tuple(row) == (ms, ms, 1)


@pytest.mark.parametrize(
    ("column", "reason", "detail"),
    [
        ("senderId", "missing_sender", "senderId is NULL"),
        ("conversationId", "missing_conversation", "conversationId is NULL"),
        ("content", "invalid_content_type", "content is NULL"),
    ],
)
def test_null_cell_of_a_relaxed_schema_is_quarantined(
    app, run_backfill, tmp_path, column, reason, detail
):
    app.drop_not_null("messages", column)
    good, bad, cecil, _ = _shared_thread(app)
    app.execute(f'UPDATE messages SET "{column}" = NULL WHERE id = :id', {"id": bad})

    summary = run_backfill(app.url, report_dir=tmp_path / "report")

    _assert_only_it_quarantined(app, summary, bad, reason, detail, tmp_path / "report")
    assert app.placement(good) == (cecil, "conversation_property")


@pytest.mark.sqlite
@pytest.mark.parametrize("cell", ["CAST(x'c328ff41' AS TEXT)", "x'00ff'"], ids=["not-utf8", "blob"])
def test_sqlite_legacy_edit_to_bad_content_is_not_carried(tmp_path, run_backfill, cell):
    path = tmp_path / "app.db"
    path.touch()
    app = AppDatabase(f"file:{path}").create_legacy_tables()
    _, migrated, _, _ = _shared_thread(app)
    run_backfill(app.url)
    app.execute(f"UPDATE messages SET content = {cell} WHERE id = :id", {"id": migrated})

    summary = run_backfill(app.url)

    assert summary["gate_passed"], summary["checks_failed"]
    assert (summary["messages_updated"], summary["replacements_found"]) == (0, 1)
    content = app.rows("SELECT content FROM messages_v2 WHERE id = :id", id=migrated)[0][0]
    assert content == "what about 1052 Cecil Ave?"


@pytest.mark.sqlite
def test_sqlite_sync_quarantines_a_new_bad_row(tmp_path, run_backfill, run_sync):
    path = tmp_path / "app.db"
    path.touch()
    app = AppDatabase(f"file:{path}").create_legacy_tables()
    _, _, _, shared = _shared_thread(app)
    run_backfill(app.url)
    sender = app.scalar('SELECT "agentId" FROM conversations WHERE id = :id', id=shared)
    later = T0 + 24 * 3_600_000
    bad = app.message(shared, sender, "x", created=later)
    app.execute("UPDATE messages SET content = CAST(x'c328ff41' AS TEXT) WHERE id = :id",
                {"id": bad})  # fmt: skip
    good = app.message(shared, sender, "and 1100 Ellison Ave?", created=later + 1)

    summary = run_sync(app.url)

    assert summary["gate_passed"], summary["checks_failed"]
    assert _quarantine(app, bad) == (
        "invalid_content_encoding",
        "content is not valid UTF-8, starting X'C328FF41'",
    )
    assert app.placement(good)[1] == "address_mention"


@pytest.mark.sqlite
def test_staging_of_an_older_layout_is_made_anew(tmp_path, run_backfill):
    import sqlite3

    path = tmp_path / "app.db"
    path.touch()
    app = AppDatabase(f"file:{path}").create_legacy_tables()
    app.drop_not_null("messages", "senderId")
    _, _, _, shared = _shared_thread(app)
    run_backfill(app.url)
    sidecar = sqlite3.connect(app.target.sidecar_path)
    schema = "SELECT sql FROM sqlite_master WHERE name = 'stage_messages'"
    (ddl,) = sidecar.execute(schema).fetchone()
    with sidecar:  # the layout before NULL legacy cells were staged
        sidecar.execute("DROP TABLE stage_messages")
        sidecar.execute(ddl.replace("sender_id TEXT,", "sender_id TEXT NOT NULL,"))
    sidecar.close()
    bad = app.message(shared, "cnobody0000000000000000000", "1052 Cecil Ave", created=T0 + 2)
    app.execute('UPDATE messages SET "senderId" = NULL WHERE id = :id', {"id": bad})

    summary = run_backfill(app.url)

    assert summary["quarantined_by_reason"] == {"missing_sender": 1}
    assert summary["messages_already_migrated"] == 2


@pytest.mark.sqlite
@pytest.mark.parametrize("cell", ["CAST(x'c328ff41' AS TEXT)", "x'00ff'"], ids=["not-utf8", "blob"])
def test_sqlite_preview_shows_bad_content_without_excerpt(tmp_path, capsys, monkeypatch, cell):
    from v2_backfill.cli import main

    monkeypatch.chdir(tmp_path)
    path = tmp_path / "app.db"
    path.touch()
    app = AppDatabase(f"file:{path}").create_legacy_tables()
    _, bad, _, _ = _shared_thread(app)
    app.execute(f"UPDATE messages SET content = {cell} WHERE id = :id", {"id": bad})

    assert main(["preview", "--db", app.url, "--json"]) == 0

    plan = json.loads(capsys.readouterr().out)["plan"]
    assert plan["messages_to_copy"] == 1
    (reason,) = plan["messages_to_quarantine_by_reason"]
    assert plan["samples"]["quarantine"][reason][0]["excerpt"] is None
