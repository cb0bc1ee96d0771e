"""The old app keeps writing: backfill, sync and validate against a real writer process.

A subprocess (`tests.live_writer`) commits a new legacy message, a read receipt or a content
edit every few milliseconds, from before the backfill starts until after it ends, through the
plain driver as the app would. The backfill judges legacy as of its snapshot and passes; the
run is held a second after staging (a failpoint), so the writer's changes after the snapshot
are certain and the report counts them. One sync afterwards carries every change; a second
changes nothing. On SQLite this runs in WAL mode and in rollback-journal mode (Prisma's
default), where the writer's commits must never fail for a lock.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from devtools.demo import write_postgres, write_sqlite
from tests.factory import AppDatabase
from v2_backfill import backfill, runs
from v2_backfill.errors import DataQualityError

from . import live_writer

MESSAGES = 3000
V2 = ("property_conversations", "messages_v2")


KINDS = [
    pytest.param("postgres", marks=pytest.mark.postgres),
    pytest.param("wal", marks=pytest.mark.sqlite),
    pytest.param("rollback-journal", marks=pytest.mark.sqlite),
]
"""PostgreSQL, and SQLite in each journal mode."""


def app_of_kind(request: pytest.FixtureRequest, tmp_path: Path, messages: int) -> str:
    """A generated app database (legacy only; `messages` of them, or empty tables) of the
    kind the test's parameter names; returns its URL."""
    if request.param == "postgres":
        url = request.getfixturevalue("pg_schema")
        if messages:
            write_postgres(url, messages, seed=5)
        else:
            AppDatabase(url).create_legacy_tables().dispose()
        return url
    path = tmp_path / "live.db"
    if messages:
        write_sqlite(path, messages, seed=5)
    else:
        sqlite3.connect(path).close()
        AppDatabase(f"file:{path}").create_legacy_tables().dispose()
    mode = "wal" if request.param == "wal" else "delete"
    with sqlite3.connect(path) as conn:
        assert conn.execute(f"PRAGMA journal_mode = {mode}").fetchone()[0] == mode
    return f"file:{path}"


@pytest.fixture(params=KINDS)
def live_app(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A generated app database of each kind."""
    return app_of_kind(request, tmp_path, MESSAGES)


@pytest.fixture(params=KINDS)
def empty_app(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An app database of each kind with empty legacy tables."""
    return app_of_kind(request, tmp_path, 0)


def test_backfill_and_sync_while_the_old_app_writes(
    live_app, run_backfill, run_sync, tmp_path, monkeypatch
):
    from flows.validate import validate
    from tests.test_gate import config

    app = AppDatabase(live_app)
    monkeypatch.setenv(runs.FAILPOINT_ENV, "after-stage:sleep=1")
    stop = live_writer.start(sys.executable, live_app, tmp_path / "writer.json")
    try:
        summary = run_backfill(live_app, report_dir=tmp_path / "backfill")
        monkeypatch.delenv(runs.FAILPOINT_ENV)
        assert run_sync(live_app)["gate_passed"] is True
        assert validate(config(app, tmp_path / "validate-live"))["gate_passed"] is True
    finally:
        writes = stop()

    assert writes["errors"] == []
    assert summary["gate_passed"] is True
    changes = summary["changes_after_snapshot"]
    assert changes["new_messages"] + changes["changed_messages"] > 0
    assert len(writes["new"]) > 0 and len(writes["read"]) + len(writes["edited"]) > 0

    run_sync(live_app)
    try:
        assert_every_legacy_message_placed_once(app)
        assert_live_changes_carried(app, writes)
        before = {table: app.table_dump(table) for table in V2}
        second = run_sync(live_app)
        assert second["messages_copied"] == second["messages_updated"] == 0
        assert {table: app.table_dump(table) for table in V2} == before
        assert validate(config(app, tmp_path / "validate"))["gate_passed"] is True
    finally:
        app.dispose()


def assert_every_legacy_message_placed_once(app: AppDatabase) -> None:
    """Every legacy id is in messages_v2 (same id, with its lineage) xor in quarantine."""
    placed = app.rows(
        "SELECT m.id, COUNT(mv.id) + COUNT(l.legacy_message_id) AS migrated, "
        "COUNT(q.legacy_message_id) AS quarantined FROM messages AS m "
        "LEFT JOIN messages_v2 AS mv ON mv.id = m.id "
        "LEFT JOIN v2_backfill.lineage AS l ON l.legacy_message_id = m.id "
        "LEFT JOIN v2_backfill.quarantine AS q ON q.legacy_message_id = m.id GROUP BY m.id"
    )
    wrong = [row for row in placed if (row.migrated, row.quarantined) not in ((2, 0), (0, 1))]
    assert wrong == []


def assert_live_changes_carried(app: AppDatabase, writes: dict) -> None:
    """The writer's new messages, read receipts and edits are in messages_v2 as in legacy."""
    created, read_at = (app.db.timestamp_sql(f'm."{c}"') for c in ("createdAt", "readAt"))
    differ = app.rows(
        "SELECT m.id FROM messages AS m JOIN messages_v2 AS mv ON mv.id = m.id "
        f'WHERE mv.content <> m.content OR mv."isRead" <> m."isRead" '
        f'OR mv."createdAt" <> {created} '
        f'OR (mv."readAt" IS NULL) <> (m."readAt" IS NULL) OR mv."readAt" <> {read_at}'
    )
    assert differ == []
    state = {row.id: bool(row.isRead) for row in app.rows('SELECT id, "isRead" FROM messages_v2')}
    quarantined = {
        row[0] for row in app.rows("SELECT legacy_message_id FROM v2_backfill.quarantine")
    }
    assert set(writes["new"]) <= state.keys() | quarantined
    assert set(writes["new"]) & state.keys()
    assert all(state[message] for message in writes["read"] if message in state)


def test_a_pipeline_write_to_legacy_fails_the_gate(empty_app, run_backfill, tmp_path, monkeypatch):
    """A write of the pipeline's own to a legacy table, in one of its transactions, is caught
    by the gate and nothing is published."""
    from tests.test_backfill_runs import busy_timeline

    app = AppDatabase(empty_app)
    try:
        busy_timeline(app)
        victim = app.scalar("SELECT MIN(id) FROM messages")
        original = backfill.write_result

        def buggy_write_result(db):  # a pipeline bug: a legacy UPDATE in its own transaction
            with db.begin() as conn:
                conn.execute(
                    sa.text("UPDATE messages SET content = content WHERE id = :id"), {"id": victim}
                )
            return original(db)

        monkeypatch.setattr(backfill, "write_result", buggy_write_result)
        with pytest.raises(DataQualityError, match="legacy_tables_unchanged"):
            run_backfill(empty_app, report_dir=tmp_path / "report")
        assert app.scalar("SELECT COUNT(*) FROM messages_v2") == 0
    finally:
        app.dispose()
