"""Benchmark (not a test): a backfill's steps on a kept generated database, before/after.

    .venv/bin/python bench/steps_cost.py prepare --messages 1000000 --folder /tmp/s1m
    .venv/bin/python bench/steps_cost.py steps --folder /tmp/s1m --statements 0.5
    .venv/bin/python bench/steps_cost.py compare --folder /tmp/s1m --before /tmp/base --rounds 3
    .venv/bin/python bench/steps_cost.py sync --folder /tmp/s1m --statements 0.2

`prepare` generates a legacy database (seeded) with its V2 tables and keeps it in --folder as
a template (a SQLite file; PostgreSQL: database `<folder name>_src` of --admin-url). `steps`
runs a backfill's steps on a fresh copy as `bench/run.py` times them (stage, text rules, write,
audit, publish, clear staging) and prints each one's wall and CPU seconds; with
`--statements S`, also every statement (the pipeline's and GX's) that took at least S
seconds, and each audit check's query timed alone after the audit; with `--validate`, then a
`validate` as `bench/run.py` times it (its statements in the order they ran). `compare` runs
`steps` on a fresh copy with the code of --before and of this tree in turn, alternating, each
in a child process, and prints each step's median and the load average. `sync` times a sync of
`bench/run.py`'s 1,000 legacy changes step by step (as `bench/run.py` does) on a fresh copy of
the template once backfilled (the first `sync` of a --folder backfills the template's copy and
keeps it as a second template); `--statements` as for `steps`; `compare --sync` alternates
`sync`s instead of `steps`.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

HERE = Path(__file__).resolve().parent
sys.path.insert(1, str(HERE))
import publish_cost  # noqa: E402  (its template and copies: one pair of names per --folder)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("prepare", "steps", "compare", "sync"))
    parser.add_argument("--dialect", choices=("postgresql", "sqlite"), default="sqlite")
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--admin-url", default="postgresql://root@127.0.0.1:5432/test")
    parser.add_argument("--folder", type=Path, required=True)
    parser.add_argument("--before", type=Path, help="a tree holding the code to compare with")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--statements", type=float, help="(steps) list statements this slow")
    parser.add_argument("--json", action="store_true", help="(steps) print the timings as JSON")
    parser.add_argument(
        "--validate", action="store_true", help="(steps) then time a validate (statements in order)"
    )
    parser.add_argument("--sync", action="store_true", help="(compare) time syncs, not steps")
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    {"prepare": prepare, "steps": steps, "compare": compare, "sync": sync}[args.command](args)


def prepare(args: argparse.Namespace) -> None:
    publish_cost.generate(args)


def steps(args: argparse.Namespace) -> None:
    import run  # bench/run.py: the steps as it times them

    from v2_backfill.config import BackfillConfig, parse_database_url
    from v2_backfill.db import open_database

    publish_cost._copy(args)
    target = parse_database_url(publish_cost._url(args, publish_cost._names(args)[1]))
    db = open_database(target)
    slow: list[tuple[float, str]] = []
    if args.statements is not None:
        _listen_for_slow_statements(args.statements, slow)
    cpu: dict[str, float] = {}
    config = BackfillConfig(target=target)
    after_audit = (lambda: _time_checks(db, config, slow)) if args.statements is not None else None
    timings = run._backfill(db, config, _cpu_seconds(cpu, after_audit))
    validated, steps_slow = {}, len(slow)
    if args.validate:  # the gate on the published state, as `bench/run.py` times `validate`
        validated["validate"] = _cpu_seconds(cpu, None)(
            "validate", lambda: run._audit(db, "validate", "bench-validate", config)
        )
    if args.json:
        print(json.dumps({"wall": timings, "cpu": cpu, "load": os.getloadavg()[0], **validated}))
    else:
        for step, seconds in {**timings, **validated}.items():
            print(f"{step:<16}{seconds:8.2f}s wall {cpu[step]:8.2f}s CPU")
        print(f"{'total':<16}{sum(timings.values()):8.2f}s   load average {os.getloadavg()}")
    for seconds, statement in sorted(slow[:steps_slow], reverse=True):
        print(f"{seconds:8.2f}s  {' '.join(statement.split())[:300]}")
    if validated and args.statements is not None:
        print("validate, in order:")
        for seconds, statement in slow[steps_slow:]:
            print(f"{seconds:8.2f}s  {' '.join(statement.split())[:300]}")
    db.dispose()


def sync(args: argparse.Namespace) -> None:
    import great_expectations  # noqa: F401  (imported before the timing, as in bench/run.py)
    import run  # bench/run.py: the legacy changes and the sync as it times them

    from v2_backfill import staging
    from v2_backfill.config import BackfillConfig, parse_database_url
    from v2_backfill.db import open_database

    backfilled = _backfilled(args)
    backfilled.folder.mkdir(exist_ok=True)
    source = publish_cost._names(backfilled)[0]
    if not publish_cost._exists(backfilled, source):  # the template, backfilled once
        publish_cost._copy(args)
        db = open_database(
            parse_database_url(publish_cost._url(args, publish_cost._names(args)[1]))
        )
        run._backfill(db, BackfillConfig(target=db.target))
        db.dispose()
        publish_cost._rename(args, publish_cost._names(args)[1], backfilled, source)
    publish_cost._copy(backfilled)
    target = parse_database_url(publish_cost._url(backfilled, publish_cost._names(backfilled)[1]))
    app = open_database(target, bookkeeping=False)
    run._legacy_changes(app, args.seed)
    app.dispose()
    db = open_database(target)
    slow: list[tuple[float, str]] = []
    if args.statements is not None:
        _listen_for_slow_statements(args.statements, slow)
    before = resource.getrusage(resource.RUSAGE_SELF)
    timings, sliced = run._sync(db, BackfillConfig(target=target))
    after = resource.getrusage(resource.RUSAGE_SELF)
    staging.clear_staging(db)
    db.dispose()
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    if args.json:
        print(json.dumps({"wall": timings, "cpu": {"total": cpu}, "load": os.getloadavg()[0]}))
        return
    for step, seconds in timings.items():
        print(f"{step:<16}{seconds:8.2f}s wall")
    print(f"{'total':<16}{sum(timings.values()):8.2f}s wall {cpu:8.2f}s CPU, {sliced} staged, "
          f"load average {os.getloadavg()}")  # fmt: skip
    for seconds, statement in sorted(slow, reverse=True):
        print(f"{seconds:8.2f}s  {' '.join(statement.split())[:300]}")


def _backfilled(args: argparse.Namespace) -> argparse.Namespace:
    """The arguments naming the backfilled template of --folder (`sync`) and its copies."""
    folder = args.folder / f"{args.folder.name}_backfilled"
    return argparse.Namespace(**{**vars(args), "folder": folder})


def _cpu_seconds(
    cpu: dict[str, float], after_audit: Callable[[], None] | None
) -> Callable[[str, Callable[[], Any]], float]:
    """A timer for `run._backfill` that also notes each step's CPU seconds in `cpu`, and runs
    `after_audit` (untimed) once the audit is done."""

    def timed(step: str, work: Callable[[], Any]) -> float:
        before = resource.getrusage(resource.RUSAGE_SELF)
        started = time.perf_counter()
        work()
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_SELF)
        cpu[step] = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        if step == "audit" and after_audit is not None:
            after_audit()
        return wall

    return timed


def _time_checks(db: Any, config: Any, slow: list[tuple[float, str]]) -> None:
    """Time each backfill check's query alone (as `SELECT COUNT(*)` of its rows), into `slow`."""
    import expectations
    from v2_backfill.quality import gate

    params = gate.check_params(db, "backfill", run_id="bench", tolerances=config.tolerances)
    with db.connect() as conn:
        for check in expectations.load_checks():
            if check.applies("backfill", db.dialect):
                for name, _, _, query in expectations.render(check, "backfill", params):
                    started = time.perf_counter()
                    conn.execute(sa.text(f"SELECT COUNT(*) FROM ({query}) AS u")).scalar_one()
                    slow.append((time.perf_counter() - started, f"check {name}"))


