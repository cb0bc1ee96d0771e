"""The text rules in child processes beside the database (`v2_backfill.rules_process`): the
same rows as in the parent, on both dialects, with chunks that cut timelines anywhere; a
child that dies fails the step and leaves nothing; Ctrl-C in the parent ends the children."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.factory import AppDatabase
from tests.test_interrupts import Cli, cli_env, our_lines
from tests.test_partitions import stage_attribution
from tests.test_sync_decisions import DIALECTS, generated
from v2_backfill import backfill
from v2_backfill.config import BackfillConfig
from v2_backfill.db import Database, open_database
from v2_backfill.rules_process import RulesProcessError, can_fork
from v2_backfill.runs import FAILPOINT_ENV

CHUNK = 37
"""Rows per chunk: a prime, so chunks end in the middle of timelines, conversations, runs."""


def rules_children() -> list[multiprocessing.process.BaseProcess]:
    return [p for p in multiprocessing.active_children() if p.name == "v2-backfill-rules"]


@contextmanager
def staged(app: AppDatabase) -> Iterator[Database]:
    """`app` staged for the text rules, its adapter open."""
    db = open_database(app.target)
    try:
        with db.begin() as conn:
            db.ensure_bookkeeping(conn)
        backfill.stage_messages(db, BackfillConfig(target=app.target))
        yield db
    finally:
        db.dispose()


@pytest.fixture
def generated_app(request, tmp_path) -> Iterator[AppDatabase]:
    pg = lambda: request.getfixturevalue("pg_database")  # noqa: E731
    with generated(request.param, tmp_path, pg, "rules_process") as app:
        app.create_v2_tables()
        yield app


def test_this_machine_can_start_the_children():
    assert can_fork()  # two cores and fork: otherwise the tests below test the parent only


@pytest.mark.parametrize("generated_app", DIALECTS, indirect=True)
def test_the_child_decides_as_the_parent(generated_app):
    app = generated_app
    beside = BackfillConfig(target=app.target, chunk_size=CHUNK)
    here = BackfillConfig(target=app.target, chunk_size=CHUNK, rules_process=False)
    seen: set[int] = set()

    def progress(done: int, total: int) -> None:
        seen.update(p.pid for p in rules_children())

    with staged(app) as db:
        decided_here = backfill.attribute_bucket(db, here, 0, 1, progress)
        in_parent = stage_attribution(app)
        assert not seen
        decided_beside = backfill.attribute_bucket(db, beside, 0, 1, progress)
    assert len(seen) == 2  # two children did the work
    assert decided_here == decided_beside == len(in_parent) > 10 * CHUNK
    assert stage_attribution(app) == in_parent
    assert {row[2] for row in in_parent} >= {"address_mention", "topic_run", None}
    assert not rules_children()


@pytest.mark.sqlite
def test_a_child_that_dies_fails_the_step_and_leaves_nothing(app, monkeypatch):
    from tests.test_partitions import scenario

    scenario(app)
    app.create_v2_tables()
    config = BackfillConfig(target=app.target, chunk_size=4)
    with staged(app) as db:
        monkeypatch.setenv(FAILPOINT_ENV, "rules-process")  # the child SIGKILLs itself
        with pytest.raises(RulesProcessError, match=r"ended before .* \(exit code -9\)"):
            backfill.attribute_bucket(db, config, 0, 1)
        monkeypatch.delenv(FAILPOINT_ENV)
        assert stage_attribution(app) == []  # rolled back
        assert not rules_children()
        assert backfill.attribute_bucket(db, config, 0, 1) > 0  # and the next try works


@pytest.mark.sqlite
def test_ctrl_c_in_the_parent_ends_the_children(app):
    from tests.test_partitions import scenario

    scenario(app)
    app.create_v2_tables()
    config = BackfillConfig(target=app.target, chunk_size=4)
    children: list[multiprocessing.process.BaseProcess] = []

    def interrupt(done: int, total: int) -> None:
        children.extend(rules_children())
        raise KeyboardInterrupt

    with staged(app) as db, pytest.raises(KeyboardInterrupt):
        backfill.attribute_bucket(db, config, 0, 1, interrupt)
    assert children and all(child.exitcode is not None for child in children)
    assert not rules_children()
    assert stage_attribution(app) == []


def children_of(pid: int) -> list[int]:
    """The processes whose parent is `pid`."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def alive(pids: list[int]) -> list[int]:
    return [pid for pid in pids if Path(f"/proc/{pid}").exists()]


