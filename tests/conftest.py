"""Shared fixtures: real SQLite files in tmp dirs and a throwaway PostgreSQL database.

PostgreSQL tests never skip: when the server cannot be reached they fail, so that CI fails.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

# Prefect gets a private home before it is first imported (its temporary server's SQLite lives
# there), and sends nothing anywhere.
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="v2b-prefect-"))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
# The CLI is left to Prefect (the session's test server, or Prefect's temporary one), never
# starting a background server of its own; tests of that server choose their own mode.
os.environ.setdefault("V2_BACKFILL_PREFECT_SERVER", "temporary")

# Prefect binds its console log handler to the sys.stderr of the moment it sets up logging:
# set it up here, under pytest's session-wide capture, never inside a test's capsys, whose
# stream closes with that test (every later test would then print a "Logging error").
import prefect.logging.configuration  # noqa: E402
import pytest  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from tests.factory import AppDatabase  # noqa: E402

prefect.logging.configuration.setup_logging()

ROOT = Path(__file__).resolve().parents[1]
FIXTURE_DB = ROOT / "tests" / "data" / "property-sync-dev.db"
"""A copy of `../shared/fixtures/property-sync-dev.db` kept in the repository, so that a clone
passes its tests without `../shared` beside it."""
PG_ADMIN_URL = os.environ.get(
    "V2B_TEST_PG_ADMIN_URL", "postgresql+psycopg://root@127.0.0.1:5432/test"
)


@pytest.fixture
def fixture_db(tmp_path: Path) -> Path:
    """A private copy of the app's development database (the original is read-only)."""
    if not FIXTURE_DB.exists():
        pytest.fail(f"fixture database missing: {FIXTURE_DB}")
    target = tmp_path / "dev.db"
    shutil.copyfile(FIXTURE_DB, target)
    return target


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped afterwards.

    Yields a plain `postgresql://` URL (no driver), the form the app and the CLI take.
    """
    name = f"v2b_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:  # fail, never skip: CI must see it
        pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {exc}")
    base = sa.engine.make_url(PG_ADMIN_URL).set(database=name)
    try:
        yield base.set(drivername="postgresql").render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def throwaway_schema(pg_database: str, prefix: str = "app") -> Iterator[str]:
    """A new schema in the session database, dropped afterwards (with `v2_backfill`, so each
    test starts clean); yields the Prisma-style URL for it."""
    schema = f"{prefix}_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(pg_database.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{pg_database}?schema={schema}"
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            conn.execute(sa.text('DROP SCHEMA IF EXISTS "v2_backfill" CASCADE'))
        engine.dispose()


@pytest.fixture
def pg_schema(pg_database: str) -> Iterator[str]:
    """A throwaway app schema in the session database; yields the Prisma-style URL for it."""
    with throwaway_schema(pg_database) as url:
        yield url


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[None]:
    """One temporary Prefect server for the whole session (flows run against it)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield


@pytest.fixture(scope="session")
def prefect_api_url(prefect_server: None) -> str:
    """The session Prefect server's API URL, for CLI runs in subprocesses."""
    from prefect.settings import PREFECT_API_URL

    return str(PREFECT_API_URL.value())


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """A PostgreSQL test that skips is a failure: CI must not go green without PostgreSQL."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and item.get_closest_marker("postgres"):
        report.outcome = "failed"
        report.longrepr = f"PostgreSQL test skipped, which counts as a failure: {report.longrepr}"


@pytest.fixture(
    params=[
        pytest.param("sqlite", marks=pytest.mark.sqlite),
        pytest.param("postgres", marks=pytest.mark.postgres),
    ]
)
def app_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty app database of each dialect: a new SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        path = tmp_path / "app.db"
        sqlite3_connect(path)
        return f"file:{path}"
    return request.getfixturevalue("pg_schema")


def sqlite3_connect(path: Path) -> None:
    """Create an empty SQLite database file."""
    import sqlite3

    sqlite3.connect(path).close()


@pytest.fixture
def app(app_url: str) -> Iterator[AppDatabase]:
    """An app database of each dialect with the legacy tables, empty."""
    database = AppDatabase(app_url).create_legacy_tables()
    yield database
    database.dispose()


@pytest.fixture
def run_backfill(prefect_server: None, tmp_path: Path) -> Callable[..., dict]:
    """Run the Prefect backfill flow on a database URL (on the task runner the options name,
    e.g. `dask_address`); returns the summary.

    Reports go to `tmp_path/reports/<n>` unless `report_dir` is given. The quarantine
    tolerances are off unless given: rule tests quarantine large shares of tiny datasets.
    """
    from flows.backfill import run_backfill as backfill
    from v2_backfill.config import BackfillConfig, Tolerances, parse_database_url

    runs = iter(range(1, 1000))

    def run(url: str, **options: object) -> dict:
        options.setdefault("report_dir", tmp_path / "reports" / str(next(runs)))
        options.setdefault("tolerances", Tolerances(1.0, 1.0))
        return backfill(BackfillConfig(target=parse_database_url(url), **options))

    return run


@pytest.fixture
def run_sync(prefect_server: None, tmp_path: Path) -> Callable[..., dict]:
    """Run the Prefect flow `incremental_sync` on a database URL with the given parameters;
    returns the summary. Reports go to `tmp_path/sync-reports/<n>`; the quarantine tolerances
    are off unless given."""
    from flows.sync import incremental_sync

    runs = iter(range(1, 1000))

    def run(url: str, **options: object) -> dict:
        options.setdefault("report_dir", str(tmp_path / "sync-reports" / str(next(runs))))
        options.setdefault("quarantine_warn", "100%")
        options.setdefault("quarantine_fail", "100%")
        return incremental_sync(db=url, **options)

    return run
