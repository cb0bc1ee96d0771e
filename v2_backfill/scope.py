"""What a run reads: every legacy message, or the changes after the stored cursors (a sync)."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain, islice
from typing import Any

import sqlalchemy as sa

from transforms.touched_runs import CONTEXT_MESSAGES, RunRole, ThreadTime, touched_runs
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


STAGED_CONTEXT = 2 * CONTEXT_MESSAGES
"""The messages a sync stages before a stretch holding a change: the context its first run
needs, with room for messages the set-based rules take out of the thread."""


def cursor_params(db: Database, since: dict[str, Cursor], lookback_ms: int) -> dict[str, Any]:
    """The bind parameters of `scope_changes` for cursors `since`, each moved back
    `lookback_ms`, with the context it stages before a stretch holding a change."""
    params: dict[str, Any] = {"context_messages": STAGED_CONTEXT}
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


def keep_touched_runs(db: Database, conn: sa.Connection, window_ms: int, chunk_size: int) -> int:
    """Of the messages a sync staged around its changes in shared conversations, keep the topic
    runs the changes touch, to place again, and the context each needs (see
    `transforms.touched_runs`), as the backfill's reading cuts them with the thread window
    `window_ms`; drop the rest from the run. Streams in chunks; returns how many are kept."""
    staged = (
        ThreadTime(conversation_id, message_id, db.to_ms(created_at), bool(changed))
        for conversation_id, message_id, created_at, changed in chain.from_iterable(
            db.stream(conn, "touched_run_messages", {}, chunk_size)
        )
    )
    roles, kept = touched_runs(staged, window_ms), 0
    while batch := list(islice(roles, chunk_size)):  # the stream is not read during a load
        kept += db.bulk_insert(conn, "stage_runs", RunRole._fields, batch)
    db.run(conn, "keep_touched_runs")
    return kept