def _listen_for_slow_statements(threshold: float, slow: list[tuple[float, str]]) -> None:
    """Note in `slow` every statement of any engine (the frozen copy's and GX's too) that
    takes `threshold` seconds or more."""

    @sa.event.listens_for(sa.Engine, "before_cursor_execute")
    def _started(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        conn.info.setdefault("v2b_started", []).append(time.perf_counter())

    @sa.event.listens_for(sa.Engine, "after_cursor_execute")
    def _ended(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        seconds = time.perf_counter() - conn.info["v2b_started"].pop()
        if seconds >= threshold:
            slow.append((seconds, statement))


def compare(args: argparse.Namespace) -> None:
    trees = {"before": args.before.resolve(), "after": HERE.parent}
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in trees}
    for round_ in range(args.rounds):
        for name in trees if round_ % 2 == 0 else reversed(trees):
            env = {**os.environ, "PYTHONPATH": str(trees[name])}
            command = [sys.executable, str(HERE / "steps_cost.py"),
                       "sync" if args.sync else "steps", "--json",
                       "--dialect", args.dialect, "--folder", str(args.folder)]  # fmt: skip
            done = subprocess.run(command, env=env, cwd=trees[name], check=True,
                                  capture_output=True, text=True)  # fmt: skip
            runs[name].append(json.loads(done.stdout.strip().splitlines()[-1]))
            timings = runs[name][-1]["wall"]
            print(f"round {round_ + 1} {name}: {sum(timings.values()):.1f}s "
                  + " ".join(f"{k}={v:.1f}" for k, v in timings.items())
                  + f" (load {runs[name][-1]['load']:.1f})", flush=True)  # fmt: skip
    copied = _backfilled(args) if args.sync else args
    publish_cost._drop(copied, publish_cost._names(copied)[1])
    step_names = list(runs["before"][0]["wall"])
    print(f"{'median of ' + str(args.rounds):<16}{'before':>9}{'after':>9}{'ratio':>7}"
          f"{'CPU before':>12}{'CPU after':>10}")  # fmt: skip
    for step in [*step_names, "total"]:
        wall, cpu = ({name: statistics.median(_value(r[kind], step) for r in runs[name])
                      for name in trees} for kind in ("wall", "cpu"))  # fmt: skip
        print(
            f"{step:<16}{wall['before']:9.2f}{wall['after']:9.2f}"
            f"{wall['after'] / wall['before']:7.2f}{cpu['before']:12.2f}{cpu['after']:10.2f}"
        )
    loads = [r["load"] for values in runs.values() for r in values]
    print(f"1-min load {min(loads):.1f}-{max(loads):.1f}")


def _value(timings: dict[str, float], step: str) -> float:
    return sum(timings.values()) if step == "total" else timings.get(step, math.nan)


if __name__ == "__main__":
    main()
