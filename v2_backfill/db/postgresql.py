"""PostgreSQL: the app's database with the bookkeeping schema, its sessions and lock waits."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, ExceptionContext

from v2_backfill.config import BOOKKEEPING_SCHEMA, LEGACY_COLUMNS, DatabaseTarget
from v2_backfill.db.base import (
    LEGACY_WRITE_COLUMNS,
    Database,
    Shape,
    utc_now_ms,
)  # fmt: skip
from v2_backfill.db.declared_shape import declared_v2_shape, temporary_v2_tables
from v2_backfill.db.failures import duration, explain_lock_errors
from v2_backfill.db.fragments import SAME, Fragment
from v2_backfill.db.row_hashes import column_list
from v2_backfill.errors import UsageError

log = logging.getLogger("v2_backfill")

_EPOCH = datetime(1970, 1, 1)

ADVISORY_KEY = 0x7632_6266_696C_6C00 >> 8
"""The PostgreSQL advisory lock key of v2-backfill runs ("v2bfill")."""
BUCKET_LOCKS = 0x7632_6274
"""The first key of the transaction-level advisory locks of the text rules' buckets ("v2bt";
the second is the bucket: a pair of keys, apart from the one-key locks)."""

_STAGING = re.compile(rf"\b{BOOKKEEPING_SCHEMA}\.((?:stage|audit)_\w+|outcomes|slice_messages)\b")
"""The store's staging relations, rebuilt by every run (a preview's are TEMP stand-ins)."""
_STORE = re.compile(rf"\b{BOOKKEEPING_SCHEMA}\.(\w+)\b")
_CREATES_TEMPORARY = re.compile(
    r"^CREATE (?:OR REPLACE )?(?:TABLE|VIEW) (?:IF NOT EXISTS )?pg_temp\."
)


class PostgresDatabase(Database):
    """PostgreSQL: `TIMESTAMP(3)` UTC, bookkeeping in schema `v2_backfill`, loads by COPY."""

    dialect = "postgresql"
    snapshot_options = {"isolation_level": "REPEATABLE READ"}
    fills = {
        "distinct_from": "IS DISTINCT FROM",
        "bytewise": ' COLLATE "C"',
        "timestamp_type": "TIMESTAMP(3)",
        "boolean_type": "BOOLEAN",
        "create_staging_table": "CREATE UNLOGGED TABLE IF NOT EXISTS",
        "create_view": "CREATE OR REPLACE VIEW",
        "view_store": "v2_backfill.",
        "index_store": "",
        "staged_message_key": "NOT NULL",  # bulk-written, then read by joins: no index kept
        "instant": SAME,
        "app_datetime": SAME,
        "ms_interval": Fragment(
            lambda param: f"CAST({param} AS BIGINT) * INTERVAL '1 millisecond'"
        ),
        "enum_cast": Fragment(lambda cast: f"CAST({cast})"),
        "json_texts": Fragment(
            lambda param: f"SELECT jsonb_array_elements_text(CAST({param} AS jsonb))"
        ),
        "hash32": Fragment(
            lambda expression: (
                f"CAST(CAST(('x' || substr(md5({expression}), 1, 8)) AS BIT(32)) AS BIGINT)"
            )
        ),
        "legacy_boolean": SAME,  # its types admit only valid values
        "legacy_instant": SAME,
        "content_storage": "CASE WHEN m.content IS NULL THEN 'NULL' ELSE 'TEXT' END",
        "content_is_utf8": "TRUE",  # a text value of a UTF8 database always is
        "content_md5": "md5(content)",
        "content_head": "substr(convert_to(content, 'UTF8'), 1, 16)",
        "quote": "quote_nullable",
        "materialized": "",  # read once: PostgreSQL inlines it
    }

    def __init__(
        self, target: DatabaseTarget, engine: Engine, *, bookkeeping: bool, dry_run: bool = False
    ) -> None:
        super().__init__(target, engine, bookkeeping=bookkeeping)
        self._dry_run = dry_run
        self._stood_in: re.Pattern[str] | None = None
        """A dry run's names of the store that TEMP tables stand in for (`_temporary`)."""

    def _record_legacy_writes(self, conn: Connection) -> None:
        # The server counts this transaction's row changes per table so far.
        params = {"schema": self.app_schema or "public", "tables": list(LEGACY_COLUMNS)}
        written = [tuple(row) for row in self.query(conn, "transaction_legacy_writes", params)]
        if written:
            now = self.from_ms(utc_now_ms())
            self.bulk_insert(conn, "legacy_writes", LEGACY_WRITE_COLUMNS,
                             [(*row, now) for row in written])  # fmt: skip

    @property
    def app_schema(self) -> str | None:
        return self.target.app_schema

    def statements(self, name: str, fills: Mapping[str, str] | None = None) -> list[str]:
        if not self._dry_run:
            return super().statements(name, fills)
        # A preview writes nothing of the app's or the store's, and locks no app table: its
        # V2 tables (when missing), its staging and a missing store are TEMP tables of its
        # session, gone with its rolled-back transaction (TEMP: PUBLIC's right by default).
        temporary = {"create_staging_table": "CREATE TABLE IF NOT EXISTS", **(fills or {})}
        found = super().statements(name, temporary)
        if name == "create_v2_tables":
            return temporary_v2_tables(found)
        return [self._temporary(statement) for statement in found]

    def _temporary(self, statement: str) -> str:
        """A dry run's statement with the store's names that TEMP tables stand in for (the
        staging; every name when the store is missing) in `pg_temp`."""
        if not self._dry_run:
            return statement
        if self._stood_in is None:
            self._stood_in = _STAGING if self.has_bookkeeping() else _STORE
        return self._stood_in.sub(r"pg_temp.\1", statement)

    def _store_table(self, table: str) -> str:
        """The qualified name of the store's `table` (a dry run's stand-in for it)."""
        return self._temporary(f"{BOOKKEEPING_SCHEMA}.{table}")

    def ensure_bookkeeping(self, conn: Connection) -> None:
        if self._dry_run:  # only its TEMP stand-ins: the store is only read
            for statement in self.statements("create_bookkeeping"):
                if _CREATES_TEMPORARY.match(statement):
                    conn.execute(sa.text(statement))
            return
        present, may_create = conn.execute(
            sa.text(
                "SELECT COUNT(*) > 0, bool_and(has_schema_privilege(oid, 'CREATE')) "
                "FROM pg_namespace WHERE nspname = :schema"
            ),
            {"schema": BOOKKEEPING_SCHEMA},
        ).one()
        if not present:  # CREATE SCHEMA IF NOT EXISTS would need the database's CREATE right
            self.run(conn, "create_store")
        elif not may_create:  # a reviewer's role (validate): the store as the operator left it
            return
        super().ensure_bookkeeping(conn)

    def bulk_insert(
        self, conn: Connection, table: str, columns: Sequence[str], rows: Iterable[tuple]
    ) -> int:
        names = ", ".join(columns)
        count = 0
        cursor = conn.connection.driver_connection.cursor()
        with cursor.copy(f"COPY {self._store_table(table)} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        return count

    @contextmanager
    def run_lock(self) -> Iterator[bool]:
        # A session-level advisory lock, on a connection of its own for the whole run.
        conn = self.engine.connect()
        try:
            taken = bool(self.query(conn, "try_run_lock", {"key": ADVISORY_KEY})[0].taken)
            conn.commit()
            yield taken
        finally:
            conn.close()  # closing the session releases the lock

    def gx_datasource(self, context: Any) -> Any:
        return context.data_sources.add_postgres(
            "app",
            connection_string=self.target.sqlalchemy_url,
            kwargs={"connect_args": postgres_connect_args(self.target)},
        )

    def expected_v2_shape(self, reflect: Callable[[Connection, str | None], Shape]) -> Shape:
        # Derived from the DDL's text: running it anywhere in the app's database would need
        # CREATE there, and its foreign keys would lock the app's tables (issue 20).
        return declared_v2_shape(self.statements("create_v2_tables"))

    def has_bookkeeping(self) -> bool:
        with self.connect() as conn:  # by name: to_regclass fails on a schema without USAGE
            found = conn.execute(
                sa.text(
                    "SELECT COUNT(*) > 0 FROM pg_class AS c JOIN pg_namespace AS n "
                    "ON n.oid = c.relnamespace WHERE n.nspname = :schema AND c.relname = 'lineage'"
                ),
                {"schema": BOOKKEEPING_SCHEMA},
            )
            return bool(found.scalar_one())

    def check_readable(self, tables: Sequence[str], *, records_run: bool) -> None:
        params = {"schema": self.app_schema or "public", "tables": list(tables),
                  "records": records_run}  # fmt: skip
        with self.connect() as conn:
            missing = self.query(conn, "missing_read_rights", params)
            role = conn.execute(sa.text("SELECT current_user")).scalar_one()
        if missing:
            kind, name = missing[0].object.split(" ", 1)
            more = f" (and {len(missing) - 1} more rights)" if len(missing) > 1 else ""
            raise UsageError(
                f"role {role!r} may not read {self.target.describe()}: no "
                f"{missing[0].privilege} right on {kind.lower()} {name}{more}",
                hint="as the app's migration user, run: "
                + " ".join(_grants(missing, params["schema"], role)),
            )

    def check_writable(self) -> None:
        schema = self.app_schema or "public"
        with self.connect() as conn:
            (rights,) = self.query(conn, "write_rights", {"schema": schema})
        hint = "connect as the app's migration user, on the primary server"
        role, owner = _quoted(rights.role), _quoted(rights.store_owner or "")
        if rights.read_only:
            why = "the session is read-only"
        elif not rights.creates_in_app:
            why = f"no CREATE right on {schema!r}"
        elif not rights.store_present and not rights.creates_schemas:
            why = f"no CREATE right on database {rights.database!r} (for its {BOOKKEEPING_SCHEMA})"
            hint += f", or run: GRANT CREATE ON DATABASE {_quoted(rights.database)} TO {role};"
        elif rights.store_present and not rights.owns_store:
            why = f"schema {BOOKKEEPING_SCHEMA} belongs to role {rights.store_owner!r}"
            hint = (
                f"connect as {owner} (the first backfill's role), or run: GRANT {owner} TO {role};"
            )
        else:
            return
        raise UsageError(f"cannot write {self.target.describe()}: {why}", hint=hint)

    def empty(self, conn: Connection, tables: Sequence[str]) -> None:
        names = ", ".join(self._store_table(table) for table in tables)
        conn.execute(sa.text(f"TRUNCATE {names}"))

    def lock_bucket(self, conn: Connection, bucket: int) -> None:
        self.query(conn, "lock_bucket", {"locks": BUCKET_LOCKS, "bucket": bucket})

    def refresh_statistics(self, conn: Connection, tables: Sequence[str]) -> None:
        for table in tables:
            conn.execute(sa.text(f"ANALYZE {self._temporary(table)}"))

    def to_ms(self, value: datetime) -> int:
        delta = value.replace(tzinfo=None) - _EPOCH
        return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000

    def row_md5_sql(self, alias: str, columns: Sequence[str]) -> str:
        return f"md5(CAST(ROW({column_list(alias, columns)}) AS TEXT))"

    def from_ms(self, ms: int) -> datetime:
        return _EPOCH + timedelta(milliseconds=ms)

    def timestamp_literal(self, ms: int) -> str:
        return f"CAST('{self.from_ms(ms).isoformat(sep=' ')}' AS TIMESTAMP(3))"


def _grants(missing: Sequence[sa.Row], schema: str, role: str) -> list[str]:
    """The GRANT statements giving `role` every right a reviewer's role needs (README,
    Troubleshooting) in the scopes where `missing_read_rights` found one missing."""
    who, app = _quoted(role), _quoted(schema)
    grants = {
        "app": [f"GRANT USAGE ON SCHEMA {app} TO {who};",
                f"GRANT SELECT ON ALL TABLES IN SCHEMA {app} TO {who};"],
        "temp": [f"GRANT TEMP ON {row.object} TO {who};" for row in missing
                 if row.scope == "temp"],
        "store": [f"GRANT USAGE ON SCHEMA {BOOKKEEPING_SCHEMA} TO {who};",
                  f"GRANT SELECT ON ALL TABLES IN SCHEMA {BOOKKEEPING_SCHEMA} TO {who};",
                  f"GRANT INSERT, UPDATE ON {BOOKKEEPING_SCHEMA}.runs TO {who};"],
    }  # fmt: skip
    scopes = {row.scope for row in missing}
    return [grant for scope in grants if scope in scopes for grant in grants[scope]]


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


SESSION_WORK_MEM = "128MB"
"""PostgreSQL `work_mem` of the pipeline's own sessions: the set-based steps hash-join and
sort a million staged rows, which spill to disk at the server's default of 4MB."""


SESSION_PLANNER = "-crandom_page_cost=1.1 -cjit=off"
"""PostgreSQL planner settings of the pipeline's own sessions: a random read costed as on
SSD storage (the server's default of 4 prices a sync's few thousand index probes above a scan
of every messages_v2 row), and no JIT compilation (a slice's statements cost enough to cross
its thresholds, then spend longer compiling than running). BENCHMARKS.md, a sync at 5M."""


def postgres_session_options(target: DatabaseTarget) -> str:
    """libpq `options` for every session of the pipeline (its own, and GX's): the app schema
    first on the search path, the pipeline's `work_mem`, planner settings and lock timeout,
    then any `options` of the URL (which may set them otherwise)."""
    schema = (target.app_schema or "public").replace('"', '""')
    ours = (
        f'-csearch_path="{schema}" -cwork_mem={SESSION_WORK_MEM} {SESSION_PLANNER} '
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


def postgres_engine(target: DatabaseTarget) -> Engine:
    engine = sa.create_engine(
        target.sqlalchemy_url, pool_pre_ping=True, connect_args=postgres_connect_args(target)
    )
    explain_lock_errors(engine, target)
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
            duration(target.lock_timeout_ms), what, target.describe(),
            ", ".join(map(str, holders)),
        )  # fmt: skip
