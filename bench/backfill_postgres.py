"""Benchmark (not a test): backfill throughput on a generated PostgreSQL database.

    .venv/bin/python bench/backfill_postgres.py --messages 1000000

Generates the legacy tables (seeded) into a throwaway schema of the database given by
--admin-url, times each backfill step without Prefect (the flow only sequences them), prints
messages/s and peak RSS, then drops the schema.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

from v2_backfill import backfill as steps
from v2_backfill import gate, review
from v2_backfill.config import BackfillConfig, parse_database_url
from v2_backfill.database import open_database
from v2_backfill.demo import write_postgres


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--admin-url", default="postgresql://root@127.0.0.1:5432/test")
    args = parser.parse_args()

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    url = f"{args.admin_url}?schema={schema}"
    target = parse_database_url(url)
    admin = sa.create_engine(target.sqlalchemy_url)
    started = time.perf_counter()
    stats = write_postgres(url, messages=args.messages, seed=args.seed)
    print(f"generated {stats.messages} messages in {time.perf_counter() - started:.1f}s")
    try:
        timings = run(target)
        total = sum(timings.values())
        for step, seconds in timings.items():
            print(f"  {step:<28}{seconds:8.2f}s")
        print(f"backfill total {total:.1f}s = {stats.messages / total:,.0f} messages/s")
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak RSS of this process (generator included): {peak_mb:.0f} MB")
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
            conn.execute(sa.text("DROP SCHEMA IF EXISTS v2_backfill CASCADE"))
        admin.dispose()


def run(target) -> dict[str, float]:
    config = BackfillConfig(target=target)
    timings: dict[str, float] = {}

    def timed(name, fn, *a):
        t = time.perf_counter()
        result = fn(*a)
        timings[name] = time.perf_counter() - t
        return result

    checker = open_database(target, bookkeeping=False)
    report = timed("preflight", steps.preflight, checker)
    timed("create_v2_tables", steps.create_v2_tables, checker, report)
    checker.dispose()
    db = open_database(target)
    run_id = steps.new_run_id()
    steps.start_run(db, run_id, "bench", config.run_params())
    timed("snapshot", gate.snapshot, db, run_id)
    timed("stage_messages", steps.stage_messages, db)
    timed("attribute_shared_messages", steps.attribute_shared_messages, db, config)
    timed("write_result", steps.write_result, db)
    with tempfile.TemporaryDirectory() as docs:
        result = timed("audit (gate + report facts)", audit, db, "run", run_id, config, docs)
    if not result.passed:
        raise SystemExit(f"the gate failed: {result.failed}")
    timed("publish", steps.publish, db, run_id)
    summary = timed("summarize", steps.summarize, db, steps.RunSummary(run_id, "bench"))
    print(f"  copied {summary.messages_copied}, rules {summary.attribution_by_rule}")
    with tempfile.TemporaryDirectory() as docs:
        validation = time.perf_counter()
        result = audit(db, "validate", run_id, config, docs)
        seconds = time.perf_counter() - validation
    print(f"validate (published state, a separate run): {seconds:.1f}s, passed={result.passed}")
    db.dispose()
    return timings


def audit(db, mode, run_id, config, docs) -> gate.GateResult:
    """The gate and the report's facts, as the flows' audit task runs them."""
    result = gate.audit(
        db, mode, run_id=run_id, tolerances=config.tolerances, docs_dir=Path(docs) / "gx"
    )
    review.gather(db, mode)
    return result


if __name__ == "__main__":
    main()
