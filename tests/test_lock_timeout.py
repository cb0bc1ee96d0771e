"""Another writer holding the database: the CLI waits `--lock-timeout`, says what it waits for,
then exits 2 naming the lock; it never hangs (issue 20)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from tests.factory import AppDatabase
from tests.test_backfill_runs import busy_timeline

BOUND_SECONDS = 240
"""The CLI's run may take no longer than this (Prefect's start included): a hang fails the test
instead of CI."""


@contextmanager
def another_writer(app: AppDatabase) -> Iterator[None]:
    """Another session holds the database as a writer until the block ends: on SQLite the write
    lock (BEGIN IMMEDIATE and an UPDATE), on PostgreSQL an exclusive lock on `messages` (as a
    migration would)."""
    if app.dialect == "sqlite":
        holder = sqlite3.connect(app.target.sqlite_path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        holder.execute('UPDATE messages SET "updatedAt" = "updatedAt"')
        try:
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        return
    engine = sa.create_engine(app.target.sqlalchemy_url)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(f'LOCK TABLE "{app.target.app_schema}".messages'))
            yield
            conn.rollback()
    finally:
        engine.dispose()


def test_a_locked_database_ends_in_exit_2_within_the_lock_timeout(
    app, tmp_path: Path, prefect_api_url: str
):
    busy_timeline(app)
    env = {**os.environ, "PREFECT_API_URL": prefect_api_url}
    command = [sys.executable, "-m", "v2_backfill.cli", "backfill", "--db", app.url,
               "--lock-timeout", "2s"]  # fmt: skip

    with another_writer(app):
        started = time.monotonic()
        done = subprocess.run(
            command, cwd=tmp_path, env=env, capture_output=True, text=True,
            timeout=BOUND_SECONDS, check=False,
        )  # fmt: skip
        elapsed = time.monotonic() - started

    assert done.returncode == 2, done.stderr[-3000:]
    assert "database is locked by another writer" in done.stderr
    assert "lock timeout (2s)" in done.stderr and "fix: " in done.stderr
    assert "Traceback" not in done.stderr
    waited_for = "the write lock" if app.dialect == "sqlite" else "a lock on messages"
    assert f"waiting up to 2s for {waited_for}" in done.stderr  # logged while it waits
    assert elapsed < 60  # refused by the checks before Prefect starts
