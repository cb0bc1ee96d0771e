"""PostgreSQL: the shape check touches nothing of the app's: no lock beyond reading the
catalog, no CREATE right (issue 20, item 3)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from tests.factory import AppDatabase
from tests.test_backfill_runs import busy_timeline
from v2_backfill.cli import main
from v2_backfill.config import parse_database_url
from v2_backfill.db import open_database
from v2_backfill.preflight import V2_TABLES, expected_shape, run_preflight, shape

pytestmark = pytest.mark.postgres

APP_TABLES = ("properties", "users", "clients", "timelines", "messages", "conversations")


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


def test_preflight_locks_no_app_table_while_the_app_holds_a_row(pg_app):
    pg_app.create_v2_tables()
    holder, _ = _held_property_row(pg_app)
    target = parse_database_url(pg_app.url, lock_timeout_ms=3000)
    db = open_database(target, bookkeeping=False)
    seen: set[tuple[str, str]] = set()

    @sa.event.listens_for(db.engine, "after_cursor_execute")
    def _locks(conn: sa.Connection, *_: object) -> None:  # this session's locks, each statement
        cursor = conn.connection.driver_connection.cursor()
        cursor.execute("SELECT relation::regclass::text, mode FROM pg_locks "
                       "WHERE pid = pg_backend_pid() AND relation IS NOT NULL")  # fmt: skip
        seen.update((name.split(".")[-1].strip('"'), mode) for name, mode in cursor.fetchall())

    try:
        started = time.monotonic()
        report = run_preflight(db)
        elapsed = time.monotonic() - started
    finally:
        db.dispose()
        holder.rollback()
        holder.close()
    assert report.problems == [] and not report.create_v2_tables
    assert elapsed < 2.5
    on_app = {(table, mode) for table, mode in seen if table in APP_TABLES + V2_TABLES}
    assert on_app <= {(table, "AccessShareLock") for table in APP_TABLES + V2_TABLES}, on_app


def test_preview_leaves_the_apps_writers_free(pg_app, capsys):
    pg_app.create_v2_tables()
    holder, other = _held_property_row(pg_app)
    done = threading.Event()
    waits: list[float] = []
    writer = sa.create_engine(pg_app.target.sqlalchemy_url)

    def update_meanwhile() -> None:  # an unrelated app UPDATE, again and again
        with writer.connect() as conn:
            conn.execute(sa.text(f'SET search_path TO "{pg_app.target.app_schema}"'))
            conn.execute(sa.text("SET lock_timeout = '2s'"))
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
