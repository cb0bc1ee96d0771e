"""SQLite: the app's file with the bookkeeping sidecar attached, its connections, SQL
functions and legacy-write triggers."""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from v2_backfill.config import BOOKKEEPING_SCHEMA, LEGACY_COLUMNS, SNAPSHOT_SUFFIX, DatabaseTarget
from v2_backfill.db import sqlite_datetime as dt
from v2_backfill.db.base import LEGACY_WRITE_COLUMNS, Database, Shape, utc_now_ms
from v2_backfill.db.failures import duration, explain_lock_errors, explained_errors, sqlite_code
from v2_backfill.db.fragments import SAME, Fragment
from v2_backfill.db.row_hashes import column_list
from v2_backfill.db.sqlite_cells import sqlite_boolean_sql, sqlite_epoch_ms_sql, sqlite_instant_sql
from v2_backfill.db.sqlite_files import file_identity, file_locked, store_of_another_name
from v2_backfill.errors import UsageError

log = logging.getLogger("v2_backfill")

_ROW_MD5 = "v2_row_md5"
"""The SQL function the connections register to hash a row's typed values."""


def _uncast(cast: str) -> str:
    """`expr AS "Type"` without its cast: SQLite keeps an enum's value as TEXT."""
    return cast.rsplit(" AS ", 1)[0]


