"""Benchmark (not a test): the backfill against the SQL floor and a naive ORM copy, one database.

    .venv/bin/python bench/run.py --dialect postgresql --messages 1000000
    .venv/bin/python bench/run.py --dialect sqlite --messages 1000000,5000000

In one run on one generated database (seeded; written in a child process with bulk loads, so
the peak RSS printed is the backfill's own): the floor — `bench/floor.sql`, a
hand-written set-based copy of the deterministic part, run in a transaction rolled back; a
naive row-by-row copy through the SQLAlchemy ORM on a sample, rolled back and extrapolated;
the whole CLI, `v2-backfill backfill --json` as a user runs it, timed from the shell on a copy
of the generated database (its own Prefect server started first, untimed, and stopped after);
the tool's backfill step by step in this process (Prefect start-up excluded); then
`validate`; then a sync of `SYNC_CHANGES` legacy changes, step by step. The figure to judge
is the time per message written against the floor's (`per_message_ratio_*`): the tool's
seconds per message it copies (the CLI's summary, `messages_copied`; the steps' count of
copies) over the floor's seconds per message its insert writes. Prints a table and writes it
as JSON to bench/results/. PostgreSQL data goes to throwaway databases of --admin-url's
server; SQLite to a temporary folder. Both are removed afterwards. With several sizes
(`--messages 1000000,5000000`), each runs in turn and the sync's time at each is also given
over the first size's (`sync_ratio_to_first`).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.automap import automap_base
from sqlalchemy.orm import Session

import sql
from devtools.demo import write_postgres, write_sqlite
from v2_backfill import backfill, runs, scope, staging
from v2_backfill.config import BackfillConfig, parse_database_url
from v2_backfill.db import Database, open_database, postgres_connect_args, utc_now_ms
from v2_backfill.quality import gate, review
from v2_backfill.sync import SyncOptions

HERE = Path(__file__).resolve().parent
ORM_SAMPLE = 2000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dialect", choices=sql.DIALECTS, default="postgresql")
    parser.add_argument("--messages", default="1000000", help="a size, or sizes: 1000000,5000000")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--admin-url", default="postgresql://root@127.0.0.1:5432/test")
    args = parser.parse_args()
    first_sync = None
    for messages in (int(size) for size in args.messages.split(",")):
        with tempfile.TemporaryDirectory(prefix="v2b-bench-") as folder:
            results = _bench_size(args.dialect, args.admin_url, Path(folder), messages, args.seed)
        first_sync = first_sync or results["sync_seconds"]
        results["sync_ratio_to_first"] = round(results["sync_seconds"] / first_sync, 2)
        print(f"  {'sync_ratio_to_first':<34}{results['sync_ratio_to_first']}")
        out = HERE / "results" / f"{args.dialect}-{messages}.json"
        out.parent.mkdir(exist_ok=True)
        out.write_text(json.dumps(results, indent=2) + "\n")
        print(f"results written to {out}")


def _bench_size(
    dialect: str, admin_url: str, folder: Path, messages: int, seed: int
) -> dict[str, Any]:
    """`bench` on a database of `messages` generated in `folder` (SQLite) or in throwaway
    databases of the admin URL's server, removed afterwards."""
    if dialect == "sqlite":
        return bench(f"file:{folder / 'bench.db'}", f"file:{folder / 'cli.db'}", messages, seed)
    name = f"v2b_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.engine.make_url(admin_url)
    urls = [admin.set(database=database).render_as_string(hide_password=False) + "?schema=app"
            for database in (name, f"{name}_cli")]  # fmt: skip
    _admin(admin_url, f'CREATE DATABASE "{name}"')
    try:
        return bench(*urls, messages, seed, admin_url=admin_url)
    finally:
        for database in (name, f"{name}_cli"):
            _admin(admin_url, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def bench(
    url: str, cli_url: str, messages: int, seed: int, admin_url: str | None = None
) -> dict[str, Any]:
    """Every figure on one generated database (`url`), the CLI's on a copy of it (`cli_url`,
    made by SQLite's backup API or, on PostgreSQL, from the first as a template through
    `admin_url`). Long: it is the benchmark's sequence, step after step."""
    target = parse_database_url(url)
    _generate_in_child(target.dialect, url, messages, seed)
    _copy_database(url, cli_url, admin_url)
    config = BackfillConfig(target=target)
    checker = open_database(target, bookkeeping=False)
    backfill.create_v2_tables(checker, backfill.preflight(checker))
    legacy = _scalar(checker, "SELECT COUNT(*) FROM messages")
    floor_written: list[int] = []
    floor = _rolled_back(checker, lambda conn: floor_written.append(_run_floor(checker, conn)))
    orm_sample = _rolled_back(checker, _naive_orm_copy)
    checker.dispose()
    print(f"floor {floor:.1f}s; naive ORM {orm_sample:.1f}s for {ORM_SAMPLE} messages")
    cli_seconds, cli_copied = _cli_backfill(cli_url)
    print(f"the CLI's backfill {cli_seconds:.1f}s, {cli_copied} messages copied")

    db = open_database(target)
    timings = _backfill(db, config)
    total = sum(timings.values())
    copied = _scalar(db, "SELECT COUNT(*) FROM v2_backfill.lineage")  # all this run's copies
    validation = _timed(lambda: _audit(db, "validate", "bench-validate", config))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    app = open_database(target, bookkeeping=False)  # the old app's writes, not the pipeline's
    _legacy_changes(app, seed)
    app.dispose()
    sync_timings, sliced = _sync(db, config)
    db.dispose()

    orm_total = orm_sample * legacy / ORM_SAMPLE
    floor_per_message = floor / floor_written[0]
    results = {
        "dialect": target.dialect,
        "legacy_messages": legacy,
        "steps_seconds": {k: round(v, 2) for k, v in timings.items()},
        "backfill_seconds": round(total, 1),
        "messages_per_second": round(legacy / total),
        "floor_seconds": round(floor, 1),
        "ratio_to_floor": round(total / floor, 2),
        "floor_messages_written": floor_written[0],
        "messages_copied": copied,
        "per_message_ratio_steps": round(total / copied / floor_per_message, 2),
        "cli_backfill_seconds": round(cli_seconds, 1),
        "cli_messages_copied": cli_copied,
        "per_message_ratio_cli": round(cli_seconds / cli_copied / floor_per_message, 2),
        "naive_orm_seconds_extrapolated": round(orm_total),
        "naive_orm_ratio_to_floor": round(orm_total / floor, 1),
        "validate_seconds": round(validation, 1),
        "validate_share_of_backfill": round(validation / total, 3),
        "peak_rss_mb": round(peak_mb),
        "sync_changes": SYNC_CHANGES,
        "sync_slice_messages": sliced,
        "sync_steps_seconds": {k: round(v, 2) for k, v in sync_timings.items()},
        "sync_seconds": round(sum(sync_timings.values()), 2),
    }
    for key, value in results.items():
        print(f"  {key:<34}{value}")
    return results


def _generate_in_child(dialect: str, url: str, messages: int, seed: int) -> None:
    """Generate the legacy tables in a child process (so this one's peak RSS is the tool's)."""
    started = time.perf_counter()
    generator = multiprocessing.Process(target=_generate, args=(dialect, url, messages, seed))
    generator.start()
    generator.join()
    if generator.exitcode:
        raise SystemExit("generation failed")
    print(f"generated the legacy tables in {time.perf_counter() - started:.1f}s")


def _copy_database(url: str, copy_url: str, admin_url: str | None) -> None:
    """Copy the generated database at `url` to `copy_url`, which must not exist yet."""
    target = parse_database_url(url)
    if target.sqlite_path is not None:
        copy_path = parse_database_url(copy_url).sqlite_path
        with sqlite3.connect(target.sqlite_path) as source, sqlite3.connect(copy_path) as copy:
            source.backup(copy)
        return
    assert admin_url is not None
    source, copy = (sa.engine.make_url(u).database for u in (url, copy_url))
    _admin(admin_url, f'CREATE DATABASE "{copy}" TEMPLATE "{source}"')


def _cli_backfill(url: str) -> tuple[float, int]:
    """Seconds `v2-backfill backfill --json` takes on `url` from the shell, and the messages
    its summary says it copied; on a Prefect server of its own, started before (untimed:
    the CLI reuses a running one) and stopped after."""
    cli = Path(sys.executable).parent / "v2-backfill"
    with tempfile.TemporaryDirectory(prefix="v2b-bench-cli-") as folder:
        env = {**os.environ, "V2_BACKFILL_PREFECT_STATE": str(Path(folder) / "prefect")}
        env.pop("PREFECT_API_URL", None)
        subprocess.run([cli, "server", "start"], env=env, check=True, capture_output=True)
        try:
            command = [cli, "backfill", "--db", url, "--json",
                       "--report-dir", str(Path(folder) / "report")]  # fmt: skip
            started = time.perf_counter()
            done = subprocess.run(command, env=env, capture_output=True, text=True)
            seconds = time.perf_counter() - started
        finally:
            subprocess.run([cli, "server", "stop"], env=env, check=True, capture_output=True)
    if done.returncode:
        raise SystemExit(f"the CLI's backfill failed ({done.returncode}): {done.stderr[-2000:]}")
    return seconds, int(json.loads(done.stdout)["messages_copied"])


def _generate(dialect: str, url: str, messages: int, seed: int) -> None:
    if dialect == "sqlite":
        write_sqlite(parse_database_url(url).sqlite_path, messages=messages, seed=seed)
    else:
        write_postgres(url, messages=messages, seed=seed)


def _backfill(
    db: Database,
    config: BackfillConfig,
    timed: Callable[[str, Callable[[], Any]], float] | None = None,
) -> dict[str, float]:
    """The backfill's steps, each timed by `timed(step, work)` (default: its wall seconds)."""
    timed = timed or (lambda _step, work: _timed(work))
    run_id = runs.new_run_id()
    runs.start_run(db, run_id, "bench", config.run_params())
    result: list[gate.GateResult] = []
    with db.frozen():
        timings = {
            "stage": timed("stage", lambda: backfill.stage_messages(db, config)),
            "text rules": timed(
                "text rules", lambda: backfill.attribute_shared_messages(db, config)
            ),
            "write": timed(
                "write", lambda: (backfill.write_result(db), gate.snapshot_native(db, run_id))
            ),
            "audit": timed("audit", lambda: result.append(_audit(db, "backfill", run_id, config))),
        }
    if not result[0].passed:
        raise SystemExit(f"the gate failed: {result[0].failed}")
    timings["publish"] = timed("publish", lambda: backfill.publish(db, run_id))
    timings["clear staging"] = timed("clear staging", lambda: staging.clear_staging(db))
    return timings


SYNC_CHANGES = 1000
"""Legacy changes the old app makes before the timed sync: half new messages, 40% read
receipts, 10% content edits, on random conversations."""


def _legacy_changes(db: Database, seed: int) -> None:
    """What the old app writes between the backfill and the sync: `SYNC_CHANGES` changes."""
    now = db.from_ms(utc_now_ms())
    new, read, edited = SYNC_CHANGES // 2, SYNC_CHANGES * 2 // 5, SYNC_CHANGES // 10
    with db.begin() as conn:
        picks = conn.execute(
            sa.text(
                'SELECT id, "conversationId", "senderId", "senderType", "isRead" FROM messages '
                f"ORDER BY md5(id || :seed) LIMIT {new + read + edited}"
            ),
            {"seed": str(seed)},
        ).all()
        conn.execute(
            sa.text(
                'INSERT INTO messages (id, "conversationId", "senderId", "senderType", content, '
                '"isRead", "readAt", "createdAt", "updatedAt") VALUES (:id, :c, :s, :t, :content, '
                ":r, NULL, :now, :now)"
            ),
            [{"id": f"cbenchsync{n:015d}", "c": row[1], "s": row[2], "t": row[3],
              "content": f"and one more thing ({n})", "r": False, "now": now}
             for n, row in enumerate(picks[:new])],
        )  # fmt: skip
        conn.execute(
            sa.text('UPDATE messages SET "isRead" = :r, "readAt" = :now, "updatedAt" = :now '
                    "WHERE id = :id"),
            [{"id": row[0], "r": True, "now": now} for row in picks[new:new + read]],
        )  # fmt: skip
        conn.execute(
            sa.text("UPDATE messages SET content = content || ' (edited)', \"updatedAt\" = :now "
                    "WHERE id = :id"),
            [{"id": row[0], "now": now} for row in picks[new + read:]],
        )  # fmt: skip


def _sync(db: Database, config: BackfillConfig) -> tuple[dict[str, float], int]:
    """A sync's own steps after the changes (Prefect start-up and GX's import excluded: this
    process has run the backfill's audit); returns the timings and the slice's size."""
    run_id = runs.new_run_id()
    runs.start_run(db, run_id, "bench-sync", config.run_params())
    changes = SyncOptions().scope(scope.stored_cursors(db))
    sliced: list[int] = []
    result: list[gate.GateResult] = []
    with db.frozen():
        timings = {
            "stage": _timed(lambda: sliced.append(backfill.stage_messages(db, config, changes))),
            "text rules": _timed(lambda: backfill.attribute_shared_messages(db, config)),
            "write": _timed(
                lambda: (
                    backfill.write_result(db),
                    gate.snapshot_native(db, run_id, slice_only=True),
                )
            ),
            "audit": _timed(lambda: result.append(_audit(db, "sync", run_id, config))),
        }
    if not result[0].passed:
        raise SystemExit(f"the sync's gate failed: {result[0].failed}")
    timings["publish"] = _timed(lambda: backfill.publish(db, run_id))
    return timings, sliced[0]


def _audit(db: Database, mode: Any, run_id: str, config: BackfillConfig) -> gate.GateResult:
    """The gate and the report's facts, as the flows' audit task runs them."""
    with tempfile.TemporaryDirectory() as docs:
        result = gate.audit(
            db, mode, run_id=run_id, tolerances=config.tolerances, docs_dir=Path(docs)
        )
    review.gather(db, mode)
    return result


def _naive_orm_copy(conn: sa.Connection) -> None:
    """What a quick migration script does: per message, look up its conversation and the
    property's V2 conversation (creating it when missing), then add the message."""
    base = automap_base()

    @sa.event.listens_for(base.metadata, "column_reflect")
    def _as_stored(_inspector: Any, _table: Any, column: dict[str, Any]) -> None:
        if isinstance(column["type"], sa.DateTime):  # SQLite: Prisma stores epoch-ms INTEGERs
            column["type"] = sa.types.NullType()

    base.prepare(autoload_with=conn)
    legacy, conversation, v2 = (base.classes.messages, base.classes.conversations,
                                base.classes.property_conversations)  # fmt: skip
    timeline, message_v2 = base.classes.timelines, base.classes.messages_v2
    session = Session(bind=conn, join_transaction_mode="create_savepoint")
    for message in session.query(legacy).limit(ORM_SAMPLE):
        owner = session.get(conversation, message.conversationId)
        sender_type = str(message.senderType or "").strip().upper()
        if owner is None or owner.propertyId is None or sender_type not in ("AGENT", "CLIENT"):
            continue
        target = session.query(v2).filter_by(propertyId=owner.propertyId).one_or_none()
        if target is None:
            line = session.get(timeline, owner.timelineId)
            target = v2(id=uuid.uuid4().hex[:25], propertyId=owner.propertyId, timelineId=line.id,
                        agentId=line.agentId, clientId=line.clientId, status="ACTIVE",
                        unreadAgentCount=0, unreadClientCount=0, createdAt=message.createdAt,
                        updatedAt=message.createdAt)  # fmt: skip
            session.add(target)
            session.flush()
        copy = message_v2(id=message.id, conversationId=target.id, senderId=message.senderId,
                          senderType=sender_type, content=message.content,
                          type="TEXT", isRead=message.isRead, readAt=message.readAt,
                          createdAt=message.createdAt, updatedAt=message.updatedAt)  # fmt: skip
        session.add(copy)
        session.flush()
    session.close()


def _rolled_back(db: Database, work: Callable[[sa.Connection], None]) -> float:
    """Seconds `work` takes inside a transaction that is then rolled back."""
    with db.connect() as conn:
        transaction = conn.begin()
        try:
            return _timed(lambda: work(conn))
        finally:
            transaction.rollback()


def _run_floor(db: Database, conn: sa.Connection) -> int:
    """Run `bench/floor.sql`, filled for the database's dialect; return the messages it wrote
    (the rows its insert into messages_v2 touched)."""
    text = (HERE / "floor.sql").read_text().format(**db.fills)
    written = 0
    for statement in sql.split(text):
        rows = conn.execute(sa.text(statement), {"now": db.from_ms(utc_now_ms())}).rowcount
        if statement.lstrip().startswith("INSERT INTO messages_v2"):
            written = rows
    return written


def _timed(work: Callable[[], Any]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def _scalar(db: Database, query: str) -> int:
    with db.connect() as conn:
        return int(conn.execute(sa.text(query)).scalar_one())


def _admin(admin_url: str, statement: str) -> None:
    """Run one statement outside a transaction (CREATE / DROP DATABASE) through `admin_url`."""
    target = parse_database_url(admin_url)
    admin = sa.create_engine(
        target.sqlalchemy_url,
        connect_args=postgres_connect_args(target),
        isolation_level="AUTOCOMMIT",
    )
    with admin.connect() as conn:
        conn.execute(sa.text(statement))
    admin.dispose()


if __name__ == "__main__":
    main()
