"""The SQLite DateTime encoding of the V2 app: found from its native V2 rows, or given by
`--sqlite-datetime`, and the SQL that writes a timestamp in it.

Prisma 6's engine (and `@prisma/adapter-libsql` with `timestampFormat: 'unixepoch-ms'`)
stores a DateTime as INTEGER epoch milliseconds; the adapter's default `iso8601` (Prisma 7's
too) as TEXT `2025-01-02T03:04:05.678+00:00`. Each reads only its own: an app that upgrades
writes the other one from then on. The pipeline writes its rows as the app does, and reads
either wherever it reads a V2 DateTime (the fill `instant`).
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path

from sqlalchemy.engine import Connection

from v2_backfill.config import DatabaseTarget, SqliteDatetime
from v2_backfill.db.sqlite_cells import sqlite_epoch_ms_sql, sqlite_instant_sql
from v2_backfill.errors import UsageError

DEFAULT = SqliteDatetime.EPOCH_MS
"""The encoding when neither the flag nor a native row says: Prisma 6's engine's."""

_NATIVE_CELLS = """
SELECT typeof(m."createdAt") AS storage FROM messages_v2 AS m
WHERE m.id NOT IN ({messages})
UNION ALL
SELECT typeof(c."createdAt") FROM property_conversations AS c
WHERE c.id NOT IN ({conversations})
UNION ALL
SELECT typeof(n."createdAt") FROM notifications_v2 AS n
"""
"""The storage of the createdAt of every native V2 row (one the pipeline did not write)."""


PIPELINE_DATETIMES = {
    "messages_v2": (
        "SELECT l.legacy_message_id FROM v2_backfill.lineage AS l",
        ("createdAt", "updatedAt", "readAt"),
    ),
    "property_conversations": (
        "SELECT c.conversation_id FROM v2_backfill.created_conversations AS c",
        ("createdAt", "updatedAt", "lastMessageAt"),
    ),
}
"""Per V2 table the pipeline writes: the ids of its rows there, and their DateTime columns."""


def iso8601_sql(ms: str) -> str:
    """An expression: the epoch ms `ms` (an INTEGER expression) as the TEXT Prisma's libsql
    adapter writes in `iso8601` mode, `YYYY-MM-DDTHH:MM:SS.fff+00:00` (NULL for NULL)."""
    return (
        f"(strftime('%Y-%m-%dT%H:%M:%S', ({ms}) / 1000, 'unixepoch') "
        f"|| printf('.%03d', ({ms}) % 1000) || '+00:00')"
    )


def app_datetime_sql(encoding: SqliteDatetime, cell: str) -> str:
    """An expression: `cell` (a timestamp as the store keeps it, epoch ms, or a V2 DateTime
    cell in either encoding) as the app's DateTime cell in `encoding`."""
    ms = sqlite_instant_sql(cell)
    return ms if encoding is SqliteDatetime.EPOCH_MS else iso8601_sql(ms)


def datetime_problem_sql(encoding: SqliteDatetime, cell: str, *, staged: bool) -> str:
    """A condition: the DateTime `cell` is not NULL and, as the pipeline publishes it (converted
    with `app_datetime_sql` when `staged`, as it is otherwise), not exactly in `encoding` or no
    valid instant (`sqlite_epoch_ms_sql`)."""
    value = app_datetime_sql(encoding, cell) if staged else cell
    return (
        f"({cell} IS NOT NULL AND ({value} IS NOT {app_datetime_sql(encoding, value)} "
        f"OR {sqlite_epoch_ms_sql(value)} IS NULL))"
    )


