"""The sync as operators run it, on both dialects: the command line, a sync killed with SIGKILL
between its steps, and two syncs started together."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.factory import AppDatabase
from tests.test_backfill_runs import V2
from tests.test_sync import (
    BOOKKEEPING,
    assert_synced,
    dumps,
    old_app_writes,
    rollout,
    v2_app_writes,
)
from v2_backfill.cli import main
from v2_backfill.runs import FAILPOINT_ENV

KILL_POINTS = ["after-stage", "after-write", "after-audit", "publish-uncommitted", "after-publish"]
STORED = (*BOOKKEEPING, "watermarks", "seen_properties", "seen_conversations")


def sync_cli(url: str, cwd: Path, api_url: str, *args: str, **env: str) -> subprocess.Popen[str]:
    """`v2-backfill sync` in its own process, reporting to the session's Prefect server."""
    return subprocess.Popen(
        [sys.executable, "-m", "v2_backfill.cli", "sync", "--db", url,
         "--quarantine-fail", "100%", *args],
        cwd=cwd, env={**os.environ, "PREFECT_API_URL": api_url, **env},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def finished(process: subprocess.Popen[str]) -> tuple[int, str]:
    """The exit code and stderr of a process, once it has ended."""
    _, stderr = process.communicate(timeout=600)
    return process.returncode, stderr


def after_the_rollout(app: AppDatabase, run_backfill) -> tuple[dict, dict, str]:
    ids = rollout(app)
    run_backfill(app.url)
    return ids, old_app_writes(app, ids), v2_app_writes(app, ids)


def test_sync_command_prints_the_summary_as_json(app, run_backfill, prefect_server, capsys,
                                                 tmp_path, monkeypatch):  # fmt: skip
    ids, new, native = after_the_rollout(app, run_backfill)
    monkeypatch.chdir(tmp_path)
    code = main(["sync", "--db", app.url, "--json", "--quarantine-fail", "100%"])
    summary = json.loads(capsys.readouterr().out)
    assert code == 0
    assert summary["kind"] == "sync" and summary["messages_copied"] == 3
    assert set(summary["read_since"]) == set(summary["watermarks"]) == {
        "conversations", "messages", "properties",
    }  # fmt: skip
    assert Path(summary["report"]).is_file()
    assert_synced(app, ids, new, native)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--propagate-deletes"], "--propagate-deletes needs --reconcile"),
        (["--lookback", "soon"], "not a duration: 'soon'"),
        (["--quarantine-warn", "50%", "--quarantine-fail", "10%"], "quarantine tolerances"),
    ],
    ids=["propagate-without-reconcile", "bad-lookback", "warn-above-fail"],
)
def test_bad_sync_options_exit_2(app, run_backfill, capsys, args, message):
    rollout(app)
    run_backfill(app.url)
    assert main(["sync", "--db", app.url, *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_sync_before_a_backfill_exits_2_and_writes_nothing(app, capsys):
    rollout(app)
    assert main(["sync", "--db", app.url]) == 2
    err = capsys.readouterr().err
    assert "no backfill has run" in err and "run `v2-backfill backfill` first" in err
    assert "Traceback" not in err
    if app.dialect == "sqlite":
        assert not app.target.sidecar_path.exists()
    with app.db.connect() as conn:
        assert not app.db.app_tables(conn) & set(V2)  # not even the V2 tables


@pytest.mark.parametrize("point", KILL_POINTS)
def test_a_killed_sync_leaves_v2_consistent_and_the_next_completes(
    app, run_backfill, run_sync, prefect_api_url, tmp_path, point
):
    ids, new, native = after_the_rollout(app, run_backfill)
    before = (dumps(app, V2), dumps(app, STORED, "v2_backfill"))

    code, stderr = finished(sync_cli(app.url, tmp_path, prefect_api_url,
                                     **{FAILPOINT_ENV: point}))  # fmt: skip

    assert code == -signal.SIGKILL, stderr[-2000:]
    if point != "after-publish":  # not committed: V2 and the bookkeeping are as before
        assert (dumps(app, V2), dumps(app, STORED, "v2_backfill")) == before
    run_sync(app.url)
    assert_synced(app, ids, new, native)
    statuses = app.rows("SELECT status FROM v2_backfill.runs WHERE kind = 'sync' ORDER BY 1")
    assert [r[0] for r in statuses] == ["interrupted", "succeeded"]


def test_two_syncs_started_together_one_runs_one_is_refused(
    app, run_backfill, prefect_api_url, tmp_path
):
    ids, new, native = after_the_rollout(app, run_backfill)
    hold = {FAILPOINT_ENV: "after-stage:sleep=10"}  # whichever takes the lock keeps it 10 s
    first = sync_cli(app.url, tmp_path, prefect_api_url, **hold)
    second = sync_cli(app.url, tmp_path, prefect_api_url, **hold)

    outcomes = sorted([finished(first), finished(second)])

    (ran, _), (refused, message) = outcomes
    assert (ran, refused) == (0, 2), message[-2000:]
    assert "another v2-backfill run is in progress" in message
    assert "Traceback" not in message
    assert_synced(app, ids, new, native)
