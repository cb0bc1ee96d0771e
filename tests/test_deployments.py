"""Scheduling: `v2-backfill serve` and `prefect.yaml` declare the same two deployments, and each
way really runs the sync against the session's Prefect server (SQLite)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from flows.deployments import RECONCILE_DEPLOYMENT, SYNC_DEPLOYMENT, deployments
from tests.conftest import ROOT
from tests.factory import AppDatabase
from tests.test_sync import old_app_writes, rollout

pytestmark = pytest.mark.sqlite


def declared(deployment: dict | object) -> dict:
    """The comparable facts of a deployment, from prefect.yaml (a dict) or `deployments()`."""
    if isinstance(deployment, dict):
        return {
            "name": deployment["name"],
            "entrypoint": deployment["entrypoint"],
            "crons": [s["cron"] for s in deployment["schedules"]],
            "concurrency_limit": deployment["concurrency_limit"],
            "parameters": deployment["parameters"],
            "tags": deployment["tags"],
        }
    return {
        "name": deployment.name,
        "entrypoint": deployment.entrypoint.replace("flows/sync.py", "flows.sync"),
        "crons": [s.schedule.cron for s in deployment.schedules],
        "concurrency_limit": deployment.concurrency_limit,
        "parameters": deployment.parameters,
        "tags": deployment.tags,
    }


def test_prefect_yaml_declares_what_serve_registers():
    spec = yaml.safe_load((ROOT / "prefect.yaml").read_text())
    from_yaml = [declared(d) for d in spec["deployments"]]
    served = [declared(d) for d in deployments()]
    assert from_yaml == served
    assert [d["name"] for d in served] == [SYNC_DEPLOYMENT, RECONCILE_DEPLOYMENT]
    assert served[0]["crons"] == ["*/15 * * * *"] and served[1]["crons"] == ["0 3 * * *"]
    assert all(d["concurrency_limit"] == 1 for d in served)
    assert served[1]["parameters"]["reconcile"] is True
    assert all("db" not in d["parameters"] for d in served)  # the URL stays in the environment
    assert {d["work_pool"]["name"] for d in spec["deployments"]} == {"v2-backfill"}


def backfilled_with_changes(tmp_path: Path, run_backfill) -> AppDatabase:
    path = tmp_path / "app.db"
    path.touch()
    app = AppDatabase(f"file:{path}").create_legacy_tables()
    ids = rollout(app)
    run_backfill(app.url)
    old_app_writes(app, ids)
    return app


def prefect(*args: str, api_url: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "prefect", *args],
        cwd=cwd, env={**os.environ, "PREFECT_API_URL": api_url, **env},
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def wait_for(predicate, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(1)


def sync_runs(app: AppDatabase) -> list[str]:
    return [r[0] for r in app.rows("SELECT status FROM v2_backfill.runs WHERE kind = 'sync'")]


def test_prefect_deploy_then_a_worker_runs_the_sync(run_backfill, prefect_api_url, tmp_path):
    app = backfilled_with_changes(tmp_path, run_backfill)
    pool = prefect("work-pool", "create", "v2-backfill", "--type", "process", "--overwrite",
                   api_url=prefect_api_url, cwd=ROOT)  # fmt: skip
    assert pool.returncode == 0, pool.stderr
    deployed = prefect("--no-prompt", "deploy", "--all", api_url=prefect_api_url, cwd=ROOT)
    assert deployed.returncode == 0, deployed.stdout[-3000:] + deployed.stderr[-3000:]
    run = prefect("deployment", "run", f"incremental_sync/{SYNC_DEPLOYMENT}",
                  api_url=prefect_api_url, cwd=tmp_path)  # fmt: skip
    assert run.returncode == 0, run.stderr

    worker = prefect("worker", "start", "--pool", "v2-backfill", "--run-once",
                     api_url=prefect_api_url, cwd=tmp_path, DATABASE_URL=app.url)  # fmt: skip

    assert "Completed" in worker.stdout + worker.stderr, worker.stderr[-3000:]
    assert "succeeded" in sync_runs(app)
    app.dispose()


def test_serve_registers_the_schedules_and_runs_a_triggered_sync(
    run_backfill, prefect_api_url, tmp_path
):
    app = backfilled_with_changes(tmp_path, run_backfill)
    for name in (SYNC_DEPLOYMENT, RECONCILE_DEPLOYMENT):  # one way or the other, not both
        prefect("deployment", "delete", f"incremental_sync/{name}", api_url=prefect_api_url,
                cwd=tmp_path)  # fmt: skip
    env = {**os.environ, "PREFECT_API_URL": prefect_api_url}
    server = subprocess.Popen(
        [sys.executable, "-m", "v2_backfill.cli", "serve", "--db", app.url,
         "--cron", "0 4 * * *"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:

        def registered() -> bool:
            shown = prefect("deployment", "inspect", f"incremental_sync/{SYNC_DEPLOYMENT}",
                            api_url=prefect_api_url, cwd=tmp_path)  # fmt: skip
            return shown.returncode == 0 and "0 4 * * *" in shown.stdout

        wait_for(registered)
        run = prefect("deployment", "run", f"incremental_sync/{SYNC_DEPLOYMENT}",
                      api_url=prefect_api_url, cwd=tmp_path)  # fmt: skip
        assert run.returncode == 0, run.stderr
        wait_for(lambda: "succeeded" in sync_runs(app))
    finally:
        server.send_signal(signal.SIGINT)
        output, _ = server.communicate(timeout=60)
    assert server.returncode in (0, 1, -signal.SIGINT, 130), output[-3000:]
    app.dispose()
