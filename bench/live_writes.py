"""Benchmark (not a test): backfills while the old app writes, next to quiet ones.

    .venv/bin/python bench/live_writes.py --dialect postgresql --messages 1000000 --rate 20
    .venv/bin/python bench/live_writes.py --dialect sqlite --messages 100000 --journal delete

Generates one legacy dataset (seeded) and gives every run a copy of it (PostgreSQL: a database
made from it as a template; SQLite: a file copy, in the journal mode asked). Runs alternate, in
this one invocation: `v2-backfill backfill --json` as a user runs it (the whole CLI process)
on a quiet copy, then on a copy the old app writes to — `tests/live_writer.py`, a separate
process committing `--rate` changes a second (new messages, read receipts, edits) from before
the backfill starts until after it ends —, then, the writer stopped, one `v2-backfill sync`.
Prints the median wall times (and each run's step timings), whether every run passed its
gate, what the app changed after each snapshot, and how long the writer's commits took
(median, 99th percentile, slowest: how long the pipeline made the app wait); writes them as
JSON to bench/results/.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from devtools.demo import write_postgres, write_sqlite  # noqa: E402
from tests import live_writer  # noqa: E402

CLI = str(Path(sys.executable).with_name("v2-backfill"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dialect", choices=("sqlite", "postgresql"), default="postgresql")
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--rate", type=float, default=20.0, help="writer changes per second")
    parser.add_argument("--runs", type=int, default=1, help="quiet and live runs, each")
    parser.add_argument("--journal", choices=("delete", "wal"), default="delete")
    parser.add_argument("--admin-url", default="postgresql://root@127.0.0.1:5432/test")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="v2b-live-") as folder:
        copies = _Copies(args, Path(folder))
        try:
            results = _bench(args, copies, Path(folder))
        finally:
            copies.drop()
    name = f"live-{args.dialect}-{args.messages}" + (
        f"-{args.journal}" if args.dialect == "sqlite" else ""
    )
    out = ROOT / "bench" / "results" / f"{name}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    print(f"results written to {out}")


class _Copies:
    """One generated dataset, and a fresh copy of it per run."""

    def __init__(self, args: argparse.Namespace, folder: Path) -> None:
        self.args = args
        self.made: list[str] = []
        started = time.perf_counter()
        if args.dialect == "sqlite":
            self.source = folder / "source.db"
            write_sqlite(self.source, args.messages, seed=args.seed)
        else:
            self.source_db = f"v2b_live_{uuid.uuid4().hex[:8]}"
            self._admin(f'CREATE DATABASE "{self.source_db}"')
            write_postgres(self._url(self.source_db), args.messages, seed=args.seed)
        print(f"generated {args.messages} messages in {time.perf_counter() - started:.0f}s")

    def fresh(self, folder: Path, label: str) -> str:
        """A new copy of the dataset; returns its URL."""
        if self.args.dialect == "sqlite":
            path = folder / f"{label}.db"
            shutil.copyfile(self.source, path)
            import sqlite3

            with sqlite3.connect(path) as conn:
                conn.execute(f"PRAGMA journal_mode = {self.args.journal}")
            return f"file:{path}"
        name = f"{self.source_db}_{label}"
        self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.source_db}"')
        self.made.append(name)
        return self._url(name)

    def drop(self) -> None:
        if self.args.dialect == "postgresql":
            for name in [*self.made, self.source_db]:
                self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _url(self, database: str) -> str:
        base = sa.engine.make_url(self.args.admin_url).set(database=database)
        return base.render_as_string(hide_password=False) + "?schema=bench"

    def _admin(self, statement: str) -> None:
        url = sa.engine.make_url(self.args.admin_url).set(drivername="postgresql+psycopg")
        engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.exec_driver_sql(statement)
        engine.dispose()


def _bench(args: argparse.Namespace, copies: _Copies, folder: Path) -> dict[str, Any]:
    quiet: list[dict[str, Any]] = []
    live: list[dict[str, Any]] = []
    for run in range(args.runs):
        quiet.append(_cli("backfill", copies.fresh(folder, f"quiet{run}"), folder))
        url = copies.fresh(folder, f"live{run}")
        stop = live_writer.start(sys.executable, url, folder / f"writer{run}.json",
                                 interval=1 / args.rate)  # fmt: skip
        try:
            outcome = _cli("backfill", url, folder)
        finally:
            writes = stop()
        outcome["writer"] = _latencies(writes)
        outcome["sync"] = _cli("sync", url, folder)
        live.append(outcome)
        print(f"run {run + 1}: quiet {quiet[-1]['seconds']}s, live {outcome['seconds']}s")
    return {
        "dialect": args.dialect,
        "journal_mode": args.journal if args.dialect == "sqlite" else None,
        "legacy_messages": args.messages,
        "writer_changes_per_second": args.rate,
        "quiet_seconds_median": statistics.median(r["seconds"] for r in quiet),
        "live_seconds_median": statistics.median(r["seconds"] for r in live),
        "quiet": quiet,
        "live": live,
    }


def _cli(command: str, url: str, folder: Path) -> dict[str, Any]:
    """One CLI run as a user makes it; its wall time and the figures of its summary."""
    report = folder / f"report-{uuid.uuid4().hex[:6]}"
    started = time.perf_counter()
    done = subprocess.run(
        [CLI, command, "--db", url, "--json", "--report-dir", str(report)],
        capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    seconds = round(time.perf_counter() - started, 1)
    if done.returncode != 0:
        print(done.stderr[-3000:], file=sys.stderr)
        return {"seconds": seconds, "exit_code": done.returncode}
    summary = json.loads(done.stdout)
    steps = json.loads((report / "summary.json").read_text())["run"]["step_seconds"]
    return {
        "seconds": seconds,
        "step_seconds": steps,
        "exit_code": 0,
        "gate_passed": summary["gate_passed"],
        "messages_copied": summary["messages_copied"],
        "messages_updated": summary["messages_updated"],
        "changes_after_snapshot": summary["changes_after_snapshot"],
    }


def _latencies(writes: dict[str, Any]) -> dict[str, Any]:
    seconds = sorted(writes["seconds"])
    return {
        "changes": len(seconds),
        "errors": len(writes["errors"]),
        "first_errors": writes["errors"][:3],
        "median_ms": round(1000 * statistics.median(seconds), 1),
        "p99_ms": round(1000 * seconds[int(0.99 * (len(seconds) - 1))], 1),
        "max_ms": round(1000 * seconds[-1], 1),
    }


if __name__ == "__main__":
    main()
