"""What a run reads: every legacy message, or the changes after the stored cursors (a sync)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from v2_backfill.db import Database


@dataclass(frozen=True)
class Cursor:
    """Where a legacy table's changes start: the (updatedAt, id) of the newest row read."""

    updated_ms: int
    """updatedAt, epoch milliseconds UTC."""
    row_id: str


SYNCED_TABLES = ("messages", "conversations", "properties")
"""The legacy tables whose changes a sync reads, each from its own cursor."""


@dataclass(frozen=True)
class Scope:
    """Which legacy messages a run stages."""

    since: dict[str, Cursor] | None = None
    """None: every legacy message; else what changed after these cursors (a sync)."""
    lookback_ms: int = 0
    """How far each cursor of `since` is moved back (0: the cursor is exact)."""
    deletions: bool = False
    """Whether to find the migrated and quarantined messages deleted in legacy (a reconcile)."""
    remove_deleted: bool = False
    """Whether the run removes what the pipeline made of those messages."""


def cursor_params(db: Database, since: dict[str, Cursor], lookback_ms: int) -> dict[str, Any]:
    """The bind parameters of `scope_changes` for cursors `since`, each moved back `lookback_ms`."""
    params: dict[str, Any] = {}
    for table in SYNCED_TABLES:
        cursor = since.get(table, Cursor(0, ""))
        params[f"since_{table}"] = db.from_ms(cursor.updated_ms - lookback_ms)
        params[f"since_{table}_id"] = cursor.row_id if lookback_ms == 0 else ""
    return params


def stored_cursors(db: Database) -> dict[str, Cursor]:
    """The cursors the latest successful run stored, per legacy table (empty: none yet)."""
    with db.connect() as conn:
        rows = db.query(conn, "stored_cursors")
        return {row.table_name: Cursor(db.to_ms(row.updated_at), row.row_id) for row in rows}