class SqliteDatabase(Database):
    """SQLite: app DateTimes as the app writes them (`datetime_encoding`), the store's as
    INTEGER epoch ms; bookkeeping in `<db file>.v2_backfill.sqlite`.

    SQLite has one writer per file. A transaction that writes the app's file holds its write
    lock from the start (BEGIN IMMEDIATE); one that writes only the store takes the store's
    write lock alone, so the app keeps writing meanwhile (in WAL mode its reads of the app's
    file are one snapshot that blocks nobody). In rollback-journal mode a reading transaction
    would hold the app's committers until it ends, so `frozen` copies the app's file once (one
    backup step, the only time the app's writers wait) and the reading steps use the copy.
    """

    dialect = "sqlite"
    fills = {
        "distinct_from": "IS NOT",
        "bytewise": "",  # BINARY, the default collation, compares bytes
        "timestamp_type": "INTEGER",
        "boolean_type": "INTEGER",
        "create_staging_table": "CREATE TABLE IF NOT EXISTS",
        "create_view": "CREATE VIEW IF NOT EXISTS",
        "view_store": "",  # a view of the sidecar names its own tables alone
        "index_store": "v2_backfill.",
        "staged_message_key": "PRIMARY KEY",
        "instant": Fragment(sqlite_instant_sql),
        "ms_interval": SAME,  # the store keeps timestamps as epoch ms
        "enum_cast": Fragment(_uncast),
        "json_texts": Fragment(lambda param: f"SELECT value FROM json_each({param})"),
        "hash32": Fragment(lambda expression: f"v2_hash32({expression})"),
        "legacy_boolean": Fragment(sqlite_boolean_sql),
        "legacy_instant": Fragment(sqlite_epoch_ms_sql),
        "content_storage": "upper(typeof(m.content))",
        # Python's sqlite3 module decodes a TEXT argument of a function as UTF-8 before the
        # function runs, and fails the statement on one that is not: content reaches the
        # Python functions as its bytes.
        "content_is_utf8": "v2_is_utf8(CAST(m.content AS BLOB))",
        "content_md5": "md5(CAST(content AS BLOB))",
        "content_head": "substr(CAST(content AS BLOB), 1, 16)",
        "quote": "quote",
        "materialized": "MATERIALIZED",
    }

    def __init__(self, target: DatabaseTarget, *, bookkeeping: bool, dry_run: bool) -> None:
        path = target.sqlite_path
        assert path is not None
        self._dry_run = dry_run
        self._live_creator = _sqlite_creator(target, path, bookkeeping=bookkeeping, dry_run=dry_run)
        engine = _sqlite_engine(target, lambda: self._live_creator())  # see `reach_bookkeeping`
        super().__init__(target, engine, bookkeeping=bookkeeping)
        self._frozen: tuple[Engine, Callable[[], sqlite3.Connection]] | None = None
        self.datetime_encoding = target.sqlite_datetime or dt.DEFAULT
        """The encoding of the V2 DateTime cells this run writes (`resolve_datetime_encoding`)."""
        app_datetime = Fragment(lambda cell: dt.app_datetime_sql(self.datetime_encoding, cell))
        self.fills = {**self.fills, "app_datetime": app_datetime}

    @property
    def creator(self) -> Callable[[], sqlite3.Connection]:
        """Opens a new DB-API connection like the engine's (for tools with their own engine),
        on the frozen copy while there is one."""
        return self._live_creator if self._frozen is None else self._frozen[1]

    def reach_bookkeeping(self) -> None:
        if self.bookkeeping:
            return
        assert self.target.sqlite_path is not None
        self._live_creator = _sqlite_creator(
            self.target, self.target.sqlite_path, bookkeeping=True, dry_run=self._dry_run
        )
        self.engine.dispose()  # the pooled connections have no store attached
        super().reach_bookkeeping()

    def _engine_for(self, *, snapshot: bool, app_writes: bool) -> Engine:
        engine = self.engine if app_writes or self._frozen is None else self._frozen[0]
        immediate = app_writes or not self.bookkeeping
        return engine.execution_options(begin_mode="IMMEDIATE" if immediate else "DEFERRED")

    def _lock_for_writing(self, conn: Connection, *, app_writes: bool) -> None:
        if self.bookkeeping and not app_writes:
            # A write to the store before any read: the transaction holds the store's write lock
            # (as BEGIN IMMEDIATE would), none on the app's file; the user_version means nothing.
            conn.exec_driver_sql(f"PRAGMA {BOOKKEEPING_SCHEMA}.user_version = 1")

    def _record_legacy_writes(self, conn: Connection) -> None:
        # The TEMP triggers of `_watch_legacy_writes` noted them on this connection.
        noted = conn.exec_driver_sql(
            f"SELECT table_name, operation, COUNT(*) FROM {_WATCHED} GROUP BY 1, 2"
        ).all()
        if noted:
            now = utc_now_ms()
            self.bulk_insert(conn, "legacy_writes", LEGACY_WRITE_COLUMNS,
                             [(*row, now) for row in noted])  # fmt: skip
            conn.exec_driver_sql(f"DELETE FROM {_WATCHED}")

    @contextmanager
    def frozen(self) -> Iterator[None]:
        if self._pinned is not None or self._frozen is not None or self._journal_mode() == "wal":
            yield
            return
        assert self.target.sqlite_path is not None
        copy = self.target.sqlite_path.with_name(self.target.sqlite_path.name + SNAPSHOT_SUFFIX)
        self._backup(copy)
        creator = _sqlite_creator(self.target, copy, bookkeeping=self.bookkeeping)
        self._frozen = (_sqlite_engine(self.target, creator), creator)
        try:
            yield
        finally:
            self._frozen[0].dispose()
            self._frozen = None
            copy.unlink(missing_ok=True)

    def _journal_mode(self) -> str:
        with self._open(self.engine) as conn:
            return str(conn.exec_driver_sql("PRAGMA main.journal_mode").scalar_one()).lower()

    def _backup(self, copy: Path) -> None:
        """Copy the app's file in one backup step: the app's committers wait for it alone."""
        start = time.perf_counter()
        with self._open(self.engine) as conn:
            target = sqlite3.connect(copy)
            try:
                conn.connection.driver_connection.backup(target)
            finally:
                target.close()
        log.info(
            "read the app's database through a copy taken in %.2f s (rollback-journal mode: "
            "the app's writes waited at most that long)", time.perf_counter() - start,
        )  # fmt: skip

    def ensure_bookkeeping(self, conn: Connection) -> None:
        super().ensure_bookkeeping(conn)
        self.run(conn, "index_audit_tables")
        self.run(conn, "create_encoding_record")

    def bulk_insert(
        self, conn: Connection, table: str, columns: Sequence[str], rows: Iterable[tuple]
    ) -> int:
        placeholders = ", ".join("?" for _ in columns)
        names = ", ".join(columns)
        cursor = conn.connection.driver_connection.cursor()
        batch = list(rows)
        cursor.executemany(
            f"INSERT INTO {BOOKKEEPING_SCHEMA}.{table} ({names}) VALUES ({placeholders})", batch
        )
        return len(batch)

    def run_lock(self) -> AbstractContextManager[bool]:
        assert self.target.sqlite_path is not None and self.target.sidecar_path is not None
        return file_locked(self.target.sqlite_path, self.target.sidecar_path)

    @property
    def store_name(self) -> str:
        return f"the bookkeeping file {self.target.sidecar_path}"

    def store_reset_hint(self) -> str:
        return f"move {self.target.sidecar_path} aside"

    def file_identity(self) -> tuple[int, int, str] | None:
        assert self.target.sqlite_path is not None
        return file_identity(self.target.sqlite_path)

    def store_of_another_name(self) -> tuple[str, str] | None:
        assert self.target.sqlite_path is not None
        return store_of_another_name(self.target.sqlite_path)

    def gx_datasource(self, context: Any) -> Any:
        return context.data_sources.add_sqlite(
            "app", connection_string="sqlite://", kwargs={"creator": self.creator}
        )

    def expected_v2_shape(self, reflect: Callable[[Connection, str | None], Shape]) -> Shape:
        # The DDL run in an in-memory database.
        raw = sqlite3.connect(":memory:")
        try:
            for statement in self.statements("create_v2_tables"):
                raw.execute(statement)
            with sa.create_engine("sqlite://", creator=lambda: raw).connect() as conn:
                return reflect(conn, None)
        finally:
            raw.close()

    def has_bookkeeping(self) -> bool:
        sidecar = self.target.sidecar_path
        return sidecar is not None and sidecar.exists()  # a directory there is refused on open

    def check_writable(self) -> None:
        # A write in a transaction that is rolled back: SQLite refuses it on a read-only
        # file (even for root, who passes every permission check) and never writes the file.
        # The transaction takes the write lock first: another writer holding it is waited
        # for (up to the lock timeout), as a run would.
        writer = self.engine.execution_options(begin_mode="IMMEDIATE")
        with explained_errors(self.target), writer.connect() as conn:
            probe = conn.begin()
            try:
                conn.exec_driver_sql('CREATE TABLE "v2_backfill_write_probe" (x INTEGER)')
            finally:
                probe.rollback()

    def resolve_datetime_encoding(self) -> str:
        self.datetime_encoding, note = dt.resolve(self.target)
        return note

    def encode_pipeline_datetimes(self, conn: Connection) -> None:
        """The rows published before are re-encoded only when the recorded encoding (of the
        last publish or rollback) differs or is unknown; then the run's is recorded."""
        recorded = self.query(conn, "recorded_encoding")
        if not recorded or recorded[0].encoding != self.datetime_encoding:
            dt.encode_pipeline_datetimes(conn, self.datetime_encoding)
        self.run(conn, "record_encoding", {"encoding": str(self.datetime_encoding),
                                           "now": utc_now_ms()})  # fmt: skip

    def datetime_problem_sql(self, cell: str, *, staged: bool) -> str:
        return dt.datetime_problem_sql(self.datetime_encoding, cell, staged=staged)

    def to_ms(self, value: Any) -> int:
        return int(value)

    def timestamp_literal(self, ms: int) -> str:
        return str(int(ms))

    def row_md5_sql(self, alias: str, columns: Sequence[str]) -> str:
        return f"{_ROW_MD5}({column_list(alias, columns)})"

    def from_ms(self, ms: int) -> int:
        return ms


