"""Database access: one small adapter per dialect for the few operations that differ.

An adapter owns the engine for the app's database with the pipeline's bookkeeping store
reachable as schema `v2_backfill` (a PostgreSQL schema, or the SQLite sidecar file attached
under that name), loads the dialect's SQL files, bulk-loads rows and encodes timestamps.
"""

from __future__ import annotations

import hashlib
import sqlite3
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

import sql
from transforms.checksums import SQLITE_ROW_HASH32, SQLITE_ROW_MD5
from transforms.legacy_cells import sqlite_boolean_sql, sqlite_epoch_ms_sql
from v2_backfill.config import BOOKKEEPING_SCHEMA, DatabaseTarget
from v2_backfill.errors import ConnectionFailed, UsageError

_EPOCH = datetime(1970, 1, 1)


class Database:
    """The app's database, seen through one dialect's adapter."""

    dialect: str = ""
    snapshot_options: dict[str, Any] = {}
    """Execution options that make one transaction read a single snapshot of the database."""
    stage_expressions: dict[str, str] = {}
    """The expressions `sql/common/stage_messages.sql` reads legacy message cells with (its
    header says what each is)."""

    def __init__(self, target: DatabaseTarget, engine: Engine) -> None:
        self.target = target
        self.engine = engine
        self._pinned: Connection | None = None

    # -- connections -----------------------------------------------------------------------
    @contextmanager
    def begin(self, *, snapshot: bool = False) -> Iterator[Connection]:
        """A connection inside one transaction, committed on success; with `snapshot`, every
        statement in it reads the same snapshot of the database."""
        if self._pinned is not None:
            with self._pinned.begin_nested():
                yield self._pinned
            return
        options = self.snapshot_options if snapshot else {}
        writer = self.engine.execution_options(begin_mode="IMMEDIATE", **options)
        with self._open(writer) as conn, conn.begin():
            yield conn

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        """A connection for reads; roll back whatever it leaves open."""
        if self._pinned is not None:
            yield self._pinned
            return
        with self._open(self.engine) as conn:
            yield conn

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
        try:
            return engine.connect()
        except sa.exc.DatabaseError as exc:
            raise _explain_connect_error(self.target, exc) from exc

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
    A writing transaction holds the write lock from its start (BEGIN IMMEDIATE), so it reads
    one snapshot as it is."""

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

    def __init__(
        self, target: DatabaseTarget, engine: Engine, creator: Callable[[], sqlite3.Connection]
    ) -> None:
        super().__init__(target, engine)
        self.creator = creator
        """Opens a new DB-API connection like the engine's (for tools with their own engine)."""

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
        return sidecar is not None and sidecar.is_file()

    def check_writable(self) -> None:
        # A write in a transaction that is rolled back: SQLite refuses it on a read-only
        # file (even for root, who passes every permission check) and never writes the file.
        with self._open(self.engine) as conn:
            probe = conn.begin()
            try:
                conn.exec_driver_sql('CREATE TABLE "v2_backfill_write_probe" (x INTEGER)')
            except sa.exc.OperationalError as exc:
                raise _explain_connect_error(self.target, exc) from exc
            finally:
                probe.rollback()

    def to_ms(self, value: Any) -> int:
        return int(value)

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


def open_database(
    target: DatabaseTarget, *, bookkeeping: bool = True, dry_run: bool = False
) -> Database:
    """Open the app's database; with `bookkeeping`, also reach the pipeline's store.

    Without `bookkeeping` nothing is ever created: not the SQLite sidecar file, not a schema.
    With `dry_run` on SQLite, a missing sidecar is stood in for by an in-memory database
    (for `Database.rolled_back`).
    """
    if target.dialect == "sqlite":
        creator = _sqlite_creator(target, bookkeeping=bookkeeping, dry_run=dry_run)
        return SqliteDatabase(target, _sqlite_engine(creator), creator)
    return PostgresDatabase(target, _postgres_engine(target))


