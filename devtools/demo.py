"""Realistic legacy messaging data for the `demo` command, the benchmarks and the tests.

`generate_legacy_dataset(messages, seed)` (`devtools.generator`) streams the legacy tables as
`Chunk`s in foreign-key order, one block of timelines (about `chunk_messages` messages) at a
time, so that millions of messages fit in bounded memory. The same (messages, seed) always
gives the same rows. Rows come in the form Prisma stores them on SQLite (DateTime as INTEGER
epoch ms, or as TEXT 'YYYY-MM-DD HH:MM:SS' in rows written by hand; Boolean as 0/1; Json as
text); for PostgreSQL they are converted the way `copy_sqlite_app_db_to_postgres` converts an
app database. With the rows comes the ground truth of the shared conversations (which property
each of their messages is about, `devtools.threads`): the writers put it in a key file when
asked (`key`, a CSV of `message_id,property_id,evidenced`; see `read_key`).

A handful of rows are broken on purpose (`Breakage`), whatever the size. PostgreSQL enforces
the legacy foreign keys, so there the rows that would violate one are not written: they cannot
exist in a production database (loading them anyway would take superuser rights and
`session_replication_role = replica`). `DatasetStats` counts what was actually written.
"""

from __future__ import annotations

import csv
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql as pgsql

import sql
from devtools.dataset import (
    KEY_COLUMNS,
    KEY_TABLE,
    LEGACY_TABLES,
    V2_TABLES,
    Breakage,
    Chunk,
    DatasetStats,
)
from devtools.generator import generate_legacy_dataset
from devtools.sql import legacy_ddl
from v2_backfill.config import DatabaseTarget, parse_postgres_url
from v2_backfill.errors import ConnectionFailed, UsageError

__all__ = [
    "LEGACY_TABLES", "V2_TABLES", "Breakage", "DatasetStats", "copy_sqlite_app_db_to_postgres",
    "generate_legacy_dataset", "key_path", "read_key", "write_postgres", "write_sqlite",
]  # fmt: skip

# Writers


def key_path(database: Path) -> Path:
    """Where the ground truth of a generated SQLite database goes: beside it."""
    return database.with_name(database.name + ".key.csv")


def write_sqlite(path: Path, messages: int, seed: int, key: Path | None = None) -> DatasetStats:
    """Create a new SQLite app database at `path` holding a generated legacy dataset, and its
    ground truth at `key` if given."""
    for new in (path, key):
        if new is not None and new.exists():
            raise UsageError(
                f"{new} already exists", hint="name a new file: the demo never overwrites"
            )
    try:
        with closing(sqlite3.connect(path)) as conn, _key_writer(key) as keep:
            return _fill_sqlite(conn, keep(generate_legacy_dataset(messages, seed)))
    except BaseException:
        path.unlink(missing_ok=True)
        if key is not None:
            key.unlink(missing_ok=True)
        raise


def read_key(key: Path) -> dict[str, tuple[str | None, bool]]:
    """The ground truth a writer wrote: {message id: (its true property id or None, whether
    the thread holds evidence for it)}."""
    with key.open(newline="", encoding="utf-8") as file:
        return {
            row["message_id"]: (row["property_id"] or None, row["evidenced"] == "1")
            for row in csv.DictReader(file)
        }


@contextmanager
def _key_writer(key: Path | None) -> Iterator[Callable[[Iterable[Chunk]], Iterator[Chunk]]]:
    """A filter over the generated chunks that passes the app's tables' on and writes the
    ground truth's to the file `key` (or drops them without one)."""
    if key is None:
        yield lambda chunks: (chunk for chunk in chunks if chunk.table != KEY_TABLE)
        return
    with key.open("w", newline="", encoding="utf-8") as file:
        out = csv.writer(file)
        out.writerow(KEY_COLUMNS)

        def keep(chunks: Iterable[Chunk]) -> Iterator[Chunk]:
            for chunk in chunks:
                if chunk.table == KEY_TABLE:
                    out.writerows(chunk.rows)
                else:
                    yield chunk

        yield keep