_WATCHED = "temp.v2b_legacy_writes"
"""Where a SQLite pipeline connection's TEMP triggers note its writes to legacy tables."""


def _watch_legacy_writes(raw: sqlite3.Connection) -> None:
    """TEMP triggers on the legacy tables of this connection's app file: they fire for this
    connection's writes only (never the app's), noting each written row in `_WATCHED`."""
    raw.execute(f"CREATE TEMP TABLE IF NOT EXISTS {_WATCHED.split('.')[1]} "
                "(table_name TEXT NOT NULL, operation TEXT NOT NULL)")  # fmt: skip
    present = {row[0] for row in raw.execute("SELECT name FROM main.sqlite_master")}
    for table in LEGACY_COLUMNS.keys() & present:
        for operation in ("INSERT", "UPDATE", "DELETE"):
            raw.execute(
                f'CREATE TEMP TRIGGER IF NOT EXISTS "v2b_watch_{table}_{operation.lower()}" '
                f'AFTER {operation} ON main."{table}" BEGIN INSERT INTO '
                f"{_WATCHED.split('.')[1]} VALUES ('{table}', '{operation}'); END"
            )


def _sqlite_creator(
    target: DatabaseTarget, path: Path, *, bookkeeping: bool, dry_run: bool = False
) -> Callable[[], sqlite3.Connection]:
    """Opens a DB-API connection to `path` (the app's file, or a frozen copy of it):
    read-write (never creating the file), SQL functions added, the sidecar attached as
    `v2_backfill` and the legacy tables watched when `bookkeeping`."""
    if not path.is_file():
        raise UsageError(
            f"SQLite database {path} does not exist",
            hint="check the path; file: URLs are relative to the current directory",
        )
    sidecar = target.sidecar_path
    assert sidecar is not None
    if bookkeeping and sidecar.exists() and not sidecar.is_file():
        raise _unusable_sidecar(sidecar, "is not a file")

    def creator() -> sqlite3.Connection:
        raw = sqlite3.connect(
            f"file:{path}?mode=rw", uri=True, isolation_level=None, check_same_thread=False
        )
        raw.execute(f"PRAGMA busy_timeout = {target.lock_timeout_ms}")
        raw.execute("SELECT COUNT(*) FROM sqlite_master")  # fails now if it is no database
        raw.execute("PRAGMA foreign_keys = ON")
        raw.create_function("md5", 1, _md5, deterministic=True)
        raw.create_function("v2_is_utf8", 1, _is_utf8, deterministic=True)
        raw.create_function(_ROW_MD5, -1, _row_md5, deterministic=True)
        raw.create_function("v2_hash32", 1, _hash32, deterministic=True)
        if bookkeeping:
            where = ":memory:" if dry_run and not sidecar.exists() else str(sidecar)
            try:
                raw.execute(f"ATTACH DATABASE ? AS {BOOKKEEPING_SCHEMA}", (where,))
                raw.execute(f"SELECT COUNT(*) FROM {BOOKKEEPING_SCHEMA}.sqlite_master")
            except sqlite3.DatabaseError as exc:
                if sqlite_code(exc) not in (sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT):
                    raise
                raise _unusable_sidecar(sidecar, "is not a SQLite database") from None
            # Debian's SQLite zeroes every freed page (SECURE_DELETE), which made emptying a
            # million staged rows rewrite and journal all their pages; FAST zeroes only what
            # costs no extra I/O. The sidecar holds copies of rows the app's file holds anyway.
            raw.execute(f"PRAGMA {BOOKKEEPING_SCHEMA}.secure_delete = FAST")
            _watch_legacy_writes(raw)
        return raw

    return creator