def _sqlite_creator(
    target: DatabaseTarget, *, bookkeeping: bool, dry_run: bool = False
) -> Callable[[], sqlite3.Connection]:
    """Opens a DB-API connection: read-write (never creating the file), SQL functions added,
    the sidecar attached as `v2_backfill` when `bookkeeping`."""
    path = target.sqlite_path
    assert path is not None
    if not path.is_file():
        raise UsageError(
            f"SQLite database {path} does not exist",
            hint="check the path; file: URLs are relative to the current directory",
        )

    def creator() -> sqlite3.Connection:
        raw = sqlite3.connect(
            f"file:{path}?mode=rw", uri=True, isolation_level=None, check_same_thread=False
        )
        raw.execute("PRAGMA busy_timeout = 30000")
        raw.execute("SELECT COUNT(*) FROM sqlite_master")  # fails now if it is no database
        raw.execute("PRAGMA foreign_keys = ON")
        raw.create_function("md5", 1, _md5, deterministic=True)
        raw.create_function("v2_is_utf8", 1, _is_utf8, deterministic=True)
        raw.create_function(SQLITE_ROW_MD5, -1, _row_md5, deterministic=True)
        raw.create_function(SQLITE_ROW_HASH32, -1, _row_hash32, deterministic=True)
        raw.create_function("v2_hash32", 1, _hash32, deterministic=True)
        if bookkeeping:
            sidecar = target.sidecar_path
            assert sidecar is not None
            where = ":memory:" if dry_run and not sidecar.exists() else str(sidecar)
            raw.execute(f"ATTACH DATABASE ? AS {BOOKKEEPING_SCHEMA}", (where,))
            # Debian's SQLite zeroes every freed page (SECURE_DELETE), which made emptying a
            # million staged rows rewrite and journal all their pages; FAST zeroes only what
            # costs no extra I/O. The sidecar holds copies of rows the app's file holds anyway.
            raw.execute(f"PRAGMA {BOOKKEEPING_SCHEMA}.secure_delete = FAST")
        return raw

    return creator


def _sqlite_engine(creator: Callable[[], sqlite3.Connection]) -> Engine:
    engine = sa.create_engine("sqlite://", creator=creator, poolclass=sa.pool.QueuePool)

    @sa.event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        # pysqlite would autocommit DDL; issue BEGIN ourselves so a transaction is one.
        # Writers take the write lock up front (no lock upgrade that could fail as busy).
        conn.exec_driver_sql(f"BEGIN {conn.get_execution_options().get('begin_mode', '')}")

    return engine


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


def _row_hash32(*values: object) -> int:
    """A 32-bit checksum of a row's values, typed (for the order-independent table sums)."""
    return zlib.crc32(repr(values).encode("utf-8"))


SESSION_WORK_MEM = "128MB"
"""PostgreSQL `work_mem` of the pipeline's own sessions: the set-based steps hash-join and
sort a million staged rows, which spill to disk at the server's default of 4MB."""


def postgres_session_options(target: DatabaseTarget) -> str:
    """libpq `options` for every session of the pipeline (its own, and GX's): the app schema
    first on the search path, the pipeline's `work_mem`, then any `options` of the URL."""
    schema = (target.app_schema or "public").replace('"', '""')
    ours = f'-csearch_path="{schema}" -cwork_mem={SESSION_WORK_MEM}'
    given = sa.engine.make_url(target.sqlalchemy_url).query.get("options")
    return " ".join([ours, *([given] if isinstance(given, str) else given or ())])


def _postgres_engine(target: DatabaseTarget) -> Engine:
    return sa.create_engine(
        target.sqlalchemy_url,
        pool_pre_ping=True,
        connect_args={"options": postgres_session_options(target)},
    )


def _explain_connect_error(target: DatabaseTarget, exc: sa.exc.DatabaseError) -> Exception:
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
    return exc


def utc_now_ms() -> int:
    """The current time in epoch milliseconds, UTC."""
    return int(datetime.now(UTC).timestamp() * 1000)
