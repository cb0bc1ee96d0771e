"""Per-row hashes for the "did not change" check of native V2 rows.

A row hash is the MD5 of chosen columns (typed: on SQLite the INTEGER 5 and the TEXT '5' hash
differently). Each adapter says how it hashes a row (`Database.row_md5_sql`); this module
names the columns and builds the query of the native rows around that expression.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from v2_backfill.config import BOOKKEEPING_SCHEMA

NATIVE_COLUMNS: dict[str, tuple[str, ...]] = {
    "messages_v2": (
        "id", "conversationId", "senderId", "senderType", "content", "type", "createdAt",
    ),
    "property_conversations": (
        "id", "propertyId", "timelineId", "agentId", "clientId", "status", "createdAt",
    ),
}  # fmt: skip
"""Columns of native V2 rows the pipeline must never change (read state, counts,
lastMessageAt and updatedAt are the app's and the recompute's to change)."""


def quote_identifier(name: str) -> str:
    """A double-quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def column_list(alias: str, columns: Sequence[str]) -> str:
    """`alias."a", alias."b"`: the columns to hash, in order."""
    if not columns:
        raise ValueError("a checksum needs at least one column")
    return ", ".join(f"{alias}.{quote_identifier(c)}" for c in columns)


PIPELINE_IDS = {
    "messages_v2": (f"{BOOKKEEPING_SCHEMA}.lineage", "legacy_message_id"),
    "property_conversations": (f"{BOOKKEEPING_SCHEMA}.created_conversations", "conversation_id"),
}
"""Per V2 table, the (table, id column) listing the ids the pipeline wrote to it."""

_STAGED_CONVERSATIONS = f"(SELECT id FROM {BOOKKEEPING_SCHEMA}.stage_conversations)"
SLICE_ROWS = {
    "messages_v2": f't."conversationId" IN {_STAGED_CONVERSATIONS}',
    "property_conversations": f"t.id IN {_STAGED_CONVERSATIONS}",
}
"""Per V2 table, the condition (alias `t`) of its rows in a sync's slice: those of the staged
conversations."""


def native_rows_sql(row_md5_sql: Callable[[str, Sequence[str]], str], *, slice_only: bool) -> str:
    """SELECT table_name, row_id, row_hash of the rows of the V2 tables the pipeline did not
    write (all, or with `slice_only` those of a sync's slice); `row_md5_sql` is the adapter's
    row hash."""
    return "\nUNION ALL\n".join(
        _table_rows_sql(row_md5_sql, table, ids, SLICE_ROWS[table] if slice_only else None)
        for table, ids in PIPELINE_IDS.items()
    )


def _table_rows_sql(
    row_md5_sql: Callable[[str, Sequence[str]], str],
    table: str,
    pipeline_ids: tuple[str, str],
    where: str | None = None,
) -> str:
    """`native_rows_sql` of one table: `pipeline_ids` names the (table, id column) listing the
    ids the pipeline wrote to it (an anti-join, so a slice probes the key instead of hashing
    every id); `where`, a condition on the rows (alias `t`), keeps only some."""
    keep = f" AND {where}" if where else ""
    ids_table, id_column = pipeline_ids
    return (
        f"SELECT '{table}' AS table_name, t.id AS row_id, "
        f"{row_md5_sql('t', NATIVE_COLUMNS[table])} AS row_hash "
        f"FROM {quote_identifier(table)} AS t WHERE NOT EXISTS (SELECT 1 FROM {ids_table} AS p "
        f"WHERE p.{quote_identifier(id_column)} = t.id){keep}"
    )
