"""Benchmark (not a test): the publish step alone, statement by statement and before/after.

    .venv/bin/python bench/publish_cost.py prepare --dialect postgresql --messages 300000
    .venv/bin/python bench/publish_cost.py explain --dialect postgresql
    .venv/bin/python bench/publish_cost.py compare --dialect postgresql --before /tmp/base

`prepare` generates a legacy database (seeded) and runs a backfill's steps up to the publish
(stage, text rules, write, audit), keeping the state as a template: a PostgreSQL database
`<folder name>_src` (schema `app`) of --admin-url, or a SQLite file and its sidecar in --folder.
`explain` runs the publish's statements one by one in a transaction that is rolled back
(PostgreSQL: each under `EXPLAIN (ANALYZE, BUFFERS, WAL)`) and prints each one's time, then
the planner statistics' refresh. `compare` publishes a fresh copy of the template (`CREATE
DATABASE ... TEMPLATE`, or a file copy) with the code of --before and of this tree in
turn, alternating, each in a child process that times `backfill.publish` alone; prints the
median of --rounds and the load average.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

if TYPE_CHECKING:
    from v2_backfill.config import DatabaseTarget

HERE = Path(__file__).resolve().parent
RUN_ID_FILE = "run_id"
PUBLISH_FILES = ("publish_staged", "publish_changes", "publish_deletions", "recount_conversations")
"""The publish's SQL files in their order (`backfill.publish` skips publish_changes when
nothing staged is a move or an update, as on a backfill: run here to show what it would cost)."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("prepare", "explain", "compare", "publish"))
    parser.add_argument("--dialect", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--messages", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--admin-url", default="postgresql://root@127.0.0.1:5432/test")
    parser.add_argument("--folder", type=Path, default=Path(tempfile.gettempdir()) / "pubcost")
    parser.add_argument("--before", type=Path, help="a tree holding the code to compare with")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--url", help="(publish) the database to publish")
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    {"prepare": prepare, "explain": explain, "compare": compare, "publish": publish_once}[
        args.command
    ](args)


def _names(args: argparse.Namespace) -> tuple[str, str]:
    """The template's name and its copy's, after --folder (one pair per prepared dataset)."""
    return f"{args.folder.name}_src", f"{args.folder.name}_run"


def _url(args: argparse.Namespace, name: str) -> str:
    if args.dialect == "sqlite":
        return f"file:{args.folder / (name + '.db')}"
    return f"{args.admin_url.rsplit('/', 1)[0]}/{name}?schema=app"


def generate(args: argparse.Namespace) -> DatabaseTarget:
    """A freshly generated database (`--messages`, `--seed`) in place of the kept source, its
    V2 tables created; returns its target."""
    from devtools.demo import write_postgres, write_sqlite
    from v2_backfill import backfill
    from v2_backfill.config import parse_database_url
    from v2_backfill.db import open_database

    _drop(args, _names(args)[0])
    if args.dialect == "postgresql":
        _admin(args, f"CREATE DATABASE {_names(args)[0]}")
    url = _url(args, _names(args)[0])
    target = parse_database_url(url)
    started = time.perf_counter()
    if args.dialect == "sqlite":
        write_sqlite(target.sqlite_path, messages=args.messages, seed=args.seed)
    else:
        write_postgres(url, messages=args.messages, seed=args.seed)
    checker = open_database(target, bookkeeping=False)
    backfill.create_v2_tables(checker, backfill.preflight(checker))
    checker.dispose()
    print(f"generated {args.messages} messages in {time.perf_counter() - started:.1f}s")
    return target


def prepare(args: argparse.Namespace) -> None:
    from v2_backfill import backfill, runs
    from v2_backfill.config import BackfillConfig
    from v2_backfill.db import open_database
    from v2_backfill.quality import gate, review

    started = time.perf_counter()
    target = generate(args)
    url = _url(args, _names(args)[0])
    config = BackfillConfig(target=target)
    db = open_database(target)
    run_id = runs.new_run_id()
    runs.start_run(db, run_id, "bench", config.run_params())
    with db.frozen():
        backfill.stage_messages(db, config)
        backfill.attribute_shared_messages(db, config)
        backfill.write_result(db)
        gate.snapshot_native(db, run_id)
        with tempfile.TemporaryDirectory() as docs:
            result = gate.audit(db, "backfill", run_id=run_id, tolerances=config.tolerances,
                                docs_dir=Path(docs))  # fmt: skip
        review.gather(db, "backfill")
    db.dispose()
    if not result.passed:
        raise SystemExit(f"the gate failed: {result.failed}")
    (args.folder / RUN_ID_FILE).write_text(run_id)
    print(f"prepared {url} up to the publish (run {run_id}) in "
          f"{time.perf_counter() - started:.1f}s")  # fmt: skip


def explain(args: argparse.Namespace) -> None:
    from v2_backfill.config import parse_database_url
    from v2_backfill.db import open_database, utc_now_ms
    from v2_backfill.staging import PUBLISHED_TABLES

    _copy(args)
    db = open_database(parse_database_url(_url(args, _names(args)[1])))
    params = {"run_id": _run_id(args), "now": db.from_ms(utc_now_ms())}
    rows: list[tuple[str, float, str]] = []
    with db.connect() as conn:
        transaction = conn.begin()
        for name in PUBLISH_FILES:
            for n, statement in enumerate(db.statements(name), 1):
                rows.append(_explained(conn, args.dialect, f"{name}#{n}", statement, params))
        rows.append(_timed_step("encode_pipeline_datetimes", db.encode_pipeline_datetimes, conn))
        rows.append(_timed_step("placed_once", db.query, conn, "placed_once"))
        for table in PUBLISHED_TABLES:
            started = time.perf_counter()
            db.refresh_statistics(conn, [table])
            rows.append((f"ANALYZE {table}", time.perf_counter() - started, ""))
        transaction.rollback()
    db.dispose()
    total = sum(seconds for _, seconds, _ in rows)
    for label, seconds, note in rows:
        print(f"{label:<40}{seconds:8.2f}s {100 * seconds / total:5.1f}%  {note}")
    print(f"{'total':<40}{total:8.2f}s   load average {os.getloadavg()}")


