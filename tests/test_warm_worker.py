"""The background server's warm worker (issue 19's start-up): a command that runs flows runs
in a child of a process whose imports are done, with the caller's streams, folder, exit code
and signals; a caller it cannot serve as its own process would runs the command itself. One
server for the module (its own state folder), stopped at the end; every wait is bounded."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_interrupts import BOUND_SECONDS, Cli, our_lines, run_cli
from tests.test_prefect_server import background_env, group_members, remember, wait_until
from v2_backfill.runs import FAILPOINT_ENV
from v2_backfill.warm import code_fingerprint, relevant_environment

pytestmark = pytest.mark.sqlite

IN_THE_WORKER = re.compile(r"the command runs in the warm worker's child, pid (\d+)")


def status(env: dict[str, str], cwd: Path) -> dict:
    done = run_cli(["server", "status", "--json"], cwd, env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def serving(env: dict[str, str], cwd: Path) -> dict:
    """The server's status once its warm worker answers."""
    wait_until(lambda: status(env, cwd)["warm_worker"] is not None, 180, "a warm worker")
    return status(env, cwd)


@pytest.fixture(scope="module")
def warm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The environment of commands that find a background server and its warm worker."""
    state_dir = tmp_path_factory.mktemp("warm") / "state"
    env = background_env(state_dir)
    started = run_cli(["server", "start"], state_dir.parent, env)
    assert started.returncode == 0, started.stderr
    remember(state_dir)
    serving(env, state_dir.parent)
    yield env
    run_cli(["server", "stop"], state_dir.parent, env)
    assert group_members(state_dir) == []


def child_pid(stderr: str) -> int:
    found = IN_THE_WORKER.search(stderr)
    assert found, f"not run in the warm worker:\n{stderr[-3000:]}"
    return int(found.group(1))


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def run_status(database: Path) -> list[str]:
    with sqlite3.connect(f"{database}.v2_backfill.sqlite") as store:
        return [row[0] for row in store.execute("SELECT status FROM runs ORDER BY started_at")]


def test_a_command_runs_in_the_worker_as_in_a_process_of_its_own(fixture_db, warm):
    folder = fixture_db.parent
    served = serving(warm, folder)["warm_worker"]["served"]
    done = run_cli(["backfill", "--db", "file:./dev.db", "--json", "--debug"], folder, warm)
    assert done.returncode == 0, done.stderr[-3000:]
    assert child_pid(done.stderr) != os.getpid()
    summary = json.loads(done.stdout)  # the caller's stdout, only JSON on it
    assert summary["messages_copied"] == 9
    assert (folder / summary["report"]).is_file()  # relative to the caller's folder
    assert run_status(fixture_db) == ["succeeded"]

    # a failing command: the same exit code, JSON and message as without the worker
    failing = ["validate", "--db", "file:./absent.db", "--json", "--debug"]
    in_worker = run_cli(failing, folder, warm)
    alone = run_cli(failing, folder, warm | {"V2_BACKFILL_WARM_WORKER": "off"})
    child_pid(in_worker.stderr)
    assert not IN_THE_WORKER.search(alone.stderr)
    assert in_worker.returncode == alone.returncode != 0
    assert json.loads(in_worker.stdout) == json.loads(alone.stdout)
    assert our_lines(in_worker.stderr) == our_lines(alone.stderr)
    assert serving(warm, folder)["warm_worker"]["served"] == served + 2


def test_ctrl_c_reaches_the_command_and_kill_9_of_the_caller_ends_it(fixture_db, warm):
    url, folder = f"file:{fixture_db}", fixture_db.parent
    held = warm | {FAILPOINT_ENV: "after-stage:sleep=120"}
    stopped = Cli(["backfill", "--db", url, "--debug"], folder, held)
    stopped.wait_for("staged ")
    pid = child_pid(stopped.stderr)
    stopped.process.send_signal(signal.SIGINT)  # what a Ctrl-C at the terminal sends
    assert stopped.finish() == 130, stopped.stderr[-3000:]
    assert our_lines(stopped.stderr) == [
        "v2-backfill: error: interrupted by SIGINT: the command stopped; a run it started is "
        "recorded as interrupted, and publishing is one transaction, so nothing is "
        "half-published"
    ]
    assert run_status(fixture_db) == ["interrupted"]
    wait_until(lambda: not alive(pid), 30, "the stopped command's child gone")

    killed = Cli(["backfill", "--db", url, "--debug"], folder, held)
    killed.wait_for("staged ")
    pid = child_pid(killed.stderr)
    killed.process.send_signal(signal.SIGKILL)
    assert killed.finish() == -signal.SIGKILL
    wait_until(lambda: not alive(pid), 30, "the killed caller's command gone with it")

    again = run_cli(["backfill", "--db", url, "--json"], folder, warm)
    assert again.returncode == 0, again.stderr[-3000:]
    assert json.loads(again.stdout)["messages_copied"] == 9


def test_a_caller_with_another_environment_or_priority_runs_the_command_itself(fixture_db, warm):
    other = warm | {"GX_WARM_WORKER_TEST": "1"}
    done = run_cli(["backfill", "--db", f"file:{fixture_db}", "--debug", "--json"],
                   fixture_db.parent, other)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "did not take the command: another environment: GX_WARM_WORKER_TEST differ" in (
        done.stderr
    )
    assert not IN_THE_WORKER.search(done.stderr)
    assert json.loads(done.stdout)["messages_copied"] == 9

    # `nice v2-backfill …` from cron: a child of the worker would not run at that priority
    niced = subprocess.run(
        [sys.executable, "-m", "v2_backfill.cli", "validate", "--db", f"file:{fixture_db}",
         "--debug"], cwd=fixture_db.parent, env=warm, capture_output=True, text=True,
        timeout=BOUND_SECONDS, preexec_fn=lambda: os.nice(5),
    )  # fmt: skip
    assert niced.returncode == 0, niced.stderr[-3000:]
    assert "did not take the command: another priority (nice)" in niced.stderr
    assert not IN_THE_WORKER.search(niced.stderr)


def test_server_stop_stops_the_command_the_worker_runs_cleanly(fixture_db, tmp_path):
    state_dir = tmp_path / "state"
    env = background_env(state_dir)
    try:
        assert run_cli(["server", "start"], tmp_path, env).returncode == 0
        remember(state_dir)
        serving(env, tmp_path)
        held = env | {FAILPOINT_ENV: "after-stage:sleep=120"}
        running = Cli(["backfill", "--db", f"file:{fixture_db}", "--debug"], tmp_path, held)
        running.wait_for("staged ")
        pid = child_pid(running.stderr)
        assert run_cli(["server", "stop"], tmp_path, env).returncode == 0
        assert running.finish() == 143, running.stderr[-3000:]
        assert "v2-backfill: error: interrupted by SIGTERM" in running.stderr
        assert not alive(pid)
        assert run_status(fixture_db) == ["interrupted"]
    finally:
        run_cli(["server", "stop"], tmp_path, env)
    assert group_members(state_dir) == []


def test_the_worker_is_stale_once_its_code_or_packages_change(tmp_path):
    root, packages = tmp_path / "project", tmp_path / "site-packages"
    (root / "v2_backfill").mkdir(parents=True)
    (root / "sql").mkdir()
    packages.mkdir()
    module = root / "v2_backfill" / "steps.py"
    module.write_text("A = 1\n")
    seen = code_fingerprint(root, [str(packages)])
    assert code_fingerprint(root, [str(packages)]) == seen
    module.write_text("A = 22\n")
    assert code_fingerprint(root, [str(packages)]) != seen
    seen = code_fingerprint(root, [str(packages)])
    (root / "sql" / "new.sql").write_text("SELECT 1;\n")
    assert code_fingerprint(root, [str(packages)]) != seen
    seen = code_fingerprint(root, [str(packages)])
    os.utime(packages, ns=(0, 0))  # a package installed or removed changes its folder
    assert code_fingerprint(root, [str(packages)]) != seen


def test_what_the_imports_read_of_the_environment():
    environ = {"PREFECT_HOME": "/h", "PREFECT_API_URL": "http://x/api", "GX_X": "1",
               "PYTHONPATH": "/p", "LC_ALL": "C", "HOME": "/root", "PATH": "/bin",
               "PWD": "/tmp", "V2_BACKFILL_FAILPOINT": "x"}  # fmt: skip
    assert relevant_environment(environ) == {
        "PREFECT_HOME": "/h", "GX_X": "1", "PYTHONPATH": "/p", "LC_ALL": "C", "HOME": "/root"
    }  # fmt: skip
