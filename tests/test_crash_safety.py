"""A backfill killed with SIGKILL at any point, then run again, ends exactly like a run that
was never interrupted; while it runs, a second run is refused cleanly (both dialects)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.factory import AppDatabase
from tests.test_backfill_runs import V2, busy_timeline
from v2_backfill.db import open_database
from v2_backfill.lock import run_lock
from v2_backfill.runs import FAILPOINT_ENV

KILL_POINTS = ["after-stage", "after-write", "after-audit", "publish-uncommitted", "after-publish"]
BOOKKEEPING = ("lineage", "quarantine", "created_conversations")


def cli(url: str, cwd: Path, api_url: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`v2-backfill backfill` in its own process, reporting to the session's Prefect server."""
    return subprocess.run(
        [sys.executable, "-m", "v2_backfill.cli", "backfill", "--db", url,
         "--quarantine-fail", "100%"],
        cwd=cwd, env={**os.environ, "PREFECT_API_URL": api_url, **env},
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip


def state(app: AppDatabase) -> dict[str, list[tuple]]:
    """V2 tables and lineage as a run leaves them, minus run ids and `updatedAt` stamps."""
    dumps = {table: app.rows(f'SELECT * FROM "{table}" ORDER BY id') for table in V2}
    result = {
        table: [tuple(v for k, v in row._mapping.items() if k != "updatedAt") for row in rows]
        for table, rows in dumps.items()
    }
    for table in BOOKKEEPING:
        rows = app.rows(f"SELECT * FROM v2_backfill.{table} ORDER BY 1")
        result[table] = [tuple(v for k, v in r._mapping.items() if k != "run_id") for r in rows]
    return result


def wipe(app: AppDatabase) -> None:
    """Back to before any run: empty V2 tables, no bookkeeping rows."""
    for table in ("messages_v2", "property_conversations"):
        app.execute(f'DELETE FROM "{table}"', {})
    db = open_database(app.target)
    try:
        with db.begin() as conn:
            for table in (*BOOKKEEPING, "runs"):
                conn.exec_driver_sql(f"DELETE FROM v2_backfill.{table}")
    finally:
        db.dispose()


@pytest.mark.parametrize("point", KILL_POINTS)
def test_killed_run_then_rerun_equals_an_uninterrupted_run(
    app, run_backfill, prefect_api_url, tmp_path, point
):
    busy_timeline(app)
    app.create_v2_tables()
    legacy = app.table_dump("messages")

    killed = cli(app.url, tmp_path, prefect_api_url, **{FAILPOINT_ENV: point})
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    if point != "after-publish":  # not committed: the app's tables are as before
        assert all(app.table_dump(table) == [] for table in V2)
    run_backfill(app.url)
    recovered = state(app)
    statuses = sorted(r[0] for r in app.rows("SELECT status FROM v2_backfill.runs"))
    assert statuses == ["interrupted", "succeeded"]

    wipe(app)
    run_backfill(app.url)
    assert state(app) == recovered
    assert app.table_dump("messages") == legacy


def test_a_second_run_is_refused_while_one_holds_the_lock(app, prefect_api_url, tmp_path):
    busy_timeline(app)
    holder = open_database(app.target)
    try:
        with run_lock(holder):
            refused = cli(app.url, tmp_path, prefect_api_url)
    finally:
        holder.dispose()
    assert refused.returncode == 2
    assert "another v2-backfill run is in progress" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert cli(app.url, tmp_path, prefect_api_url).returncode == 0