def _fill_sqlite(conn: sqlite3.Connection, chunks: Iterable[Chunk]) -> DatasetStats:
    """Create the legacy tables and insert every chunk in one transaction."""
    conn.execute("PRAGMA foreign_keys = OFF")  # SQLite's default; the dangling rows need it
    conn.execute("PRAGMA synchronous = OFF")  # a new file: a crash only loses the demo
    conn.execute("PRAGMA cache_size = -262144")  # 256 MiB keeps the indexes in memory
    tables, indexes = _ddl_phases("sqlite", ("create_legacy_tables",))
    for statement in tables:
        conn.execute(statement)
    stats = DatasetStats()
    for chunk in chunks:
        names = ", ".join(f'"{column}"' for column in chunk.columns)
        marks = ", ".join("?" * len(chunk.columns))
        conn.executemany(f'INSERT INTO "{chunk.table}" ({names}) VALUES ({marks})', chunk.rows)
        stats.add(chunk, text_datetimes=True)
    for statement in indexes:
        conn.execute(statement)
    conn.commit()
    return stats


def write_postgres(url: str, messages: int, seed: int, key: Path | None = None) -> DatasetStats:
    """Create the legacy tables in the schema of `url` and COPY a generated dataset into them,
    and its ground truth into the file `key` if given.

    Rows that would violate a legacy foreign key are left out (see the module docstring). The
    tables are then analyzed: a live app database has the planner statistics autovacuum keeps,
    and a server running without autovacuum would leave a bulk-loaded copy with none (every
    estimate a default: the plans of a sync's small slice would scan whole tables).
    """
    target = parse_postgres_url(url)
    declared = _declared_types("create_legacy_tables")
    stats = DatasetStats()
    tables, constraints = _ddl_phases("postgresql", ("create_legacy_tables",))
    with _connect(target) as conn, _key_writer(key) as keep:
        _enter_new_schema(conn, _schema(target), LEGACY_TABLES)
        _execute(conn, tables)
        for chunk in keep(generate_legacy_dataset(messages, seed)):
            if chunk.breakage is None or not chunk.breakage.violates_foreign_key:
                _copy_rows(conn, chunk.table, chunk.columns, chunk.rows, declared[chunk.table])
                stats.add(chunk, text_datetimes=False)
        _execute(conn, constraints)
        _execute(conn, [f'ANALYZE "{table}"' for table in LEGACY_TABLES])
    return stats


def copy_sqlite_app_db_to_postgres(sqlite_path: Path, url: str) -> None:
    """Copy the legacy tables, and the V2 ones if present, of a SQLite app database to PostgreSQL.

    The SQLite file is opened read-only; the tables are created in the schema of `url`.
    """
    target = parse_postgres_url(url)
    source = _open_read_only(sqlite_path)
    try:
        with_v2 = _has_tables(source, V2_TABLES)
        tables = LEGACY_TABLES + (V2_TABLES if with_v2 else ())
        ddl = ("create_legacy_tables", "create_v2_tables") if with_v2 else ("create_legacy_tables",)
        creates, constraints = _ddl_phases("postgresql", ddl)
        with _connect(target) as conn:
            _enter_new_schema(conn, _schema(target), tables)
            _execute(conn, creates)
            for table in tables:
                declared = _sqlite_declared_types(source, table)
                names = ", ".join(f'"{column}"' for column in declared)
                rows = source.execute(f'SELECT {names} FROM "{table}"')
                _copy_rows(conn, table, tuple(declared), rows, declared)
            _execute(conn, constraints)
    finally:
        source.close()


# ---------------------------------------------------------------------------------------------
# SQLite storage form -> PostgreSQL values

_EPOCH = datetime(1970, 1, 1)


