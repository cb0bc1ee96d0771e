"""PostgreSQL: the shape check touches nothing of the app's: no lock beyond reading the
catalog, no CREATE right; preview and validate run with a role that may only read the app's
tables (and the store, with the rights the README lists); a role lacking a right is told
which, and the GRANT giving it, in one line (issue 20, item 3)."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from tests.factory import AppDatabase
from tests.test_backfill_runs import busy_timeline
from v2_backfill.cli import main
from v2_backfill.config import parse_database_url
from v2_backfill.db import open_database
from v2_backfill.preflight import expected_shape, run_preflight, shape

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_app(pg_schema: str) -> Iterator[AppDatabase]:
    database = AppDatabase(pg_schema).create_legacy_tables()
    yield database
    database.dispose()


def test_the_shape_derived_from_the_ddl_is_what_the_server_reflects(pg_app):
    db = open_database(parse_database_url(pg_app.url), bookkeeping=False)
    try:
        derived = expected_shape(db)
        with db.begin() as conn:
            db.run(conn, "create_v2_tables")
        with db.connect() as conn:
            assert derived == shape(conn, db.app_schema)
    finally:
        db.dispose()


def _held_property_row(app: AppDatabase) -> tuple[sa.Connection, str]:
    """An app transaction holding one `properties` row (open until the caller rolls back), and
    the id of another property."""
    ids = busy_timeline(app)
    holder = sa.create_engine(app.target.sqlalchemy_url).connect()
    holder.execute(sa.text(f'SET search_path TO "{app.target.app_schema}"'))
    holder.execute(sa.text('UPDATE properties SET "updatedAt" = "updatedAt" WHERE id = :id'),
                   {"id": ids["cecil"]})  # fmt: skip
    return holder, ids["oak"]


@contextmanager
def locks_on_app_tables(
    schema: str, *, ignoring: tuple[sa.Engine, ...] = ()
) -> Iterator[set[tuple[str, str]]]:
    """The locks the pipeline's sessions (those of every engine of this process but the
    `ignoring` ones, the test's) take on tables of the app `schema`, seen after each of their
    statements (a transaction's locks are held to its end, so none is missed): (table, mode)
    pairs."""
    seen: set[tuple[str, str]] = set()

    def _locks(conn: sa.Connection, *_: object) -> None:
        if conn.engine in ignoring:
            return
        cursor = conn.connection.driver_connection.cursor()
        cursor.execute("SELECT c.relname, l.mode FROM pg_locks AS l "
                       "JOIN pg_class AS c ON c.oid = l.relation "
                       "JOIN pg_namespace AS n ON n.oid = c.relnamespace "
                       "WHERE l.pid = pg_backend_pid() AND n.nspname = %s", (schema,))  # fmt: skip
        seen.update(cursor.fetchall())

    sa.event.listen(sa.engine.Engine, "after_cursor_execute", _locks)
    try:
        yield seen
    finally:
        sa.event.remove(sa.engine.Engine, "after_cursor_execute", _locks)


def test_preflight_locks_no_app_table_while_the_app_holds_a_row(pg_app):
    pg_app.create_v2_tables()
    holder, _ = _held_property_row(pg_app)
    target = parse_database_url(pg_app.url, lock_timeout_ms=3000)
    db = open_database(target, bookkeeping=False)
    try:
        with locks_on_app_tables(target.app_schema) as seen:
            started = time.monotonic()
            report = run_preflight(db)
            elapsed = time.monotonic() - started
    finally:
        db.dispose()
        holder.rollback()
        holder.close()
    assert report.problems == [] and not report.create_v2_tables
    assert elapsed < 2.5
    assert {mode for _, mode in seen} <= {"AccessShareLock"}, seen


@pytest.mark.parametrize("v2_tables", [True, False], ids=["v2-tables", "no-v2-tables"])
def test_preview_leaves_the_apps_writers_free(pg_app, capsys, v2_tables):
    # Without the V2 tables, the preview once ran their DDL (rolled back), whose foreign keys
    # took SHARE ROW EXCLUSIVE locks on properties, users, clients and timelines: it waited
    # for the app's transaction, and the app's writers queued behind it.
    if v2_tables:
        pg_app.create_v2_tables()
    holder, other = _held_property_row(pg_app)
    done = threading.Event()
    waits: list[float] = []
    writer = sa.create_engine(pg_app.target.sqlalchemy_url)

    def update_meanwhile() -> None:  # an unrelated app UPDATE, again and again
        with writer.connect() as conn:
            conn.execute(sa.text(f'SET search_path TO "{pg_app.target.app_schema}"'))
            conn.execute(sa.text("SET lock_timeout = '2s'"))
            conn.commit()  # a rollback would undo the SETs
            while not done.is_set():
                began = time.monotonic()
                try:
                    conn.execute(sa.text('UPDATE properties SET "updatedAt" = "updatedAt" '
                                         "WHERE id = :id"), {"id": other})  # fmt: skip
                except sa.exc.OperationalError:  # waited beyond its lock timeout
                    waits.append(float("inf"))
                conn.rollback()
                waits.append(time.monotonic() - began)

    app_writer = threading.Thread(target=update_meanwhile)
    try:
        app_writer.start()
        test_engines = (writer, holder.engine)
        with locks_on_app_tables(pg_app.target.app_schema, ignoring=test_engines) as seen:
            started = time.monotonic()
            code = main(["preview", "--db", pg_app.url, "--lock-timeout", "5s", "--json"])
            elapsed = time.monotonic() - started
    finally:
        done.set()
        app_writer.join()
        writer.dispose()
        holder.rollback()
        holder.close()
    assert code == 0, capsys.readouterr().err
    assert waits and max(waits) < 1.0
    assert elapsed < 4.5  # well within the 5s lock timeout: it waited for no lock
    assert {mode for _, mode in seen} == {"AccessShareLock"}, seen
    assert bool(json.loads(capsys.readouterr().out)["ddl"]) is not v2_tables
    assert _v2_tables_present(pg_app) is v2_tables  # a preview creates none


def _v2_tables_present(app: AppDatabase) -> bool:
    query = "SELECT COUNT(*) FROM pg_tables WHERE schemaname = :s AND tablename = 'messages_v2'"
    return bool(app.scalar(query, s=app.target.app_schema))


@pytest.fixture
def reviewer(pg_app: AppDatabase) -> Iterator[Callable[..., str]]:
    """`reviewer(*grants)`: the URL of a new role (dropped afterwards: roles are the whole
    cluster's) that may connect and read the app's tables as they are at the call, and has
    been given `grants` (statements naming it `ROLE`)."""
    role = f"v2b_reviewer_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(pg_app.target.sqlalchemy_url, isolation_level="AUTOCOMMIT")
    schema, database = pg_app.target.app_schema, admin.url.database
    reads = (f'GRANT CONNECT ON DATABASE "{database}" TO ROLE',
             f'GRANT USAGE ON SCHEMA "{schema}" TO ROLE',
             f'GRANT SELECT ON ALL TABLES IN SCHEMA "{schema}" TO ROLE')  # fmt: skip

    def grant(*grants: str) -> str:
        with admin.connect() as conn:
            for statement in (*reads, *grants):
                conn.execute(sa.text(statement.replace("ROLE", f'"{role}"')))
        return pg_app.url.replace("://root@", f"://{role}@", 1)

    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE ROLE "{role}" LOGIN'))
    try:
        yield grant
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP OWNED BY "{role}"'))  # its rights, here and on the database
            conn.execute(sa.text(f'DROP ROLE "{role}"'))
        admin.dispose()


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict, str]:
    """Run the CLI with --json: exit code, the JSON on stdout, stderr."""
    capsys.readouterr()  # what earlier commands printed
    code = main([*args, "--json"])
    out, err = capsys.readouterr()
    return code, json.loads(out), err


def _plan(outcome: dict) -> dict:
    """A preview's plan without its samples' generated conversation ids."""
    return {key: value for key, value in outcome["plan"].items() if key != "samples"}


def test_a_reviewer_previews_the_first_backfill_with_only_select(pg_app, reviewer, capsys):
    busy_timeline(pg_app)
    code, as_owner, _ = _cli(capsys, "preview", "--db", pg_app.url)
    assert code == 0
    url = reviewer()  # no CREATE anywhere, no schema v2_backfill yet: TEMP stand-ins

    code, outcome, err = _cli(capsys, "preview", "--db", url)

    assert code == 0, err
    assert _plan(outcome) == _plan(as_owner) and outcome["ddl"] == as_owner["ddl"]
    assert _plan(outcome)["messages_to_copy"] == 3
    assert not _v2_tables_present(pg_app)
    assert not pg_app.scalar("SELECT COUNT(*) FROM pg_namespace WHERE nspname = 'v2_backfill'")


def test_a_reviewer_is_told_the_grants_then_previews_and_validates(
    pg_app, reviewer, capsys, prefect_server, tmp_path
):
    busy_timeline(pg_app)
    gate = ["--quarantine-warn", "100%", "--quarantine-fail", "100%"]
    reports = ["--report-dir", str(tmp_path / "reports")]
    assert main(["backfill", "--db", pg_app.url, "--yes", *gate, *reports]) == 0
    code, as_owner, _ = _cli(capsys, "preview", "--db", pg_app.url)
    lineage = pg_app.rows("SELECT * FROM v2_backfill.lineage ORDER BY legacy_message_id")
    url = reviewer()  # no right on the store at all

    for command in (["preview"], ["validate", *gate, *reports]):
        code, outcome, err = _cli(capsys, command[0], "--db", url, *command[1:])
        assert code == 2, err
        error = outcome["error"]
        assert "no USAGE right on schema v2_backfill" in error["message"]
        assert "\n" not in error["message"] and "Traceback" not in err
        assert "GRANT USAGE ON SCHEMA v2_backfill TO" in error["hint"]
        assert "ProgrammingError" not in err

    grants = error["hint"].split("run: ", 1)[1]  # the exact GRANTs the error names, as root
    reviewer(*[f"{statement};" for statement in grants.rstrip(";").split("; ")])

    code, outcome, err = _cli(capsys, "preview", "--db", url)
    assert code == 0, err
    assert _plan(outcome) == _plan(as_owner) and _plan(outcome)["messages_already_migrated"] == 3
    code, outcome, err = _cli(capsys, "validate", "--db", url, *gate, *reports)
    assert code == 0, err
    assert outcome["gate_passed"] and outcome["figures"]["messages_migrated"] == 3
    assert pg_app.rows("SELECT * FROM v2_backfill.lineage ORDER BY legacy_message_id") == lineage
    assert pg_app.scalar("SELECT COUNT(*) FROM v2_backfill.runs WHERE kind = 'validate'") == 1


@pytest.mark.parametrize("rights", ["select", "create"])
def test_a_reviewers_backfill_is_refused_in_one_line(
    pg_app, reviewer, capsys, prefect_server, tmp_path, rights
):
    busy_timeline(pg_app)
    reports = ["--report-dir", str(tmp_path / "reports")]
    gate = ["--quarantine-warn", "100%", "--quarantine-fail", "100%"]
    assert main(["backfill", "--db", pg_app.url, "--yes", *gate, *reports]) == 0
    schema = pg_app.target.app_schema
    url = reviewer()
    if rights == "create":  # may write the app's schema, but the store is root's
        url = reviewer(f'GRANT CREATE ON SCHEMA "{schema}" TO ROLE',
                       f'GRANT ALL ON ALL TABLES IN SCHEMA "{schema}" TO ROLE',
                       "GRANT USAGE ON SCHEMA v2_backfill TO ROLE")  # fmt: skip
    runs = pg_app.scalar("SELECT COUNT(*) FROM v2_backfill.runs")

    code, outcome, err = _cli(capsys, "backfill", "--db", url, "--yes", *gate, *reports)

    assert code == 2, err
    message = outcome["error"]["message"]
    assert message.startswith("cannot write ") and "\n" not in message
    if rights == "select":
        assert message.endswith(f"no CREATE right on {schema!r}")
    else:
        assert message.endswith("schema v2_backfill belongs to role 'root'")
        assert 'GRANT "root" TO' in outcome["error"]["hint"]
    assert "Traceback" not in err and "ProgrammingError" not in err
    assert pg_app.scalar("SELECT COUNT(*) FROM v2_backfill.runs") == runs
