"""Benchmark (not a test): the text-rules step of two checkouts, side by side on one database.

    .venv/bin/python bench/text_rules_speed.py --base /work/wt-base27 --messages 1000000

One SQLite database is generated (this checkout's generator, seeded), then staged once by
each checkout's own code (`stage_messages` in a subprocess run from that checkout, with its
own venv, its root first on the path). Each timed run copies its checkout's staged files
afresh and times only `attribute_shared_messages` in a fresh subprocess of that checkout;
the runs alternate base and branch (`--pairs` pairs, the first of each pair alternating
too). Prints each run with the load average, its CPU (the rules' child processes included)
and the part of it spent in the database (inside the adapter's statement calls: the streams'
reads, the bulk load, the fold), the medians, the median of the pairs' ratios (branch /
base) and the load average at the end. Both checkouts need `make setup`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, help="the checkout to compare with (required)")
    parser.add_argument("--branch", type=Path, default=HERE.parent, help="default: this one")
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument(
        "--folder", type=Path,
        help="work here instead of a temporary folder, and keep its generated legacy.db for "
        "the next invocation (same --messages and --seed)",
    )  # fmt: skip
    parser.add_argument("--child", choices=("stage", "time"), help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.db)
        return
    if args.base is None:
        parser.error("--base is required")
    checkouts = {"base": args.base.resolve(), "branch": args.branch.resolve()}
    with tempfile.TemporaryDirectory(prefix="v2b-text-speed-") as folder:
        root = args.folder or Path(folder)
        if not (root / "legacy.db").exists():
            sys.path.insert(0, str(checkouts["branch"]))
            from devtools.demo import write_sqlite

            root.mkdir(parents=True, exist_ok=True)
            write_sqlite(root / "legacy.db", args.messages, args.seed)
            print(f"generated {args.messages} messages, seed {args.seed}", flush=True)
        for label, checkout in checkouts.items():
            shutil.rmtree(root / label, ignore_errors=True)
            (root / label).mkdir()
            shutil.copyfile(root / "legacy.db", root / label / "bench.db")
            staged = _run_child(checkout, "stage", root / label / "bench.db")
            print(f"{label} ({_commit(checkout)}) staged: {staged}", flush=True)
        timings: dict[str, dict[str, list[float]]] = {
            label: {"seconds": [], "cpu": [], "database": []} for label in checkouts
        }
        for pair in range(args.pairs):
            order = list(checkouts) if pair % 2 == 0 else list(checkouts)[::-1]
            for label in order:
                run = root / "run"
                shutil.rmtree(run, ignore_errors=True)
                shutil.copytree(root / label, run)
                timed = _run_child(checkouts[label], "time", run / "bench.db")
                for kind, found in timings[label].items():
                    found.append(timed[kind])
                print(f"pair {pair + 1} {label:<6} {timed['seconds']:7.2f} s (CPU "
                      f"{timed['cpu']:.2f} s, database {timed['database']:.2f} s)  decided "
                      f"{timed['decided']}  load {_load()}", flush=True)  # fmt: skip
    for kind in ("seconds", "cpu", "database"):
        base, branch = timings["base"][kind], timings["branch"][kind]
        ratios = [b / a for a, b in zip(base, branch, strict=True)]
        low, high = statistics.median(base), statistics.median(branch)
        print(f"{kind}: median base {low:.2f} s, branch {high:.2f} s: {high / low:.2f}x; "
              f"median of the pairs' ratios {statistics.median(ratios):.2f}x "
              f"({', '.join(f'{r:.2f}' for r in ratios)})")  # fmt: skip
    print(f"load average at the end {_load()}")


def _run_child(checkout: Path, step: str, db: Path) -> dict:
    """Run `step` in a fresh subprocess of `checkout` (its venv, its root first on the path)."""
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    command = [str(checkout / ".venv/bin/python"), str(Path(__file__).resolve()),
               "--child", step, "--db", str(db)]  # fmt: skip
    done = subprocess.run(command, cwd=checkout, env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{checkout}: {step} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _child(step: str, path: Path) -> None:
    """In a checkout's subprocess: stage the database, or time its text rules."""
    sys.path.insert(0, str(Path.cwd()))
    import v2_backfill
    from v2_backfill import backfill, runs
    from v2_backfill.config import BackfillConfig, parse_database_url
    from v2_backfill.db import open_database

    if not Path(v2_backfill.__file__).resolve().is_relative_to(Path.cwd().resolve()):
        raise SystemExit(f"{v2_backfill.__file__} is not the code of {Path.cwd()}")
    target = parse_database_url(f"file:{path}")
    config = BackfillConfig(target=target)
    db = open_database(target)
    try:
        if step == "stage":
            checker = open_database(target, bookkeeping=False)
            backfill.create_v2_tables(checker, backfill.preflight(checker))
            checker.dispose()
            runs.start_run(db, runs.new_run_id(), "bench-text-speed", config.run_params())
            with db.frozen():
                print(json.dumps({"staged": backfill.stage_messages(db, config)}))
            return
        database = _time_statements(db)
        with db.frozen():
            started, cpu = time.perf_counter(), _cpu()
            decided = backfill.attribute_shared_messages(db, config)
            seconds, cpu = time.perf_counter() - started, _cpu() - cpu
        print(json.dumps({"seconds": seconds, "cpu": cpu, "database": database[0],
                          "decided": decided}))  # fmt: skip
    finally:
        db.dispose()


def _cpu() -> float:
    """The CPU seconds of this process and of its children that have ended (the rules'
    child processes)."""
    spent = os.times()
    return spent.user + spent.system + spent.children_user + spent.children_system


def _time_statements(db: Any) -> list[float]:
    """Count the seconds `db` spends in its statement calls (`run`, `query`, `bulk_insert`,
    and a `stream`'s chunks as they are read) into the returned one-item list."""
    spent = [0.0]

    def timed(call: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return call(*args, **kwargs)
            finally:
                spent[0] += time.perf_counter() - started

        return wrapper

    def streamed(call: Callable[..., Iterator[Any]]) -> Callable[..., Iterator[Any]]:
        def wrapper(*args: Any, **kwargs: Any) -> Iterator[Any]:
            chunks = call(*args, **kwargs)
            while True:
                started = time.perf_counter()
                chunk = next(chunks, None)
                spent[0] += time.perf_counter() - started
                if chunk is None:
                    return
                yield chunk

        return wrapper

    for name in ("run", "query", "bulk_insert"):
        setattr(db, name, timed(getattr(db, name)))
    db.stream = streamed(db.stream)
    return spent


def _commit(checkout: Path) -> str:
    return subprocess.run(["git", "-C", str(checkout), "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


if __name__ == "__main__":
    main()
