"""Ctrl-C, SIGTERM, unreachable services and a full disk, on the real command in its own
process (issue 20): the first signal stops a run cleanly (recorded `interrupted`, exit 130 /
143, one line, nothing published); an unreachable Prefect API or Dask scheduler is refused
before any work; a full disk is one line naming it. Every wait is bounded: a hang fails the
test, never CI."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import FIXTURE_DB
from tests.test_backfill_runs import V2, busy_timeline
from v2_backfill.runs import FAILPOINT_ENV

BOUND_SECONDS = 300
"""No CLI run of these tests may take longer (Prefect's start on a busy machine included)."""


class Cli:
    """`v2-backfill ARGS` running in its own process; its stderr collected as it comes."""

    def __init__(self, args: list[str], cwd: Path, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "v2_backfill.cli", *args], cwd=cwd, env=env,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line)

    @property
    def stderr(self) -> str:
        return "".join(self.lines)

    def wait_for(self, text: str, timeout: float = BOUND_SECONDS) -> None:
        """Until `text` shows on stderr; fails when the process ends or the time is up."""
        deadline = time.monotonic() + timeout
        while text not in self.stderr:
            assert self.process.poll() is None, f"ended early:\n{self.stderr[-3000:]}"
            assert time.monotonic() < deadline, f"no {text!r} in time:\n{self.stderr[-3000:]}"
            time.sleep(0.1)

    def finish(self, timeout: float = BOUND_SECONDS) -> int:
        """Wait for the process to end (killed if it takes too long); its exit code."""
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            pytest.fail(f"the CLI hung:\n{self.stderr[-3000:]}")
        self.reader.join(10)
        return self.process.returncode


def cli_env(api_url: str | None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    return env | ({"PREFECT_API_URL": api_url} if api_url else {}) | extra


def run_cli(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "v2_backfill.cli", *args], cwd=cwd, env=env,
        capture_output=True, text=True, timeout=BOUND_SECONDS, check=False,
    )  # fmt: skip


def our_lines(stderr: str) -> list[str]:
    """The lines the CLI itself printed (not Prefect's logs)."""
    return [line for line in stderr.splitlines() if line.startswith("v2-backfill:")]


def free_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def interrupt(url: str, cwd: Path, api_url: str, signum: int, times: int = 1) -> Cli:
    """A backfill of `url` held after staging (the run lock held, mid-flow), sent `signum`
    `times` times; returns it ended."""
    env = cli_env(api_url, **{FAILPOINT_ENV: "after-stage:sleep=120"})
    run = Cli(["backfill", "--db", url, "--quarantine-fail", "100%"], cwd, env)
    run.wait_for("staged ")
    time.sleep(1)
    started = time.monotonic()
    for _ in range(times):  # a second Ctrl-C while the first one is being handled
        run.process.send_signal(signum)
        time.sleep(0.3)
    code = run.finish()
    assert code == 128 + signum, run.stderr[-3000:]
    assert time.monotonic() - started < 60  # not the failpoint's two minutes
    assert "Traceback" not in run.stderr
    assert our_lines(run.stderr) == [
        f"v2-backfill: error: interrupted by {signal.Signals(signum).name}: the command "
        "stopped; a run it started is recorded as interrupted, and publishing is one "
        "transaction, so nothing is half-published"
    ]
    return run


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_stops_the_run_cleanly(app, prefect_api_url, run_backfill, tmp_path, signum):
    busy_timeline(app)
    app.create_v2_tables()
    interrupt(app.url, tmp_path, prefect_api_url, signum)
    assert [r.status for r in app.rows("SELECT status FROM v2_backfill.runs")] == ["interrupted"]
    assert all(app.table_dump(table) == [] for table in V2)  # nothing published
    assert run_backfill(app.url)["messages_copied"] == 3  # and the next run works


@pytest.mark.sqlite
def test_a_second_ctrl_c_during_the_cleanup_prints_no_traceback(
    fixture_db, prefect_api_url, run_backfill
):
    before = _v2_counts(fixture_db)
    interrupt(f"file:{fixture_db}", fixture_db.parent, prefect_api_url, signal.SIGINT, times=2)
    assert _v2_counts(fixture_db) == before
    assert run_backfill(f"file:{fixture_db}")["messages_copied"] == 9


