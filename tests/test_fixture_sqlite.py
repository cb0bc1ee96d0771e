"""The app's real development database (a copy), backfilled on SQLite."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest

from v2_backfill.preflight import V2_TABLES

pytestmark = pytest.mark.sqlite

DATETIME_COLUMNS = {
    "property_conversations": ("lastMessageAt", "createdAt", "updatedAt"),
    "messages_v2": ("readAt", "createdAt", "updatedAt"),
    "notifications_v2": ("readAt", "createdAt"),
}


def dump(path: Path, table: str) -> list[tuple]:
    """Every row with each cell's storage class, so INTEGER 5 and TEXT '5' differ."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        columns = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]
        typed = ", ".join(f'"{c}", typeof("{c}")' for c in columns)
        return conn.execute(f'SELECT {typed} FROM "{table}" ORDER BY rowid').fetchall()


def schema(path: Path) -> list[tuple]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return conn.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name"
        ).fetchall()


def app_tables(path: Path) -> list[str]:
    return [row[1] for row in schema(path) if row[0] == "table"]


def test_fixture_backfill(fixture_db: Path, run_backfill):
    legacy = [t for t in app_tables(fixture_db) if t not in V2_TABLES]
    before = {t: dump(fixture_db, t) for t in app_tables(fixture_db)}
    schema_before = schema(fixture_db)

    summary = run_backfill(f"file:{fixture_db}")

    assert summary["messages_copied"] == 9
    assert summary["conversations_created"] == 1 and summary["conversations_reused"] == 1
    with sqlite3.connect(fixture_db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM property_conversations").fetchone() == (9,)
        assert conn.execute("SELECT COUNT(*) FROM messages_v2").fetchone() == (139,)
    for table in legacy:  # legacy tables untouched, cell by cell and type by type
        assert dump(fixture_db, table) == before[table], table
    after_messages = set(dump(fixture_db, "messages_v2"))
    assert set(before["messages_v2"]) <= after_messages  # the 130 native messages unchanged
    assert schema(fixture_db) == schema_before  # nothing new in the app's file but V2 rows
    for table, columns in DATETIME_COLUMNS.items():
        with sqlite3.connect(fixture_db) as conn:
            for column in columns:
                kinds = {
                    k for (k,) in conn.execute(f'SELECT DISTINCT typeof("{column}") FROM "{table}"')
                }
                assert kinds <= {"integer", "null"}, (table, column, kinds)


def test_fixture_native_conversations_untouched_but_receivers(fixture_db: Path, run_backfill):
    before = {row[0]: row for row in dump(fixture_db, "property_conversations")[::1]}

    run_backfill(f"file:{fixture_db}")

    after = {row[0]: row for row in dump(fixture_db, "property_conversations")}
    changed = {cid for cid in before if before[cid] != after[cid]}
    assert changed == {"cmfn1b9pk00052yb8otsuh5qh"}  # native, received 3 legacy messages
    with sqlite3.connect(fixture_db) as conn:
        row = conn.execute(
            'SELECT id, status, "unreadAgentCount", "unreadClientCount", "lastMessageAt", '
            '"createdAt" FROM property_conversations WHERE "propertyId" = ?',
            ("cmflpqq0v00042y8oi1yn31fj",),
        ).fetchone()
    # id, status and createdAt kept; 3 unread agent messages now count for the client
    assert row == ("cmfn1b9pk00052yb8otsuh5qh", "ACTIVE", 4, 3, 1758162824459, 1758056272617)


def test_fixture_rerun_changes_nothing(fixture_db: Path, run_backfill):
    run_backfill(f"file:{fixture_db}")
    first = {t: dump(fixture_db, t) for t in app_tables(fixture_db)}

    summary = run_backfill(f"file:{fixture_db}")

    assert {t: dump(fixture_db, t) for t in app_tables(fixture_db)} == first
    assert summary["messages_copied"] == 0 and summary["messages_already_migrated"] == 9
    assert summary["conversations_created"] == 0


def test_a_publish_reencodes_the_earlier_rows_only_after_the_encoding_changed(
    fixture_db: Path, run_backfill, run_sync
):
    url = f"file:{fixture_db}"
    run_backfill(url)
    sidecar = f"{fixture_db}.v2_backfill.sqlite"
    with sqlite3.connect(fixture_db) as conn:
        conn.execute("ATTACH DATABASE ? AS v2_backfill", (sidecar,))
        assert conn.execute("SELECT encoding FROM v2_backfill.datetime_encoding").fetchall() == [
            ("epoch-ms",)
        ]
        (message,) = conn.execute(
            "SELECT MIN(legacy_message_id) FROM v2_backfill.lineage"
        ).fetchone()
        # a cell of an earlier publish in the other encoding (as the other app writes it)
        conn.execute(
            """UPDATE messages_v2 SET "updatedAt" = strftime('%Y-%m-%dT%H:%M:%S',
            "updatedAt" / 1000, 'unixepoch') || printf('.%03d+00:00', "updatedAt" % 1000)
            WHERE id = ?""",
            (message,),
        )

    def storage() -> str:
        with sqlite3.connect(fixture_db) as conn:
            query = 'SELECT typeof("updatedAt") FROM messages_v2 WHERE id = ?'
            return conn.execute(query, (message,)).fetchone()[0]

    assert run_sync(url)["gate_passed"]
    assert storage() == "text"  # the same encoding as recorded: the earlier rows are not read

    with sqlite3.connect(sidecar) as conn:
        conn.execute("DELETE FROM datetime_encoding")  # not known, as in a store of before
    assert run_sync(url)["gate_passed"]
    assert storage() == "integer"  # every row the pipeline wrote, in the run's encoding


def test_a_sync_reads_the_app_datetimes_of_the_conversations_it_touches(
    fixture_db: Path, run_backfill, run_sync, tmp_path
):
    from flows.validate import validate
    from v2_backfill.config import BackfillConfig, parse_database_url

    url = f"file:{fixture_db}"
    run_backfill(url)
    conversation = "cmfn1b9pk00052yb8otsuh5qh"  # native, holds 3 migrated messages
    with sqlite3.connect(fixture_db) as conn:
        conn.execute("ATTACH DATABASE ? AS v2_backfill", (f"{fixture_db}.v2_backfill.sqlite",))
        conn.execute(  # one of the app's rows holds no instant
            """UPDATE messages_v2 SET "createdAt" = X'00' WHERE id = (SELECT MIN(id)
            FROM messages_v2 WHERE "conversationId" = ? AND id NOT IN
            (SELECT legacy_message_id FROM v2_backfill.lineage))""",
            (conversation,),
        )
        (migrated,) = conn.execute(
            "SELECT MIN(legacy_message_id) FROM v2_backfill.lineage WHERE conversation_id = ?",
            (conversation,),
        ).fetchone()
    check = "sqlite_app_datetimes_parse"

    untouched = run_sync(url, lookback="0")  # reads no legacy message
    config = BackfillConfig(target=parse_database_url(url), report_dir=tmp_path / "validate")
    validate(config, return_state=True)  # fails: the app's row changed since its snapshot
    validated = json.loads((tmp_path / "validate" / "summary.json").read_text())["gate"]
    with sqlite3.connect(fixture_db) as conn:  # the old app edits a message of that conversation
        conn.execute(
            "UPDATE messages SET content = content || '!', \"updatedAt\" = ? WHERE id = ?",
            (int(time.time() * 1000), migrated),
        )
    touched = run_sync(url, lookback="0")

    assert check not in untouched["checks_warned"]  # a sync that reads no row of it
    assert check in validated["warnings"] and check in touched["checks_warned"]
