"""SQL builders for the "did not change" checks: table checksums and per-row hashes.

A table checksum is the row count plus an order-independent sum of a 32-bit hash of every row
(all columns, typed: on SQLite the INTEGER 5 and the TEXT '5' hash differently). A row hash
is the MD5 of chosen columns. PostgreSQL hashes the text of a ROW(...) value (the row hash
with md5(), the 32-bit one with hashtext(), which costs half as much over a large table);
SQLite uses the functions `v2_row_hash32` and `v2_row_md5` that the adapter registers.
"""

from __future__ import annotations

from collections.abc import Sequence

SQLITE_ROW_HASH32 = "v2_row_hash32"
SQLITE_ROW_MD5 = "v2_row_md5"

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


def _cells(alias: str, columns: Sequence[str]) -> list[str]:
    if not columns:
        raise ValueError("a checksum needs at least one column")
    return [f"{alias}.{quote_identifier(c)}" for c in columns]


def _columns(alias: str, columns: Sequence[str]) -> str:
    return ", ".join(_cells(alias, columns))


def row_md5_sql(dialect: str, alias: str, columns: Sequence[str]) -> str:
    """An expression: the hex MD5 of the given columns of the row `alias`."""
    if dialect == "postgresql":
        return f"md5(CAST(ROW({_columns(alias, columns)}) AS TEXT))"
    return f"{SQLITE_ROW_MD5}({_columns(alias, columns)})"


def _row_hash32_sql(dialect: str, alias: str, columns: Sequence[str]) -> str:
    if dialect == "postgresql":
        return f"hashtext(CAST(ROW({_columns(alias, columns)}) AS TEXT))"
    # The row as the bytes of its cells' SQL literals (typed: 5 and '5' differ), in one
    # argument: Python's sqlite3 module decodes a TEXT argument as UTF-8 before the function
    # runs, and fails the whole statement on a legacy cell that is not valid UTF-8.
    literals = " || ',' || ".join(f"quote({cell})" for cell in _cells(alias, columns))
    return f"{SQLITE_ROW_HASH32}(CAST({literals} AS BLOB))"


def table_checksum_sql(dialect: str, table: str, columns: Sequence[str]) -> str:
    """SELECT table_name, row_count, checksum of one table (every row, the given columns)."""
    name = table.replace("'", "''")
    return (
        f"SELECT '{name}' AS table_name, COUNT(*) AS row_count, "
        f"COALESCE(SUM({_row_hash32_sql(dialect, 't', columns)}), 0) AS checksum "
        f"FROM {quote_identifier(table)} AS t"
    )


def tables_checksum_sql(dialect: str, tables: dict[str, Sequence[str]]) -> str:
    """One SELECT giving (table_name, row_count, checksum) for each table, sorted by name."""
    return "\nUNION ALL\n".join(
        table_checksum_sql(dialect, table, columns) for table, columns in sorted(tables.items())
    )


def native_rows_sql(
    dialect: str, table: str, pipeline_ids: tuple[str, str], where: str | None = None
) -> str:
    """SELECT table_name, row_id, row_hash of the rows of a V2 table the pipeline did not write.

    `pipeline_ids` names the (table, id column) listing the ids the pipeline wrote to that
    table (an anti-join, so a slice probes the key instead of hashing every id); `where`, a
    condition on the rows (alias `t`), keeps only some.
    """
    columns = NATIVE_COLUMNS[table]
    keep = f" AND {where}" if where else ""
    ids_table, id_column = pipeline_ids
    return (
        f"SELECT '{table}' AS table_name, t.id AS row_id, "
        f"{row_md5_sql(dialect, 't', columns)} AS row_hash "
        f"FROM {quote_identifier(table)} AS t WHERE NOT EXISTS (SELECT 1 FROM {ids_table} AS p "
        f"WHERE p.{quote_identifier(id_column)} = t.id){keep}"
    )
