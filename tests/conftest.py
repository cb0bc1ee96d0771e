"""Shared fixtures: real SQLite files in tmp dirs and a throwaway PostgreSQL database.

PostgreSQL tests never skip: when the server cannot be reached they fail, so that CI fails.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
FIXTURE_DB = ROOT.parent / "shared" / "fixtures" / "property-sync-dev.db"
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


@pytest.fixture
def pg_schema(pg_database: str) -> Iterator[str]:
    """A throwaway app schema in the session database; yields the Prisma-style URL for it.

    The bookkeeping schema `v2_backfill` is dropped too, so each test starts clean.
    """
    schema = f"app_{uuid.uuid4().hex[:8]}"
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
