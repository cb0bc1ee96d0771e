"""The app's real development database, copied into PostgreSQL, backfilled there."""

from __future__ import annotations

import pytest

from devtools.demo import copy_sqlite_app_db_to_postgres
from tests.factory import AppDatabase

pytestmark = pytest.mark.postgres

LEGACY = ("users", "clients", "timelines", "properties", "conversations", "messages")


def test_fixture_backfill_on_postgres(fixture_db, pg_schema, run_backfill):
    copy_sqlite_app_db_to_postgres(fixture_db, pg_schema)
    app = AppDatabase(pg_schema)
    legacy_before = {t: app.table_dump(t) for t in LEGACY}
    native_messages = set(app.table_dump("messages_v2"))

    summary = run_backfill(pg_schema)

    assert summary["messages_copied"] == 9
    assert app.scalar("SELECT COUNT(*) FROM property_conversations") == 9
    assert app.scalar("SELECT COUNT(*) FROM messages_v2") == 139
    assert native_messages <= set(app.table_dump("messages_v2"))
    assert {t: app.table_dump(t) for t in LEGACY} == legacy_before
    row = app.rows(
        'SELECT "unreadAgentCount", "unreadClientCount" FROM property_conversations '
        "WHERE id = 'cmfn1b9pk00052yb8otsuh5qh'"
    )[0]
    assert tuple(row) == (4, 3)

    snapshot = {t: app.table_dump(t) for t in ("property_conversations", "messages_v2")}
    again = run_backfill(pg_schema)
    assert again["messages_copied"] == 0
    assert {t: app.table_dump(t) for t in ("property_conversations", "messages_v2")} == snapshot
    app.dispose()
