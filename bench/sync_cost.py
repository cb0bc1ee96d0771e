"""Benchmark (not a test): what a sync of a few new messages in shared threads costs.

    .venv/bin/python bench/sync_cost.py --messages 100000
    cd <a checkout of another commit> && <this venv>/bin/python <this file> --messages 100000

On a generated SQLite database (seeded), backfilled step by step (`bench/run.py`'s helpers):
`--repeats` times, the old app writes `--new` messages, each in a random shared conversation
of a multi-property timeline one minute after its last message (so each joins its last topic
run), then a sync with no lookback (each sync reads only its own new messages) is timed step
by step (Prefect start-up and GX's import excluded). Prints each sync and the median. It
measures the code of the checkout it is run from (its root is put first on the path), so
run from a worktree of another commit it measures that commit: it uses only helpers both
sides of issue 15's sync change have.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import sys
import tempfile
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path.cwd()))

from bench import run as bench_run  # noqa: E402
from v2_backfill import backfill, runs, scope  # noqa: E402
from v2_backfill.config import BackfillConfig, DatabaseTarget, parse_database_url  # noqa: E402
from v2_backfill.db import Database, open_database, utc_now_ms  # noqa: E402
from v2_backfill.quality import gate  # noqa: E402
from v2_backfill.sync import SyncOptions  # noqa: E402

PICK_SHARED = """
SELECT c.id, MAX(m."createdAt"), MIN(m."senderId"), MIN(m."senderType")
FROM conversations AS c JOIN messages AS m ON m."conversationId" = c.id
WHERE c."propertyId" IS NULL
    AND (SELECT COUNT(*) FROM properties AS p WHERE p."timelineId" = c."timelineId") > 1
GROUP BY c.id ORDER BY md5(c.id || :seed) LIMIT :n
"""
INSERT_MESSAGE = """
INSERT INTO messages (id, "conversationId", "senderId", "senderType", content, "isRead",
    "readAt", "createdAt", "updatedAt")
VALUES (:id, :c, :s, :t, :content, :r, NULL, :at, :now)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--new", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="v2b-sync-cost-") as folder:
        url = f"file:{Path(folder) / 'bench.db'}"
        generator = multiprocessing.Process(
            target=bench_run._generate, args=("sqlite", url, args.messages, args.seed)
        )
        generator.start()
        generator.join()
        totals = _measure(parse_database_url(url), args.new, args.repeats)
    print(f"median sync seconds {statistics.median(totals):.2f}")


def _measure(target: DatabaseTarget, new: int, repeats: int) -> list[float]:
    config = BackfillConfig(target=target)
    checker = open_database(target, bookkeeping=False)
    backfill.create_v2_tables(checker, backfill.preflight(checker))
    checker.dispose()
    db = open_database(target)
    steps = bench_run._backfill(db, config)
    print("backfill", {k: round(v, 2) for k, v in steps.items()}, flush=True)
    totals = []
    for round_ in range(repeats):
        app = open_database(target, bookkeeping=False)  # the old app's writes
        written = _new_messages(app, new, round_)
        app.dispose()
        steps, sliced = _sync(db, config)
        totals.append(sum(steps.values()))
        print(json.dumps({"new": written, "slice": sliced, "seconds": round(totals[-1], 2),
                          **{k: round(v, 2) for k, v in steps.items()}}), flush=True)  # fmt: skip
    db.dispose()
    return totals


def _new_messages(app: Database, new: int, round_: int) -> int:
    """`new` messages, one per shared conversation picked (those whose last message has a
    driver-read timestamp: hand-written TEXT stamps are skipped)."""
    with app.begin() as conn:
        picks = conn.execute(sa.text(PICK_SHARED), {"seed": str(round_), "n": 4 * new}).all()
        picks = [row for row in picks if isinstance(row[1], int)][:new]
        now = app.from_ms(utc_now_ms())
        conn.execute(
            sa.text(INSERT_MESSAGE),
            [{"id": f"cbenchcost{round_}x{n:012d}", "c": row[0], "s": row[2], "t": row[3],
              "content": f"and one more thing ({n})", "r": False,
              "at": app.from_ms(app.to_ms(row[1]) + 60_000), "now": now}
             for n, row in enumerate(picks)],
        )  # fmt: skip
    return len(picks)


def _sync(db: Database, config: BackfillConfig) -> tuple[dict[str, float], int]:
    """A sync's steps with no lookback; returns the timings and the slice's size."""
    run_id = runs.new_run_id()
    runs.start_run(db, run_id, "bench-sync-cost", config.run_params())
    changes = SyncOptions(lookback_ms=0).scope(scope.stored_cursors(db))
    sliced: list[int] = []
    result: list[gate.GateResult] = []
    timed = bench_run._timed
    with db.frozen():
        steps = {
            "stage": timed(lambda: sliced.append(backfill.stage_messages(db, config, changes))),
            "text rules": timed(lambda: backfill.attribute_shared_messages(db, config)),
            "write": timed(lambda: (backfill.write_result(db),
                                    gate.snapshot_native(db, run_id, slice_only=True))),
            "audit": timed(lambda: result.append(bench_run._audit(db, "sync", run_id, config))),
        }  # fmt: skip
    if not result[0].passed:
        raise SystemExit(f"the sync's gate failed: {result[0].failed}")
    steps["publish"] = timed(lambda: backfill.publish(db, run_id))
    return steps, sliced[0]


if __name__ == "__main__":
    main()