def _timed_step(label: str, step: Callable[..., object], *args: object) -> tuple[str, float, str]:
    started = time.perf_counter()
    step(*args)
    return label, time.perf_counter() - started, ""


def _explained(
    conn: sa.Connection, dialect: str, label: str, statement: str, params: dict
) -> tuple[str, float, str]:
    """Run one statement (under EXPLAIN ANALYZE on PostgreSQL); its seconds and a note."""
    started = time.perf_counter()
    if dialect == "postgresql":
        plan = conn.execute(
            sa.text("EXPLAIN (ANALYZE, BUFFERS, WAL) " + statement), params
        ).scalars()
        lines = list(plan)
        wal = next((line.strip() for line in lines if "WAL:" in line), "")
        head = lines[0].strip()[:60]
        note = f"{head} | {wal}"
    else:
        conn.execute(sa.text(statement), params)
        note = ""
    return label, time.perf_counter() - started, note


def compare(args: argparse.Namespace) -> None:
    trees = {"before": args.before.resolve(), "after": HERE.parent}
    seconds: dict[str, list[float]] = {name: [] for name in trees}
    loads = []
    for round_ in range(args.rounds):
        for name in trees if round_ % 2 == 0 else reversed(trees):
            _copy(args)
            loads.append(os.getloadavg()[0])
            seconds[name].append(_publish_with(trees[name], args))
            print(f"round {round_ + 1} {name}: {seconds[name][-1]:.2f}s", flush=True)
    _drop(args, _names(args)[1])
    medians = {name: statistics.median(values) for name, values in seconds.items()}
    print(f"median before {medians['before']:.2f}s, after {medians['after']:.2f}s, "
          f"after/before {medians['after'] / medians['before']:.2f}; "
          f"1-min load {min(loads):.1f}-{max(loads):.1f}")  # fmt: skip


def _publish_with(tree: Path, args: argparse.Namespace) -> float:
    """Seconds `backfill.publish` takes on the copy, with the code of `tree`."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    command = [sys.executable, str(HERE / "publish_cost.py"), "publish",
               "--dialect", args.dialect, "--folder", str(args.folder),
               "--url", _url(args, _names(args)[1])]  # fmt: skip
    done = subprocess.run(command, env=env, cwd=tree, check=True, capture_output=True, text=True)
    return float(done.stdout.strip().splitlines()[-1])


def publish_once(args: argparse.Namespace) -> None:
    import v2_backfill
    from v2_backfill import backfill
    from v2_backfill.config import parse_database_url
    from v2_backfill.db import open_database

    assert Path(v2_backfill.__file__).resolve().is_relative_to(Path.cwd().resolve())
    db = open_database(parse_database_url(args.url))
    started = time.perf_counter()
    backfill.publish(db, _run_id(args))
    print(time.perf_counter() - started)
    db.dispose()


def _run_id(args: argparse.Namespace) -> str:
    return (args.folder / RUN_ID_FILE).read_text()


def _copy(args: argparse.Namespace) -> None:
    """A fresh copy of the prepared template, named after --folder."""
    _drop(args, _names(args)[1])
    source, copy = _names(args)
    if args.dialect == "postgresql":
        _admin(args, f"CREATE DATABASE {copy} TEMPLATE {source}")
        return
    from v2_backfill.config import SIDECAR_SUFFIX

    for suffix in ("", SIDECAR_SUFFIX):
        original = args.folder / f"{source}.db{suffix}"
        if original.exists():
            shutil.copyfile(original, args.folder / f"{copy}.db{suffix}")


def _exists(args: argparse.Namespace, name: str) -> bool:
    if args.dialect == "sqlite":
        return (args.folder / f"{name}.db").exists()
    engine = sa.create_engine(args.admin_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        found = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        exists = found.first() is not None
    engine.dispose()
    return exists


def _rename(args: argparse.Namespace, name: str, into: argparse.Namespace, new: str) -> None:
    """Database `name` of --folder as `new` of `into`'s (SQLite: its files moved)."""
    if args.dialect == "postgresql":  # the pools of the work before may still hold sessions
        _admin(args, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                     f"WHERE datname = '{name}' AND pid <> pg_backend_pid()")  # fmt: skip
        _admin(args, f"ALTER DATABASE {name} RENAME TO {new}")
        return
    for path in args.folder.glob(f"{name}.db*"):
        path.rename(into.folder / path.name.replace(name, new, 1))


def _drop(args: argparse.Namespace, name: str) -> None:
    if args.dialect == "postgresql":
        _admin(args, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        return
    for path in args.folder.glob(f"{name}.db*"):
        path.unlink()


def _admin(args: argparse.Namespace, statement: str) -> None:
    engine = sa.create_engine(args.admin_url.replace("postgresql://", "postgresql+psycopg://"),
                              isolation_level="AUTOCOMMIT")  # fmt: skip
    with engine.connect() as conn:
        conn.execute(sa.text(statement))
    engine.dispose()


if __name__ == "__main__":
    main()
