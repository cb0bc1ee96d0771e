"""The adapter's base: a `Database` with the operations every dialect shares."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

import sql
from v2_backfill.config import BOOKKEEPING_SCHEMA, DatabaseTarget
from v2_backfill.db.failures import explained_errors
from v2_backfill.db.fragments import Fragment

log = logging.getLogger("v2_backfill")


Shape = dict[str, Any]
"""The comparable facts about the V2 tables (`preflight.shape`)."""

LEGACY_WRITE_COLUMNS = ("table_name", "operation", "row_count", "recorded_at")
"""The columns of `v2_backfill.legacy_writes`, as each adapter records them."""


class Database:
    """The app's database, seen through one dialect's adapter."""

    dialect: str = ""
    snapshot_options: dict[str, Any] = {}
    """Execution options that make one transaction read a single snapshot of the database."""
    fills: Mapping[str, str | Fragment] = {}
    """The SQL fragments that differ between dialects, by placeholder name: every SQL file may
    use them (`{distinct_from}`, `{instant[m."updatedAt"]}`) and says in its header which it
    does. `Database.statements` always passes them. What each is:

    - `distinct_from`: the null-safe inequality (`a {distinct_from} b`);
    - `bytewise`: a collation suffix that compares text by its bytes (ids, as on SQLite);
    - `timestamp_type`, `boolean_type`: the column types the store keeps those values in;
    - `create_staging_table`: the statement head that creates a staging table when missing
      (PostgreSQL: unlogged, a crash may lose it);
    - `create_view`: the statement head that creates a view or keeps one (`... v AS`);
    - `view_store`: how a store view or index names the store's tables (SQLite: unqualified,
      so that the sidecar file is whole when opened on its own);
    - `index_store`: how a store index is named (`CREATE INDEX {index_store}name ON
      {view_store}table`: SQLite qualifies the index, PostgreSQL the table);
    - `staged_message_key`: the key constraint of `stage_messages.message_id`;
    - `instant[cell]`: an app DateTime cell as the store keeps timestamps, comparable with
      them (SQLite: epoch ms, also of a TEXT cell written by hand; NULL for other storage);
    - `app_datetime[expr]`: a timestamp as the store keeps it (or an app DateTime cell) as
      the app's DateTime cell: what the pipeline writes into the V2 tables (SQLite: in the
      run's encoding, `SqliteDatabase.datetime_encoding`);
    - `ms_interval[:param]`: a duration bound as `:param` in milliseconds, to add to or
      subtract from a timestamp;
    - `enum_cast[expr AS "Type"]`: the cast of an enum value to or from text where the
      dialect types enums (SQLite keeps the value as it is);
    - `json_texts[:param]`: a SELECT of the text elements of the JSON array bound as `:param`;
    - `hash32[expr]`: the first 32 bits of md5(expr) as an unsigned integer;
    - `legacy_boolean[cell]`, `legacy_instant[cell]`: a legacy Boolean / DateTime cell read
      strictly, NULL when it holds no valid value (SQLite's cells may hold anything);
    - `content_storage`, `content_is_utf8` (over `m.content`), `content_md5`, `content_head`
      (over `content`), `quote`, `materialized`: see `sql/common/stage_messages.sql`.
    """

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
        with explained_errors(self.target):
            return engine.connect()

    def reach_bookkeeping(self) -> None:
        """From now on, sessions reach the pipeline's store too: a database opened without
        `bookkeeping` (whose checks created nothing) becomes the run's own, on the same engine."""
        self.bookkeeping = True

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    # -- SQL files -------------------------------------------------------------------------
    def statements(self, name: str, fills: Mapping[str, str] | None = None) -> list[str]:
        """The statements of the SQL file `name` (`sql/<dialect>/`, else `sql/common/`), its
        placeholders filled from the adapter's `fills` and the given ones."""
        return sql.statements(self.dialect, name, {**self.fills, **(fills or {})})

    def run(
        self,
        conn: Connection,
        name: str,
        params: dict[str, Any] | None = None,
        fills: Mapping[str, str] | None = None,
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
        bringing a store of an older layout up to date: its lineage gains `content_md5`, then
        `confidence` and `evidence`, its quarantine `segment`, its staging (rebuilt by every
        run) is made anew (as is a `stage_attribution` of the layout with a primary key); the
        lineage is indexed by run (`index_lineage_run`), the quarantine by segment and reason
        (`index_quarantine_review`)."""
        inspector = sa.inspect(conn)
        if inspector.has_table("lineage", schema=BOOKKEEPING_SCHEMA):
            lineage = _columns(inspector, "lineage")
            if "content_md5" not in lineage:
                self.run(conn, "upgrade_lineage")
            if "confidence" not in lineage:
                self.run(conn, "upgrade_lineage_confidence")
            if "segment" not in _columns(inspector, "quarantine"):
                self.run(conn, "upgrade_quarantine_segment")
            staged = _columns(inspector, "stage_messages")
            properties = _columns(inspector, "stage_properties")
            attribution = _columns(inspector, "stage_attribution")
            if (
                STAGING_MARKER not in staged
                or not staged[STAGING_NULLABLE]
                or (properties and "mls_id" not in properties)
                or (attribution and "segment" not in attribution)
                or (attribution and _has_primary_key(inspector, "stage_attribution"))
            ):
                self.run(conn, "drop_staging")
        self.run(conn, "create_bookkeeping")
        self.run(conn, "index_lineage_run")
        self.run(conn, "index_quarantine_review")

    def bulk_insert(
        self, conn: Connection, table: str, columns: Sequence[str], rows: Iterable[tuple]
    ) -> int:
        """Load rows into a bookkeeping table `v2_backfill.<table>`; return how many."""
        raise NotImplementedError

    def empty(self, conn: Connection, tables: Sequence[str]) -> None:
        """Delete every row of the bookkeeping tables `v2_backfill.<table>`."""
        for table in tables:
            conn.execute(sa.text(f"DELETE FROM {BOOKKEEPING_SCHEMA}.{table}"))

    def lock_bucket(self, conn: Connection, bucket: int) -> None:
        """Wait (up to the lock timeout) until no other transaction writes the text rules'
        results of timeline `bucket`, and keep the others waiting until this one ends: a
        bucket run again while its first run still writes (a Dask worker taken for dead goes
        on) writes it anew once the first has committed. SQLite: one writer at a time already
        does it (the bucket's first statement, a DELETE, takes the store's write lock)."""

    def refresh_statistics(self, conn: Connection, tables: Sequence[str]) -> None:
        """Refresh the planner's statistics of tables just bulk-written (schema-qualified
        names, or the app's). SQLite's planner keeps none unless asked, and the app's file has
        no sqlite_stat1, so this does nothing there."""

    def to_ms(self, value: Any) -> int:
        """Epoch milliseconds (UTC) of a timestamp as this dialect returns it."""
        raise NotImplementedError

    def timestamp_sql(self, column: str) -> str:
        """An expression reading an app DateTime `column` as the store keeps timestamps (the
        fill `instant`)."""
        instant = self.fills["instant"]
        assert isinstance(instant, Fragment)
        return instant[column]

    def resolve_datetime_encoding(self) -> str | None:
        """Settle the encoding the run writes the app's DateTime cells in, where the dialect
        has a choice (SQLite), and return the preflight note naming it; None where it has one.
        Raises UsageError when it cannot be settled."""
        return None

    def encode_pipeline_datetimes(self, conn: Connection) -> None:
        """In the publishing transaction: bring the DateTime cells of every V2 row the pipeline
        wrote into the run's encoding (nothing where the dialect has one encoding)."""

    def datetime_problem_sql(self, cell: str, *, staged: bool) -> str:
        """A condition: the DateTime `cell` of a row the pipeline writes (`staged`: as staged,
        before publishing converts it) is not in the run's encoding (never, with one)."""
        return "1 = 0"

    def timestamp_literal(self, ms: int) -> str:
        """A SQL literal of the timestamp `ms` (epoch ms, UTC) as the store keeps it."""
        raise NotImplementedError

    def row_md5_sql(self, alias: str, columns: Sequence[str]) -> str:
        """An expression: the hex MD5 of the given columns of the row `alias`."""
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

    def run_lock(self) -> AbstractContextManager[bool]:
        """Try to take this database's run lock, without waiting: the context gives whether
        it was taken; held until the block ends, and released by the OS or the server when
        the process dies."""
        raise NotImplementedError

    def literal(self, value: str) -> str:
        """`value` as a SQL string literal, escaped for this dialect: only for a statement
        that cannot bind parameters (a GX check's query); every other binds its values."""
        return str(sa.literal(value).compile(dialect=self.engine.dialect,
                                             compile_kwargs={"literal_binds": True}))  # fmt: skip

    def gx_datasource(self, context: Any) -> Any:
        """Add to the Great Expectations `context` a datasource `app` reaching this database as
        the pipeline's sessions do (the store included); return it."""
        raise NotImplementedError

    def expected_v2_shape(self, reflect: Callable[[Connection, str | None], Shape]) -> Shape:
        """The shape of the V2 tables that `create_v2_tables` creates, in `reflect`'s form
        (`reflect(conn, schema)` reads it from a connection where that DDL ran), computed
        without writing to the app's database or locking any of its tables."""
        raise NotImplementedError

    def has_bookkeeping(self) -> bool:
        """Whether the pipeline's store exists (some run has started here)."""
        raise NotImplementedError

    def check_writable(self) -> None:
        """Raise UsageError when the app's database cannot be written; writes nothing."""
        raise NotImplementedError

    def check_readable(self, tables: Sequence[str], *, records_run: bool) -> None:
        """Raise UsageError, naming the missing right and the GRANT giving it, when the role
        cannot run a command that only reads the app's `tables` (a preview; with
        `records_run`, a validation, which records its run in the store); writes nothing.
        Where the database has no roles (SQLite), there is nothing to check."""

    # -- the store's identity (v2_backfill/identity.py) ----------------------------------------
    @property
    def store_name(self) -> str:
        """The pipeline's store, as messages name it."""
        return f"the schema {BOOKKEEPING_SCHEMA} of {self.target.describe()}"

    def store_reset_hint(self) -> str:
        """How to start the store anew (only right when no run published to this database)."""
        return f"drop the schema {BOOKKEEPING_SCHEMA} (DROP SCHEMA {BOOKKEEPING_SCHEMA} CASCADE)"

    def file_identity(self) -> tuple[int, int, str] | None:
        """The app file's device, inode and name (None: a server database, no file)."""
        return None

    def store_of_another_name(self) -> tuple[str, str] | None:
        """Another name of the app's file (a hard link beside it) whose bookkeeping exists,
        with that bookkeeping's name; None when there is none (always, on a server)."""
        return None


STAGING_MARKER = "context_only"
"""The newest column of `stage_messages`: a store whose staging lacks it has an older layout."""

STAGING_NULLABLE = "sender_id"
"""A column of `stage_messages` that older layouts declared NOT NULL (with the legacy
conversation and isRead), which refused a legacy row holding NULL instead of quarantining it."""


def _has_primary_key(inspector: sa.Inspector, table: str) -> bool:
    """Whether a bookkeeping table has a primary key (an older layout's staging)."""
    found = inspector.get_pk_constraint(table, schema=BOOKKEEPING_SCHEMA)
    return bool(found["constrained_columns"])


def _columns(inspector: sa.Inspector, table: str) -> dict[str, bool]:
    """The columns of a bookkeeping table, each with whether it is nullable (none when the
    table does not exist)."""
    if not inspector.has_table(table, schema=BOOKKEEPING_SCHEMA):
        return {}
    columns = inspector.get_columns(table, schema=BOOKKEEPING_SCHEMA)
    return {c["name"]: bool(c["nullable"]) for c in columns}


def utc_now_ms() -> int:
    """The current time in epoch milliseconds, UTC."""
    return int(datetime.now(UTC).timestamp() * 1000)
