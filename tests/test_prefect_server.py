"""The CLI's local background Prefect server (issue 19, issue 20 item 4): started on first use
in a session of its own, reused by the next command even after `kill -9` of the one that
started it, shared by commands starting together, stopped by `server stop` or after its idle
period. Each test has its own state folder and stops its server at the end; every wait is
bounded."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_interrupts import BOUND_SECONDS, Cli, run_cli
from v2_backfill.errors import ServiceUnreachable, UsageError
from v2_backfill.prefect_server import ServerSettings, configured_api_url
from v2_backfill.runs import FAILPOINT_ENV
from v2_backfill.services import check_dask


@pytest.fixture
def state_dir(tmp_path: Path) -> Iterator[Path]:
    """An isolated state folder; whatever server it holds is stopped afterwards."""
    folder = tmp_path / "prefect-state"
    yield folder
    run_cli(["server", "stop"], tmp_path, background_env(folder))
    assert group_members(folder) == []


def background_env(state_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of an operator without PREFECT_API_URL: the background server."""
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    return env | {"V2_BACKFILL_PREFECT_SERVER": "background",
                  "V2_BACKFILL_PREFECT_STATE": str(state_dir), **extra}  # fmt: skip


def state(state_dir: Path) -> dict:
    return json.loads((state_dir / "state.json").read_text())


def group_members(state_dir: Path) -> list[int]:
    """The pids of the processes in the process group of the supervisor `state_dir` names
    (every pid it ever named, so a server left behind counts)."""
    groups = {int(line) for line in _pids_seen(state_dir)}
    members = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                stat = (proc / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[2]) in groups and fields[0] != "Z":
                members.append(int(proc.name))
    return members


def _pids_seen(state_dir: Path) -> list[str]:
    seen = state_dir / "pids-seen"
    return seen.read_text().split() if seen.exists() else []


def remember(state_dir: Path) -> int:
    """Note the supervisor the state file names (for `group_members`); return its pid."""
    pid = state(state_dir)["supervisor_pid"]
    with open(state_dir / "pids-seen", "a") as seen:
        seen.write(f"{pid}\n")
    return pid


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not in {timeout}s: {what}"
        time.sleep(0.5)


@pytest.mark.sqlite
def test_killed_cli_leaves_a_server_the_next_one_reuses_then_stop_ends_it(
    fixture_db, state_dir, tmp_path
):
    env = background_env(state_dir)
    first = Cli(["backfill", "--db", f"file:{fixture_db}"], tmp_path,
                env | {FAILPOINT_ENV: "after-stage:sleep=120"})  # fmt: skip
    first.wait_for("staged ")
    assert "starting a local Prefect server in the background" in first.stderr
    supervisor = remember(state_dir)
    servers = group_members(state_dir)
    assert len(servers) == 3  # the supervisor, `prefect server start` and the warm worker
    assert os.getpgid(supervisor) != os.getpgid(first.process.pid)
    first.process.send_signal(signal.SIGKILL)
    assert first.finish() == -signal.SIGKILL

    second = run_cli(["backfill", "--db", f"file:{fixture_db}", "--json"], tmp_path, env)
    assert second.returncode == 0, second.stderr[-3000:]
    assert "starting a local Prefect server" not in second.stderr  # reused
    assert json.loads(second.stdout)["messages_copied"] == 9
    assert state(state_dir)["supervisor_pid"] == supervisor
    assert group_members(state_dir) == servers  # no second server
    status = run_cli(["server", "status", "--json"], tmp_path, env)
    assert json.loads(status.stdout)["running"] is True

    stopped = run_cli(["server", "stop"], tmp_path, env)
    assert stopped.returncode == 0, stopped.stderr
    assert "stopped the server at http://127.0.0.1:" in stopped.stdout
    assert group_members(state_dir) == []
    assert not (state_dir / "state.json").exists()
    status = run_cli(["server", "status"], tmp_path, env)
    assert status.stdout.strip().endswith("not running")


def test_commands_starting_together_share_one_server_that_stops_when_idle(state_dir, tmp_path):
    env = background_env(state_dir, V2_BACKFILL_PREFECT_IDLE="5s")
    starts = [
        subprocess.Popen(
            [sys.executable, "-m", "v2_backfill.cli", "server", "start", "--json"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for _ in range(2)
    ]
    outputs = [start.communicate(timeout=BOUND_SECONDS) for start in starts]
    assert [start.returncode for start in starts] == [0, 0], [err for _, err in outputs]
    facts = [json.loads(out) for out, _ in outputs]
    assert facts[0]["supervisor_pid"] == facts[1]["supervisor_pid"]
    assert facts[0]["running"] and facts[0]["stops_after_idle_seconds"] == 5
    remember(state_dir)
    assert sum("starting a local Prefect server" in err for _, err in outputs) == 1
    assert len(group_members(state_dir)) == 3  # the supervisor, the server, the warm worker

    wait_until(lambda: group_members(state_dir) == [], 60, "the idle server stopped")
    assert not (state_dir / "state.json").exists()


def test_the_api_url_of_the_active_prefect_profile_counts(tmp_path):
    profiles = tmp_path / "profiles.toml"
    profiles.write_text(
        'active = "work"\n[profiles.work]\nPREFECT_API_URL = "http://prefect:4200/api"\n'
        '[profiles.other]\nPREFECT_API_URL = "http://other:4200/api"\n'
    )
    environ = {"PREFECT_PROFILES_PATH": str(profiles)}
    assert configured_api_url(environ) == "http://prefect:4200/api"
    assert configured_api_url(environ | {"PREFECT_PROFILE": "other"}) == "http://other:4200/api"
    assert configured_api_url(environ | {"PREFECT_API_URL": "http://env/api"}) == "http://env/api"
    assert configured_api_url({"PREFECT_HOME": str(tmp_path / "none")}) is None


def test_settings_from_the_environment(tmp_path):
    settings = ServerSettings.from_environ(
        {
            "XDG_CACHE_HOME": str(tmp_path),
            "V2_BACKFILL_PREFECT_IDLE": "2m",
            "PREFECT_HOME": str(tmp_path),
        }  # fmt: skip
    )
    assert settings.mode == "background" and settings.api_url is None
    assert settings.state_dir == tmp_path / "v2-backfill" / "prefect"
    assert settings.idle_seconds == 120
    with pytest.raises(UsageError, match="is none of background, temporary"):
        ServerSettings.from_environ({"V2_BACKFILL_PREFECT_SERVER": "always"})


def test_dask_address_that_refuses_is_unreachable():
    with pytest.raises(ServiceUnreachable, match="does not answer: Connection refused"):
        check_dask("tcp://127.0.0.1:9")
    with pytest.raises(UsageError, match="not HOST:PORT"):
        check_dask("tcp://127.0.0.1:port")