def rules_running(app: AppDatabase, tmp_path: Path, api_url: str) -> tuple[Cli, list[int]]:
    """A CLI backfill of `app` whose rules' children each hold their first chunk for a while;
    returns it and them, once both have started."""
    from tests.test_partitions import scenario

    scenario(app)
    app.create_v2_tables()
    env = cli_env(api_url, **{FAILPOINT_ENV: "rules-process:sleep=5"})
    args = ["backfill", "--db", app.url, "--chunk-size", "4", "--quarantine-fail", "100%"]
    run = Cli(args, tmp_path, env)
    deadline = time.monotonic() + 120
    while len(children := children_of(run.process.pid)) < 2:
        assert run.process.poll() is None, run.stderr[-3000:]
        assert time.monotonic() < deadline, f"no rules' children:\n{run.stderr[-3000:]}"
        time.sleep(0.05)
    return run, children


def wait_gone(pids: list[int], seconds: float) -> list[int]:
    deadline = time.monotonic() + seconds
    while alive(pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    return alive(pids)


@pytest.mark.sqlite
def test_ctrl_c_on_the_command_stops_it_cleanly_with_its_children(
    app, prefect_api_url, run_backfill, tmp_path
):
    run, children = rules_running(app, tmp_path, prefect_api_url)
    run.process.send_signal(signal.SIGINT)
    assert run.finish() == 130, run.stderr[-3000:]
    assert "Traceback" not in run.stderr
    assert our_lines(run.stderr)[-1].startswith("v2-backfill: error: interrupted by SIGINT")
    assert wait_gone(children, 10) == []
    assert run_backfill(app.url)["messages_copied"] > 0  # the next run works, and marks it
    statuses = "SELECT status FROM v2_backfill.runs ORDER BY started_at"
    assert [r.status for r in app.rows(statuses)][0] == "interrupted"


@pytest.mark.sqlite
def test_the_children_of_a_killed_command_end_by_themselves(app, prefect_api_url, tmp_path):
    run, children = rules_running(app, tmp_path, prefect_api_url)
    run.process.kill()
    run.finish()
    assert wait_gone(children, 30) == []  # they find their parent's pipe closed


def forked_in_order(a: int, b: int) -> tuple[int, int]:
    """Two processes forked one after the other, the earlier first: by their start (clock ticks
    since boot), within one tick by pid, which the kernel hands out in turn modulo pid_max (so
    that 5 comes after 32760 once the pids wrap, as they do in a long suite)."""
    ticks = [int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19])
             for pid in (a, b)]  # fmt: skip
    if ticks[0] != ticks[1]:
        return (a, b) if ticks[0] < ticks[1] else (b, a)
    pid_max = int(Path("/proc/sys/kernel/pid_max").read_text())
    return (a, b) if (b - a) % pid_max < pid_max // 2 else (b, a)


def pipes_of(pid: int) -> set[str]:
    """The pipes `pid` holds an end of (`pipe:[inode]`)."""
    found = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):  # closed meanwhile
            if (target := os.readlink(fd)).startswith("pipe:"):
                found.add(target)
    return found


@pytest.mark.sqlite
def test_a_child_ends_with_its_parent_whatever_its_sibling_does(app, prefect_api_url, tmp_path):
    """Once the second child has closed the parent's ends of the first's pipes (the pipes the
    first holds and the second no longer does: its own two), the first ends when the parent
    does even while the second is stopped (it used to wait for the second)."""
    run, children = rules_running(app, tmp_path, prefect_api_url)
    first, second = forked_in_order(*children)
    deadline = time.monotonic() + 30
    while len(pipes_of(first) - pipes_of(second)) < 2:  # the second yet holds the first's pipes
        assert time.monotonic() < deadline, "the second child kept the parent's ends of the first's"
        time.sleep(0.05)
    os.kill(second, signal.SIGSTOP)
    try:
        run.process.kill()
        run.finish()
        assert wait_gone([first], 30) == []
    finally:
        os.kill(second, signal.SIGKILL)
    assert wait_gone([second], 10) == []
