"""Benchmark (not a test): how long `backfill --create-missing-indexes` holds the app's writes
to `messages_v2` on PostgreSQL.

    .venv/bin/python bench/index_lock.py --messages 105000   # about 100k messages_v2 rows
    .venv/bin/python bench/index_lock.py --fixture           # the dev fixture (9 messages)

A new database: a generated legacy dataset (seeded) backfilled once, or the dev fixture
copied; `messages_v2_conversationId_senderType_isRead_idx` dropped by hand (as the fixture
lacks it). Then, timed: the index's `CREATE INDEX` alone (in a transaction rolled back), and
`v2-backfill backfill --create-missing-indexes` while an app writer updates a `messages_v2`
row (to its own value) and commits, every 10 ms: the SHARE lock the index build takes makes
those updates wait until the publishing transaction commits. Prints the figures as JSON (the
run's publish step, the writer's slowest commit) and writes them to bench/results/.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from devtools.demo import copy_sqlite_app_db_to_postgres, write_postgres  # noqa: E402

CLI = str(Path(sys.executable).with_name("v2-backfill"))
FIXTURE = ROOT / "tests" / "data" / "property-sync-dev.db"
INDEX = "messages_v2_conversationId_senderType_isRead_idx"
CREATE = f'CREATE INDEX "{INDEX}" ON "messages_v2"("conversationId", "senderType", "isRead")'


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=105_000)
    parser.add_argument("--fixture", action="store_true", help="the dev fixture instead")
    parser.add_argument("--admin-url", default="postgresql://root@127.0.0.1:5432/test")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    name = f"v2b_index_{uuid.uuid4().hex[:8]}"
    _admin(args.admin_url, f'CREATE DATABASE "{name}"')
    try:
        with tempfile.TemporaryDirectory(prefix="v2b-index-") as folder:
            results = _bench(args, _url(args.admin_url, name), Path(folder))
    finally:
        _admin(args.admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    label = "fixture" if args.fixture else str(args.messages)
    out = ROOT / "bench" / "results" / f"index-lock-postgresql-{label}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    print(f"results written to {out}")


def _bench(args: argparse.Namespace, url: str, folder: Path) -> dict[str, Any]:
    engine = sa.create_engine(
        url.replace("postgresql://", "postgresql+psycopg://", 1).split("?")[0],
        connect_args={"options": "-c search_path=bench"},
    )
    if args.fixture:
        copy_sqlite_app_db_to_postgres(FIXTURE, url)
        _execute(engine, f'DROP INDEX "{INDEX}"')
        _cli(url, folder, "first")
    else:
        write_postgres(url, args.messages, seed=args.seed)
        _cli(url, folder, "first")
        _execute(engine, f'DROP INDEX "{INDEX}"')
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT COUNT(*) FROM messages_v2").scalar_one()
        victim = conn.exec_driver_sql("SELECT MIN(id) FROM messages_v2").scalar_one()
        conn.rollback()
        started = time.perf_counter()
        conn.exec_driver_sql(CREATE)
        build = time.perf_counter() - started
        conn.rollback()
    indexed = _with_writer(engine, victim, url, folder, "indexed", "--create-missing-indexes")
    baseline = _with_writer(engine, victim, url, folder, "rerun")  # the same run, no index
    engine.dispose()
    return {
        "messages_v2_rows": rows,
        "create_index_seconds": round(build, 3),
        "with_create_missing_indexes": indexed,
        "rerun_without_index_to_create": baseline,
    }


def _with_writer(
    engine: sa.Engine, victim: str, url: str, folder: Path, label: str, *flags: str
) -> dict[str, Any]:
    """A backfill while the app writer runs: the run's figures and the writer's commits."""
    commits: list[float] = []
    stop = threading.Event()
    writer = threading.Thread(target=_write, args=(engine, victim, commits, stop))
    writer.start()
    try:
        run = _cli(url, folder, label, *flags)
    finally:
        stop.set()
        writer.join()
    return {
        "indexes_created": run["summary"]["indexes_created"],
        "publish_step_seconds": run["steps"].get("publish"),
        "backfill_seconds": run["seconds"],
        "writer_commits": len(commits),
        "writer_slowest_commit_seconds": round(max(commits), 3),
        "writer_median_commit_seconds": round(sorted(commits)[len(commits) // 2], 4),
    }


def _write(engine: sa.Engine, victim: str, commits: list[float], stop: threading.Event) -> None:
    """The app: an update of one row to its own value, committed, every 10 ms."""
    with engine.connect() as conn:
        while not stop.is_set():
            started = time.perf_counter()
            with conn.begin():
                conn.exec_driver_sql(
                    'UPDATE messages_v2 SET "isRead" = "isRead" WHERE id = %(id)s', {"id": victim}
                )
            commits.append(time.perf_counter() - started)
            time.sleep(0.01)


def _cli(url: str, folder: Path, label: str, *flags: str) -> dict[str, Any]:
    report = folder / label
    started = time.perf_counter()
    run = subprocess.run(
        [CLI, "backfill", "--db", url, "--yes", "--json", "--report-dir", str(report), *flags],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    seconds = round(time.perf_counter() - started, 2)
    if run.returncode != 0:
        raise SystemExit(f"backfill exited {run.returncode}:\n{run.stdout}\n{run.stderr[-3000:]}")
    facts = json.loads((report / "summary.json").read_text())
    return {"summary": json.loads(run.stdout), "steps": facts["run"]["step_seconds"],
            "seconds": seconds}  # fmt: skip


def _execute(engine: sa.Engine, statement: str) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql(statement)


def _url(admin_url: str, database: str) -> str:
    base = sa.engine.make_url(admin_url).set(database=database, drivername="postgresql")
    return base.render_as_string(hide_password=False) + "?schema=bench"


def _admin(admin_url: str, statement: str) -> None:
    url = sa.engine.make_url(admin_url).set(drivername="postgresql+psycopg")
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(statement)
    engine.dispose()


if __name__ == "__main__":
    main()