def _datetime_from_sqlite(value: int | float | str | None) -> datetime | None:
    """Epoch milliseconds or TEXT ('YYYY-MM-DD HH:MM:SS', ISO 8601) as a naive UTC datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        parsed = datetime.fromisoformat(value)
        return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed
    return _EPOCH + timedelta(0, 0, 0, value)  # positional milliseconds: twice as fast


def _bool_from_sqlite(value: int | None) -> bool | None:
    return None if value is None else bool(value)


_TO_POSTGRES: dict[str, Callable[[Any], Any]] = {
    "DATETIME": _datetime_from_sqlite,
    "BOOLEAN": _bool_from_sqlite,
}
"""Converters by SQLite declared type; other values (TEXT, INTEGER, REAL, JSON text) pass."""


@cache
def _declared_types(ddl: str) -> dict[str, dict[str, str]]:
    """{table: {column: declared type}} of the tables the DDL file `ddl` creates."""
    conn = sqlite3.connect(":memory:")
    try:
        for statement in _ddl("sqlite", ddl):
            conn.execute(statement)
        tables = [
            name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        return {table: _sqlite_declared_types(conn, table) for table in tables}
    finally:
        conn.close()


def _sqlite_declared_types(conn: sqlite3.Connection, table: str) -> dict[str, str]:
    return {row[1]: row[2].upper() for row in conn.execute(f'PRAGMA table_info("{table}")')}


def _open_read_only(path: Path) -> sqlite3.Connection:
    try:
        return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.OperationalError as exc:
        raise UsageError(f"cannot open {path} read-only: {exc}", hint="check the path") from exc


def _has_tables(conn: sqlite3.Connection, tables: Sequence[str]) -> bool:
    marks = ", ".join("?" * len(tables))
    query = f"SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ({marks})"
    return conn.execute(query, tuple(tables)).fetchone()[0] == len(tables)


def _schema(target: DatabaseTarget) -> str:
    return target.app_schema or "public"


def _connect(target: DatabaseTarget) -> psycopg.Connection[Any]:
    url = target.sqlalchemy_url.replace("postgresql+psycopg://", "postgresql://", 1)
    try:
        return psycopg.connect(url, password=target.password())  # None: libpq's own
    except psycopg.OperationalError as exc:
        raise ConnectionFailed(
            f"cannot connect to {target.describe()}: {exc}", hint="check host, port and login"
        ) from exc


def _ddl(dialect: str, name: str) -> list[str]:
    """The statements of DDL file `name`: the legacy tables' (devtools), else the pipeline's."""
    return legacy_ddl(dialect) if name == "create_legacy_tables" else sql.statements(dialect, name)


def _ddl_phases(dialect: str, ddl_files: Sequence[str]) -> tuple[list[str], list[str]]:
    """The files' statements split in two: types and tables, then indexes and constraints.

    Loading between the two is much faster than maintaining indexes row by row; the catalog
    ends up the same.
    """
    statements = [statement for name in ddl_files for statement in _ddl(dialect, name)]
    creates = [s for s in statements if s.startswith(("CREATE TABLE", "CREATE TYPE"))]
    return creates, [s for s in statements if s not in creates]


def _enter_new_schema(conn: psycopg.Connection[Any], schema: str, tables: Sequence[str]) -> None:
    """Create `schema` if missing and make it current; refuse if it has any of `tables`."""
    query = (
        "SELECT table_name FROM information_schema.tables"
        " WHERE table_schema = %s AND table_name = ANY(%s)"
    )
    existing = [name for (name,) in conn.execute(query, (schema, list(tables)))]
    if existing:
        raise UsageError(
            f"schema {schema!r} already has {', '.join(sorted(existing))}",
            hint="load into a new or empty schema",
        )
    conn.execute(pgsql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(pgsql.Identifier(schema)))
    conn.execute(pgsql.SQL("SET search_path TO {}").format(pgsql.Identifier(schema)))


def _execute(conn: psycopg.Connection[Any], statements: Iterable[str]) -> None:
    for statement in statements:
        conn.execute(statement)


def _copy_rows(
    conn: psycopg.Connection[Any],
    table: str,
    columns: tuple[str, ...],
    rows: Iterable[Sequence[Any]],
    declared: dict[str, str],
) -> None:
    """COPY rows in SQLite storage form into `table`, converting DateTimes and Booleans."""
    converters = [
        (position, _TO_POSTGRES[declared[column]])
        for position, column in enumerate(columns)
        if declared[column] in _TO_POSTGRES
    ]
    statement = pgsql.SQL("COPY {} ({}) FROM STDIN").format(
        pgsql.Identifier(table), pgsql.SQL(", ").join(map(pgsql.Identifier, columns))
    )
    with conn.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            values = list(row)
            for position, convert in converters:
                values[position] = convert(values[position])
            copy.write_row(values)
