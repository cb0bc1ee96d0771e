"""Database access: one small adapter per dialect for the few operations that differ.

An adapter owns the engine for the app's database with the pipeline's bookkeeping store
reachable as schema `v2_backfill` (a PostgreSQL schema, or the SQLite sidecar file attached
under that name), loads the dialect's SQL files, bulk-loads rows and encodes timestamps.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, ExceptionContext

import sql
from transforms.checksums import SQLITE_ROW_MD5
from transforms.legacy_cells import sqlite_boolean_sql, sqlite_epoch_ms_sql
from v2_backfill.config import BOOKKEEPING_SCHEMA, LEGACY_COLUMNS, SNAPSHOT_SUFFIX, DatabaseTarget
from v2_backfill.errors import ConnectionFailed, LockTimeout, UsageError, V2BackfillError

log = logging.getLogger("v2_backfill")

_EPOCH = datetime(1970, 1, 1)


class Database:
    """The app's database, seen through one dialect's adapter."""

    dialect: str = ""
    snapshot_options: dict[str, Any] = {}
    """Execution options that make one transaction read a single snapshot of the database."""
    stage_expressions: dict[str, str] = {}
    """The expressions `sql/common/stage_messages.sql` reads legacy message cells with (its
    header says what each is)."""

    def __init__(self, target: DatabaseTarget, engine: Engine, *, bookkeeping: bool) -> None:
        self.target = target
        self.engine = engine
        self.bookkeeping = bookkeeping
        """Whether the pipeline's store is reachable (a pipeline session, not a probe)."""
        self._pinned: Connection | None = None

    # -- connections -----------------------------------------------------------------------
    @contextmanager
    def begin(self, *, snapshot: bool = False, app_writes: bool = False) -> Iterator[Connection]:
        """A connection inside one transaction, committed on success; with `snapshot`, every
        statement in it reads the same snapshot of the database. `app_writes` says that the
        transaction writes the app's tables (the V2 ones: never legacy); without it, it writes
        only the pipeline's store, and the adapter keeps the app's writers free meanwhile.
        Before committing, a pipeline session records any write it made to a legacy table
        (`v2_backfill.legacy_writes`, read by the gate)."""
        if self._pinned is not None:
            with self._pinned.begin_nested():
                yield self._pinned
            return
        with self._open(self._engine_for(snapshot=snapshot, app_writes=app_writes)) as conn:
            with conn.begin():
                self._lock_for_writing(conn, app_writes=app_writes)
                yield conn
                if self.bookkeeping:
                    self._record_legacy_writes(conn)

    def _engine_for(self, *, snapshot: bool, app_writes: bool) -> Engine:
        """The engine (with execution options) of a transaction of that kind."""
        return self.engine.execution_options(**(self.snapshot_options if snapshot else {}))

    def _lock_for_writing(self, conn: Connection, *, app_writes: bool) -> None:
        """Take what a writing transaction needs up front (nothing, where the server's row
        locks do it)."""

    def _record_legacy_writes(self, conn: Connection) -> None:
        """Record the legacy writes this transaction made (none, unless the pipeline has a
        bug); the base records them as they happen."""

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        """A connection for reads; roll back whatever it leaves open."""
        if self._pinned is not None:
            yield self._pinned
            return
        with self._open(self._engine_for(snapshot=False, app_writes=False)) as conn:
            yield conn

    @contextmanager
    def frozen(self) -> Iterator[None]:
        """Inside, the steps that only read the app's tables read one unchanging state of them
        where the dialect needs it so as not to hold the app's writers (see SQLite's); a
        transaction that writes the app's tables always sees the live database."""
        yield

    @contextmanager
    def rolled_back(self) -> Iterator[None]:
        """Everything inside runs on one connection, in one transaction that is rolled back
        (each `begin()` becomes a savepoint): a dry run that leaves no trace."""
        with self._open(self.engine) as conn:
            outer = conn.begin()
            self._pinned = conn
            try:
                yield
            finally:
                self._pinned = None
                outer.rollback()

    def _open(self, engine: Engine) -> Connection:
        """Connect, turning driver errors into errors that say what to do."""
        with _explained_errors(self.target):
            return engine.connect()

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    # -- SQL files -------------------------------------------------------------------------
    def statements(self, name: str, fills: dict[str, str] | None = None) -> list[str]:
        """The statements of `sql/<dialect>/<name>.sql`, placeholders filled from `fills`."""
        return sql.statements(self.dialect, name, fills)

    def run(
        self,
        conn: Connection,
        name: str,
        params: dict[str, Any] | None = None,
        fills: dict[str, str] | None = None,
    ) -> int:
        """Execute every statement of a SQL file; return the rows the last one touched."""
        rowcount = 0
        for statement in self.statements(name, fills):
            rowcount = conn.execute(sa.text(statement), params or {}).rowcount
        return rowcount

    def query(
        self, conn: Connection, name: str, params: dict[str, Any] | None = None
    ) -> list[sa.Row]:
        """Rows of the single SELECT in a SQL file."""
        (statement,) = self.statements(name)
        return list(conn.execute(sa.text(statement), params or {}))

    def stream(
        self, conn: Connection, name: str, params: dict[str, Any], chunk_size: int
    ) -> Iterator[list[sa.Row]]:
        """The rows of the single SELECT in a SQL file, in chunks of `chunk_size`, fetched as
        they are consumed (a server-side cursor on PostgreSQL): memory stays bounded."""
        (statement,) = self.statements(name)
        options = {"stream_results": True, "yield_per": chunk_size}
        result = conn.execute(sa.text(statement), params, execution_options=options)
        for chunk in result.partitions(chunk_size):
            yield list(chunk)

    # -- dialect specifics -----------------------------------------------------------------
    def ensure_bookkeeping(self, conn: Connection) -> None:
        """Create the pipeline's own tables (outside the app schema) when missing, first
        bringing a store of an older layout up to date: its lineage gains `content_md5`, its
        staging (rebuilt by every run) is made anew."""
        inspector = sa.inspect(conn)
        if inspector.has_table("lineage", schema=BOOKKEEPING_SCHEMA):
            if "content_md5" not in _columns(inspector, "lineage"):
                self.run(conn, "upgrade_lineage")
            staged = _columns(inspector, "stage_messages")
            if STAGING_MARKER not in staged or not staged[STAGING_NULLABLE]:
                self.run(conn, "drop_staging")
        self.run(conn, "create_bookkeeping")

    def bulk_insert(
        self, conn: Connection, table: str, columns: Sequence[str], rows: Iterable[tuple]
    ) -> int:
        """Load rows into a bookkeeping table `v2_backfill.<table>`; return how many."""
        raise NotImplementedError

    def empty(self, conn: Connection, tables: Sequence[str]) -> None:
        """Delete every row of the bookkeeping tables `v2_backfill.<table>`."""
        for table in tables:
            conn.execute(sa.text(f"DELETE FROM {BOOKKEEPING_SCHEMA}.{table}"))

    def refresh_statistics(self, conn: Connection, tables: Sequence[str]) -> None:
        """Refresh the planner's statistics of tables just bulk-written (schema-qualified
        names, or the app's). SQLite's planner keeps none unless asked, and the app's file has
        no sqlite_stat1, so this does nothing there."""

    def to_ms(self, value: Any) -> int:
        """Epoch milliseconds (UTC) of a timestamp as this dialect returns it."""
        raise NotImplementedError

    def timestamp_sql(self, column: str) -> str:
        """An expression reading an app DateTime `column` as the store keeps timestamps."""
        return column

    def timestamp_literal(self, ms: int) -> str:
        """A SQL literal of the timestamp `ms` (epoch ms, UTC) as the store keeps it."""
        raise NotImplementedError

    def from_ms(self, ms: int) -> Any:
        """The value to bind for a timestamp given in epoch milliseconds (UTC)."""
        raise NotImplementedError

    def app_tables(self, conn: Connection) -> set[str]:
        """Names of the tables in the app schema."""
        return set(sa.inspect(conn).get_table_names(schema=self.app_schema))

    @property
    def app_schema(self) -> str | None:
        """Schema of the app's tables for reflection (`None`: the connection's default)."""
        return None

    def has_bookkeeping(self) -> bool:
        """Whether the pipeline's store exists (some run has started here)."""
        raise NotImplementedError

    def check_writable(self) -> None:
        """Raise UsageError when the app's database cannot be written; writes nothing."""
        raise NotImplementedError