def _unusable_sidecar(sidecar: Path, what: str) -> UsageError:
    """The error of a bookkeeping file that cannot be opened (not the app's database)."""
    return UsageError(
        f"v2-backfill's bookkeeping file {sidecar} (beside the database) {what}",
        hint="restore it from a backup; if no run has published to this database, move it "
        "aside (or delete it) and a new one is made",
    )


def _sqlite_engine(target: DatabaseTarget, creator: Callable[[], sqlite3.Connection]) -> Engine:
    engine = sa.create_engine("sqlite://", creator=creator, poolclass=sa.pool.QueuePool)
    explain_lock_errors(engine, target)

    @sa.event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        # pysqlite would autocommit DDL; issue BEGIN ourselves so a transaction is one.
        # IMMEDIATE or DEFERRED, as `SqliteDatabase._engine_for` chose.
        mode = conn.get_execution_options().get("begin_mode", "")
        if mode == "IMMEDIATE" and _began_without_waiting(conn, target):
            return
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def _began_without_waiting(conn: Connection, target: DatabaseTarget) -> bool:
    """Try BEGIN IMMEDIATE without waiting; when another writer holds the database, say so
    (the caller's BEGIN then waits for it, up to the lock timeout)."""
    raw = conn.connection.driver_connection
    raw.execute("PRAGMA busy_timeout = 0")
    try:
        raw.execute("BEGIN IMMEDIATE")
        return True
    except sqlite3.OperationalError as exc:
        if sqlite_code(exc) == sqlite3.SQLITE_BUSY:
            log.warning(
                "waiting up to %s for the write lock on %s: another writer holds it",
                duration(target.lock_timeout_ms), target.describe(),
            )  # fmt: skip
        return False  # any other error: the caller's BEGIN raises it as SQLAlchemy's
    finally:
        raw.execute(f"PRAGMA busy_timeout = {target.lock_timeout_ms}")


def _md5(value: str | bytes | None) -> str | None:
    """The hex MD5 of a TEXT value's UTF-8 encoding, or of a BLOB's bytes."""
    if value is None:
        return None
    return hashlib.md5(value.encode("utf-8") if isinstance(value, str) else value).hexdigest()


def _is_utf8(value: bytes | None) -> bool | None:
    """Whether the bytes are valid UTF-8 (what SQLite's TEXT should hold, and never checks)."""
    if value is None:
        return None
    try:
        value.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _hash32(value: str | None) -> int | None:
    """The first 32 bits of md5(value), unsigned: PostgreSQL's
    `CAST(CAST(('x' || substr(md5(value), 1, 8)) AS BIT(32)) AS BIGINT)`."""
    digest = _md5(value)
    return None if digest is None else int(digest[:8], 16)


def _row_md5(*values: object) -> str:
    """MD5 of a row's values, typed (the INTEGER 5 and the TEXT '5' differ)."""
    return hashlib.md5(repr(values).encode("utf-8")).hexdigest()