def _v2_counts(database: Path) -> dict[str, int]:
    with sqlite3.connect(database) as conn:
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in V2}


@pytest.mark.sqlite
def test_unreachable_prefect_api_is_refused_before_any_work(fixture_db, tmp_path):
    url = f"http://127.0.0.1:{free_port()}/api"
    started = time.monotonic()
    done = run_cli(["backfill", "--db", f"file:{fixture_db}", "--json"], tmp_path, cli_env(url))
    assert time.monotonic() - started < 30  # the interpreter's start; no Prefect, no run
    assert done.returncode == 2, done.stderr[-3000:]
    assert our_lines(done.stderr)[0].startswith(
        f"v2-backfill: error: the Prefect API at PREFECT_API_URL={url} does not answer:"
    )
    assert "fix: start that server" in done.stderr and "Traceback" not in done.stderr
    assert '"code": 2' in done.stdout
    assert not Path(f"{fixture_db}.v2_backfill.sqlite").exists()  # nothing written
    assert fixture_db.read_bytes() == FIXTURE_DB.read_bytes()


@pytest.mark.sqlite
def test_unreachable_dask_scheduler_is_refused_before_any_work(
    fixture_db, prefect_api_url, tmp_path
):
    address = f"tcp://127.0.0.1:{free_port()}"
    started = time.monotonic()
    done = run_cli(
        ["backfill", "--db", f"file:{fixture_db}", "--partitions", "2", "--dask-address", address],
        tmp_path, cli_env(prefect_api_url),
    )  # fmt: skip
    assert time.monotonic() - started < 30
    assert done.returncode == 2, done.stderr[-3000:]
    assert our_lines(done.stderr) == [
        f"v2-backfill: error: the Dask scheduler at --dask-address {address} does not answer: "
        "Connection refused (waited up to 3s)"
    ]
    assert "fix: start it (`dask scheduler`)" in done.stderr
    assert not Path(f"{fixture_db}.v2_backfill.sqlite").exists()
    assert fixture_db.read_bytes() == FIXTURE_DB.read_bytes()


@pytest.fixture
def tiny_filesystem(tmp_path: Path) -> Iterator[Path]:
    """A 2 MB tmpfs (root only: `mount`), unmounted afterwards."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs to fill: {made.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], timeout=30, check=False)


def fill(folder: Path, leave_kb: int) -> None:
    """Fill `folder`'s filesystem up to `leave_kb` KB."""
    free_kb = shutil.disk_usage(folder).free // 1024
    (folder / "filler").write_bytes(b"\0" * max(0, free_kb - leave_kb) * 1024)


@pytest.mark.sqlite
def test_full_disk_under_the_database_is_one_line(tiny_filesystem, prefect_api_url):
    database = tiny_filesystem / "dev.db"
    shutil.copyfile(FIXTURE_DB, database)
    fill(tiny_filesystem, leave_kb=40)
    done = run_cli(
        ["backfill", "--db", f"file:{database}", "--report-dir", "report"],
        tiny_filesystem.parent, cli_env(prefect_api_url),
    )  # fmt: skip
    assert done.returncode == 2, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    assert our_lines(done.stderr) == [
        f"v2-backfill: error: the disk is full: SQLite could not write {database}, its "
        "bookkeeping file or the run's copy of it (database or disk is full)"
    ]
    assert f"fix: free space on the filesystem of {tiny_filesystem}" in done.stderr
    assert database.read_bytes() == FIXTURE_DB.read_bytes()  # nothing published


@pytest.mark.sqlite
def test_full_disk_under_the_report_is_one_line(fixture_db, tiny_filesystem, prefect_api_url):
    report = tiny_filesystem / "report"
    report.mkdir()
    fill(tiny_filesystem, leave_kb=0)
    done = run_cli(
        ["backfill", "--db", f"file:{fixture_db}", "--report-dir", str(report)],
        fixture_db.parent, cli_env(prefect_api_url),
    )  # fmt: skip
    assert done.returncode == 2, done.stderr[-3000:]
    assert "Traceback" not in done.stderr  # GX logs its Data Docs failure in one line
    assert our_lines(done.stderr) == [
        f"v2-backfill: error: the disk is full: cannot write the run's report or GX Data Docs "
        f"in {report} (No space left on device)"
    ]
    assert fixture_db.read_bytes() == FIXTURE_DB.read_bytes()  # the audit failed: no publish