STAGING_MARKER = "context_only"
"""The newest column of `stage_messages`: a store whose staging lacks it has an older layout."""

STAGING_NULLABLE = "sender_id"
"""A column of `stage_messages` that older layouts declared NOT NULL (with the legacy
conversation and isRead), which refused a legacy row holding NULL instead of quarantining it."""


def _columns(inspector: sa.Inspector, table: str) -> dict[str, bool]:
    """The columns of a bookkeeping table, each with whether it is nullable (none when the
    table does not exist)."""
    if not inspector.has_table(table, schema=BOOKKEEPING_SCHEMA):
        return {}
    columns = inspector.get_columns(table, schema=BOOKKEEPING_SCHEMA)
    return {c["name"]: bool(c["nullable"]) for c in columns}


class SqliteDatabase(Database):
    """SQLite: DateTime as INTEGER epoch ms, bookkeeping in `<db file>.v2_backfill.sqlite`.

    SQLite has one writer per file. A transaction that writes the app's file holds its write
    lock from the start (BEGIN IMMEDIATE); one that writes only the store takes the store's
    write lock alone, so the app keeps writing meanwhile (in WAL mode its reads of the app's
    file are one snapshot that blocks nobody). In rollback-journal mode a reading transaction
    would hold the app's committers until it ends, so `frozen` copies the app's file once (one
    backup step, the only time the app's writers wait) and the reading steps use the copy.
    """

    dialect = "sqlite"
    stage_expressions = {
        "is_read": sqlite_boolean_sql('m."isRead"'),
        "read_at": sqlite_epoch_ms_sql('m."readAt"'),
        "created_at": sqlite_epoch_ms_sql('m."createdAt"'),
        "updated_at": sqlite_epoch_ms_sql('m."updatedAt"'),
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
        self._live_creator = _sqlite_creator(target, path, bookkeeping=bookkeeping, dry_run=dry_run)
        super().__init__(
            target, _sqlite_engine(target, self._live_creator), bookkeeping=bookkeeping
        )
        self._frozen: tuple[Engine, Callable[[], sqlite3.Connection]] | None = None

    @property
    def creator(self) -> Callable[[], sqlite3.Connection]:
        """Opens a new DB-API connection like the engine's (for tools with their own engine),
        on the frozen copy while there is one."""
        return self._live_creator if self._frozen is None else self._frozen[1]

    def _engine_for(self, *, snapshot: bool, app_writes: bool) -> Engine:
        engine = self.engine if app_writes or self._frozen is None else self._frozen[0]
        immediate = app_writes or not self.bookkeeping
        return engine.execution_options(begin_mode="IMMEDIATE" if immediate else "DEFERRED")

    def _lock_for_writing(self, conn: Connection, *, app_writes: bool) -> None:
        if self.bookkeeping and not app_writes:
            # A write to the store first, before anything is read: the transaction holds the
            # store's write lock (waiting for it like BEGIN IMMEDIATE would) and no lock on
            # the app's file. The user_version it sets means nothing to anyone.
            conn.exec_driver_sql(f"PRAGMA {BOOKKEEPING_SCHEMA}.user_version = 1")

    def _record_legacy_writes(self, conn: Connection) -> None:
        # The TEMP triggers of `_watch_legacy_writes` noted them on this connection.
        noted = conn.exec_driver_sql(
            f"SELECT table_name, operation, COUNT(*) FROM {_WATCHED} GROUP BY 1, 2"
        ).all()
        if noted:
            now = utc_now_ms()
            self.bulk_insert(conn, "legacy_writes", _LEGACY_WRITE_COLUMNS,
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

    def has_bookkeeping(self) -> bool:
        sidecar = self.target.sidecar_path
        return sidecar is not None and sidecar.exists()  # a directory there is refused on open

    def check_writable(self) -> None:
        # A write in a transaction that is rolled back: SQLite refuses it on a read-only
        # file (even for root, who passes every permission check) and never writes the file.
        # The transaction takes the write lock first: another writer holding it is waited
        # for (up to the lock timeout), as a run would.
        writer = self.engine.execution_options(begin_mode="IMMEDIATE")
        with _explained_errors(self.target), writer.connect() as conn:
            probe = conn.begin()
            try:
                conn.exec_driver_sql('CREATE TABLE "v2_backfill_write_probe" (x INTEGER)')
            finally:
                probe.rollback()

    def to_ms(self, value: Any) -> int:
        return int(value)

    def timestamp_literal(self, ms: int) -> str:
        return str(int(ms))

    def timestamp_sql(self, column: str) -> str:
        # Epoch ms; a cell written by hand with CURRENT_TIMESTAMP holds TEXT.
        return (
            f"CASE typeof({column}) WHEN 'integer' THEN {column} "
            f"WHEN 'real' THEN CAST({column} AS INTEGER) "
            f"WHEN 'text' THEN CAST(ROUND((julianday({column}) - 2440587.5) * 86400000.0) "
            "AS INTEGER) END"
        )

    def from_ms(self, ms: int) -> int:
        return ms


class PostgresDatabase(Database):
    """PostgreSQL: `TIMESTAMP(3)` UTC, bookkeeping in schema `v2_backfill`, loads by COPY."""

    dialect = "postgresql"
    snapshot_options = {"isolation_level": "REPEATABLE READ"}
    stage_expressions = {
        "is_read": 'm."isRead"',
        "read_at": 'm."readAt"',
        "created_at": 'm."createdAt"',
        "updated_at": 'm."updatedAt"',
        "content_storage": "CASE WHEN m.content IS NULL THEN 'NULL' ELSE 'TEXT' END",
        "content_is_utf8": "TRUE",  # a text value of a UTF8 database always is
        "content_md5": "md5(content)",
        "content_head": "substr(convert_to(content, 'UTF8'), 1, 16)",
        "quote": "quote_nullable",
        "materialized": "",  # read once: PostgreSQL inlines it
    }

    def _record_legacy_writes(self, conn: Connection) -> None:
        # The server counts this transaction's row changes per table so far.
        written = conn.execute(
            sa.text(
                "SELECT s.relname, w.operation, w.row_count FROM pg_stat_xact_user_tables AS s "
                "CROSS JOIN LATERAL (VALUES ('INSERT', s.n_tup_ins), ('UPDATE', s.n_tup_upd), "
                "('DELETE', s.n_tup_del)) AS w (operation, row_count) "
                "WHERE s.schemaname = :schema AND s.relname = ANY(:tables) AND w.row_count > 0"
            ),
            {"schema": self.app_schema or "public", "tables": list(LEGACY_COLUMNS)},
        ).all()
        if written:
            now = self.from_ms(utc_now_ms())
            self.bulk_insert(conn, "legacy_writes", _LEGACY_WRITE_COLUMNS,
                             [(*row, now) for row in written])  # fmt: skip

    @property
    def app_schema(self) -> str | None:
        return self.target.app_schema

    def bulk_insert(
        self, conn: Connection, table: str, columns: Sequence[str], rows: Iterable[tuple]
    ) -> int:
        names = ", ".join(columns)
        count = 0
        cursor = conn.connection.driver_connection.cursor()
        with cursor.copy(f"COPY {BOOKKEEPING_SCHEMA}.{table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        return count

    def has_bookkeeping(self) -> bool:
        with self.connect() as conn:
            found = conn.execute(
                sa.text("SELECT to_regclass(:table) IS NOT NULL"),
                {"table": f"{BOOKKEEPING_SCHEMA}.lineage"},
            )
            return bool(found.scalar_one())

    def check_writable(self) -> None:
        schema = self.app_schema or "public"
        with self.connect() as conn:
            read_only, can_create = conn.execute(
                sa.text(
                    "SELECT current_setting('transaction_read_only') = 'on', "
                    "has_schema_privilege(:schema, 'CREATE')"
                ),
                {"schema": schema},
            ).one()
        if read_only or not can_create:
            why = "the session is read-only" if read_only else f"no CREATE right on {schema!r}"
            raise UsageError(
                f"cannot write {self.target.describe()}: {why}",
                hint="connect as the app's migration user, on the primary server",
            )

    def empty(self, conn: Connection, tables: Sequence[str]) -> None:
        names = ", ".join(f"{BOOKKEEPING_SCHEMA}.{table}" for table in tables)
        conn.execute(sa.text(f"TRUNCATE {names}"))

    def refresh_statistics(self, conn: Connection, tables: Sequence[str]) -> None:
        for table in tables:
            conn.execute(sa.text(f"ANALYZE {table}"))

    def to_ms(self, value: datetime) -> int:
        delta = value.replace(tzinfo=None) - _EPOCH
        return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000

    def from_ms(self, ms: int) -> datetime:
        return _EPOCH + timedelta(milliseconds=ms)

    def timestamp_literal(self, ms: int) -> str:
        return f"CAST('{self.from_ms(ms).isoformat(sep=' ')}' AS TIMESTAMP(3))"


def open_database(
    target: DatabaseTarget, *, bookkeeping: bool = True, dry_run: bool = False
) -> Database:
    """Open the app's database; with `bookkeeping`, also reach the pipeline's store.

    Without `bookkeeping` nothing is ever created: not the SQLite sidecar file, not a schema.
    With `dry_run` on SQLite, a missing sidecar is stood in for by an in-memory database
    (for `Database.rolled_back`).
    """
    if target.dialect == "sqlite":
        return SqliteDatabase(target, bookkeeping=bookkeeping, dry_run=dry_run)
    return PostgresDatabase(target, _postgres_engine(target), bookkeeping=bookkeeping)


_LEGACY_WRITE_COLUMNS = ("table_name", "operation", "row_count", "recorded_at")
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
        raw.create_function(SQLITE_ROW_MD5, -1, _row_md5, deterministic=True)
        raw.create_function("v2_hash32", 1, _hash32, deterministic=True)
        if bookkeeping:
            where = ":memory:" if dry_run and not sidecar.exists() else str(sidecar)
            try:
                raw.execute(f"ATTACH DATABASE ? AS {BOOKKEEPING_SCHEMA}", (where,))
                raw.execute(f"SELECT COUNT(*) FROM {BOOKKEEPING_SCHEMA}.sqlite_master")
            except sqlite3.DatabaseError as exc:
                if _sqlite_code(exc) not in (sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT):
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
    _explain_lock_errors(engine, target)

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
        if _sqlite_code(exc) == sqlite3.SQLITE_BUSY:
            log.warning(
                "waiting up to %s for the write lock on %s: another writer holds it",
                _duration(target.lock_timeout_ms), target.describe(),
            )  # fmt: skip
        return False  # any other error: the caller's BEGIN raises it as SQLAlchemy's
    finally:
        raw.execute(f"PRAGMA busy_timeout = {target.lock_timeout_ms}")


def _explain_lock_errors(engine: Engine, target: DatabaseTarget) -> None:
    """A lock wait that ran out (SQLite busy, PostgreSQL `lock_timeout`) raises LockTimeout,
    wherever it happens."""

    @sa.event.listens_for(engine, "handle_error")
    def _lock_timeout(context: ExceptionContext) -> Exception | None:
        error = context.original_exception
        busy = _sqlite_code(error) == sqlite3.SQLITE_BUSY
        if not busy and not isinstance(error, psycopg.errors.LockNotAvailable):
            return None
        what = "the write lock" if busy else "a table or row lock"
        return LockTimeout(
            f"database is locked by another writer: {what} on {target.describe()} stayed "
            f"held for the whole lock timeout ({_duration(target.lock_timeout_ms)})",
            hint="let the other writer finish, then run again; or wait longer, e.g. "
            "--lock-timeout 5m",
        )


def _sqlite_code(error: BaseException | None) -> int | None:
    """SQLite's primary result code of a driver error (`SQLITE_BUSY`, …); None for others."""
    code = getattr(error, "sqlite_errorcode", None) if isinstance(error, sqlite3.Error) else None
    return None if code is None else code & 0xFF


def _duration(ms: int) -> str:
    """Milliseconds as `2s`, `1.5s`."""
    return f"{ms / 1000:g}s"


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


SESSION_WORK_MEM = "128MB"
"""PostgreSQL `work_mem` of the pipeline's own sessions: the set-based steps hash-join and
sort a million staged rows, which spill to disk at the server's default of 4MB."""


def postgres_session_options(target: DatabaseTarget) -> str:
    """libpq `options` for every session of the pipeline (its own, and GX's): the app schema
    first on the search path, the pipeline's `work_mem` and lock timeout, then any `options`
    of the URL."""
    schema = (target.app_schema or "public").replace('"', '""')
    ours = (
        f'-csearch_path="{schema}" -cwork_mem={SESSION_WORK_MEM} '
        f"-clock_timeout={target.lock_timeout_ms}"
    )
    given = sa.engine.make_url(target.sqlalchemy_url).query.get("options")
    return " ".join([ours, *([given] if isinstance(given, str) else given or ())])


def postgres_connect_args(target: DatabaseTarget) -> dict[str, str]:
    """psycopg's arguments for every session of the pipeline (its own, and GX's): the session
    options and the password, which the target's URL never holds (`DatabaseTarget.password`;
    without one, libpq reads $PGPASSWORD or ~/.pgpass itself)."""
    args = {"options": postgres_session_options(target)}
    password = target.password()
    if password:
        args["password"] = password
    return args


def _postgres_engine(target: DatabaseTarget) -> Engine:
    engine = sa.create_engine(
        target.sqlalchemy_url, pool_pre_ping=True, connect_args=postgres_connect_args(target)
    )
    _explain_lock_errors(engine, target)
    _announce_lock_waits(engine, target)
    return engine


_LOCK_WAIT_TIMER = "v2_backfill_lock_wait_timer"
"""Key of the running statement's timer in its connection's `info`."""


def _announce_lock_waits(engine: Engine, target: DatabaseTarget) -> None:
    """A statement still running after a second (or half the lock timeout, when shorter) is
    checked: when it waits for a lock another session holds, that is logged."""
    delay = min(1.0, target.lock_timeout_ms / 2000)

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _arm(conn: Connection, *_: object) -> None:
        pid = conn.connection.driver_connection.info.backend_pid
        timer = threading.Timer(delay, _log_lock_wait, (engine, target, pid))
        timer.daemon = True
        conn.info[_LOCK_WAIT_TIMER] = timer
        timer.start()

    @sa.event.listens_for(engine, "after_cursor_execute")
    def _done(conn: Connection, *_: object) -> None:
        _disarm(conn)

    @sa.event.listens_for(engine, "handle_error")
    def _failed(context: ExceptionContext) -> None:
        if context.connection is not None:
            _disarm(context.connection)


def _disarm(conn: Connection) -> None:
    """Stop the timer of the statement that just ended on `conn`."""
    timer = conn.info.pop(_LOCK_WAIT_TIMER, None)
    if timer is not None:
        timer.cancel()


def _log_lock_wait(engine: Engine, target: DatabaseTarget, pid: int) -> None:
    """Log what the session `pid` waits for, if it waits for a lock (best effort: a failed
    look is not logged)."""
    try:
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute(
                "SELECT COALESCE(relation::regclass::text, locktype), pg_blocking_pids(pid) "
                "FROM pg_locks WHERE pid = %s AND NOT granted",
                (pid,),
            )
            waits = cursor.fetchall()
        finally:
            raw.close()
    except (sa.exc.DBAPIError, psycopg.Error):
        return
    for what, holders in waits:
        log.warning(
            "waiting up to %s for a lock on %s in %s: held by PostgreSQL session(s) %s",
            _duration(target.lock_timeout_ms), what, target.describe(),
            ", ".join(map(str, holders)),
        )  # fmt: skip


@contextmanager
def _explained_errors(target: DatabaseTarget) -> Iterator[None]:
    """Driver errors that `_explain_connect_error` knows become errors that say what to do;
    any other passes unchanged."""
    try:
        yield
    except sa.exc.DatabaseError as exc:
        explained = _explain_connect_error(target, exc)
        if explained is None:
            raise
        raise explained from exc


def _explain_connect_error(
    target: DatabaseTarget, exc: sa.exc.DatabaseError
) -> V2BackfillError | None:
    text = str(exc.orig or exc).strip()
    first_line = text.splitlines()[0] if text else type(exc).__name__
    if "file is not a database" in text:
        return UsageError(
            f"{target.sqlite_path} is not a SQLite database",
            hint="point --db at the app's database file",
        )
    if "readonly" in text or "unable to open database" in text:
        return UsageError(
            f"cannot open {target.describe()} for writing: {first_line}",
            hint="run as a user that may write the database file and its folder",
        )
    if target.dialect == "postgresql":
        return ConnectionFailed(
            f"cannot connect to {target.describe()}: {first_line}",
            hint="check host, port, user, password and database name, and that the server runs",
        )
    return None


def utc_now_ms() -> int:
    """The current time in epoch milliseconds, UTC."""
    return int(datetime.now(UTC).timestamp() * 1000)