def encode_pipeline_datetimes(conn: Connection, encoding: SqliteDatetime) -> None:
    """Bring the DateTime cells of every V2 row the pipeline wrote into `encoding` (in the
    publishing transaction): after the app changed its encoding, the rows published before are
    rewritten as the same instants in the one the app now reads; a row already in it is not
    touched."""
    for table, (ids, columns) in PIPELINE_DATETIMES.items():
        encoded = {f'"{c}"': app_datetime_sql(encoding, f'"{c}"') for c in columns}
        changes = ", ".join(f"{cell} = {value}" for cell, value in encoded.items())
        differs = " OR ".join(f"{cell} IS NOT {value}" for cell, value in encoded.items())
        conn.exec_driver_sql(f'UPDATE "{table}" SET {changes} WHERE id IN ({ids}) AND ({differs})')


def resolve(target: DatabaseTarget) -> tuple[SqliteDatetime, str]:
    """The encoding a run on the SQLite `target` writes (`choose_encoding`), and the preflight
    note naming it."""
    assert target.sqlite_path is not None and target.sidecar_path is not None
    found = native_storage(target.sqlite_path, target.sidecar_path, target.lock_timeout_ms)
    encoding = choose_encoding(target.sqlite_datetime, found)
    return encoding, encoding_note(encoding, target.sqlite_datetime is not None, found)


def native_storage(app_file: Path, sidecar: Path, busy_timeout_ms: int) -> Counter[str]:
    """How many native V2 rows hold their createdAt as `integer`, `text` (or another storage),
    read through a read-only connection of its own (the pipeline's ids from the bookkeeping
    file beside it, when that is a usable one: without it every V2 row is native)."""
    raw = sqlite3.connect(f"file:{app_file}?mode=ro", uri=True)
    try:
        raw.execute(f"PRAGMA busy_timeout = {busy_timeout_ms}")
        tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not {"messages_v2", "property_conversations", "notifications_v2"} <= tables:
            return Counter()  # no V2 tables yet (preflight names partly present ones)
        ids = {"messages": "SELECT NULL WHERE 0", "conversations": "SELECT NULL WHERE 0"}
        if sidecar.is_file():
            try:
                raw.execute("ATTACH DATABASE ? AS v2b_store", (f"file:{sidecar}?mode=ro",))
                names = {r[0] for r in raw.execute("SELECT name FROM v2b_store.sqlite_master")}
            except sqlite3.DatabaseError:
                names = set()  # unusable: opening the store later says so
            if {"lineage", "created_conversations"} <= names:
                ids = {
                    "messages": "SELECT legacy_message_id FROM v2b_store.lineage",
                    "conversations": "SELECT conversation_id FROM v2b_store.created_conversations",
                }
        cells = _NATIVE_CELLS.format(**ids)
        query = f"SELECT storage, COUNT(*) FROM ({cells}) GROUP BY storage"
        return Counter(dict(raw.execute(query).fetchall()))
    finally:
        raw.close()


def choose_encoding(given: SqliteDatetime | None, found: Counter[str]) -> SqliteDatetime:
    """The encoding to write: `given` (`--sqlite-datetime`) if any, else the one the native
    rows (`found`: their storage counts) all hold, epoch ms when there are none; a UsageError
    when they disagree and none was given."""
    integers, texts = found.get("integer", 0), found.get("text", 0)
    if given is not None:
        return given
    if integers and texts:
        raise UsageError(
            f"the app's native V2 rows disagree on the SQLite DateTime encoding: {integers} "
            f"INTEGER epoch-ms, {texts} ISO-8601 TEXT",
            hint="say which the app writes now: --sqlite-datetime epoch-ms or "
            "--sqlite-datetime iso8601",
        )
    return SqliteDatetime.ISO8601 if texts else DEFAULT


def encoding_note(encoding: SqliteDatetime, given: bool, found: Counter[str]) -> str:
    """The preflight note naming the encoding and why."""
    seen = f"{found.get('integer', 0)} epoch-ms, {found.get('text', 0)} ISO-8601"
    why = "--sqlite-datetime" if given else "found" if sum(found.values()) else "default"
    return f"SQLite DateTime encoding: {encoding} ({why}; native V2 rows: {seen})"
