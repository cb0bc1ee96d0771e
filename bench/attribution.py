"""Benchmark (not a test): how right the text rules are, against the generator's ground truth.

    .venv/bin/python bench/attribution.py --messages 50000 --seed 1 --seed 2 --seed 3

For each seed: a SQLite database is generated with its key file (`devtools.demo`: the true
property of every shared-conversation message), staged and put through the text rules exactly
as a backfill does (`stage_messages`, `attribute_shared_messages`); then every message the
text rules decided is compared with the key. Prints, overall and per rule: placed, placed in
the true property, precision (right / placed) and recall (right / all messages the text rules
decided); and the recall the evidence allows at most (the share of those messages whose thread
names their true property at all, or whose client rated it just before), so that the gap is
visible, and where those it allows but the rules miss went (`missed`: the quarantine reason, or
`placed_wrong`); and the placements by confidence bucket with the precision measured in each (a
reliability table: run it with --min-confidence 0 to see every placement the rules would make).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from devtools.demo import key_path, read_key, write_sqlite
from v2_backfill import backfill, runs
from v2_backfill.config import BackfillConfig, parse_database_url
from v2_backfill.db import open_database

BUCKETS = (0.0, 0.8, 0.85, 0.9, 0.95, 0.97, 0.98, 0.99, 1.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=50_000)
    parser.add_argument("--seed", type=int, action="append", help="repeatable; default 1 2 3")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument(
        "--min-confidence", type=float, default=BackfillConfig.min_confidence,
        help="as the backfill's option; 0 measures every placement the rules would make",
    )  # fmt: skip
    args = parser.parse_args()
    options = {"min_confidence": args.min_confidence}
    figures = [measure(args.messages, seed, options) for seed in args.seed or (1, 2, 3)]
    for seed_figures in figures:
        _print(seed_figures)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


def measure(messages: int, seed: int, config_options: dict[str, Any] | None = None) -> dict:
    """Generate, stage and attribute one dataset; return its figures."""
    with tempfile.TemporaryDirectory(prefix="v2b-attribution-") as folder:
        path = Path(folder) / "bench.db"
        write_sqlite(path, messages, seed, key=key_path(path))
        target = parse_database_url(f"file:{path}")
        config = BackfillConfig(target=target, **(config_options or {}))
        db = open_database(target)
        try:
            backfill.create_v2_tables(db, backfill.preflight(db))
            runs.start_run(db, runs.new_run_id(), "bench", config.run_params())
            backfill.stage_messages(db, config)
            backfill.attribute_shared_messages(db, config)
            with db.begin() as conn:
                decided = conn.execute(sa.text(_DECIDED)).all()
        finally:
            db.dispose()
        return _figures(seed, messages, decided, read_key(key_path(path)))


_DECIDED = """
SELECT a.message_id, a.property_id, a.rule, a.reason, a.detail, a.confidence
FROM v2_backfill.stage_attribution AS a
"""


def _figures(seed: int, messages: int, decided: list[sa.Row], key: dict) -> dict:
    placed: Counter[str] = Counter()
    right: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    missed: Counter[str] = Counter()
    allowed = 0
    buckets: dict[float, list[int]] = {low: [0, 0] for low in BUCKETS[:-1]}
    for row in decided:
        truth, evidenced = key[row.message_id]
        allowed += truth is not None and evidenced
        if truth is not None and evidenced and row.property_id != truth:
            missed[row.reason or "placed_wrong"] += 1
        if row.property_id is None:
            reasons[row.reason] += 1
            continue
        placed[row.rule] += 1
        right[row.rule] += row.property_id == truth
        if row.confidence is not None:
            low = max(b for b in BUCKETS[:-1] if b <= row.confidence)
            buckets[low][0] += 1
            buckets[low][1] += row.property_id == truth
    total = len(decided)
    rules = {
        rule: {"placed": placed[rule], "right": right[rule],
               "precision": _share(right[rule], placed[rule]),
               "recall": _share(right[rule], total)}
        for rule in sorted(placed)
    }  # fmt: skip
    all_placed, all_right = sum(placed.values()), sum(right.values())
    return {
        "seed": seed, "messages": messages, "decided": total, "placed": all_placed,
        "precision": _share(all_right, all_placed), "recall": _share(all_right, total),
        "recall_allowed": _share(allowed, total), "rules": rules,
        "quarantined": dict(reasons.most_common()), "missed": dict(missed.most_common()),
        "reliability": {f"{low:.2f}": {"placed": n, "precision": _share(ok, n)}
                        for low, (n, ok) in buckets.items() if n},
    }  # fmt: skip


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _print(figures: dict) -> None:
    print(
        f"seed {figures['seed']}: {figures['decided']} messages for the text rules, "
        f"{figures['placed']} placed; precision {figures['precision']:.2%}, recall "
        f"{figures['recall']:.2%} (the evidence allows {figures['recall_allowed']:.2%})"
    )
    for rule, rule_figures in figures["rules"].items():
        print(
            f"  {rule:<20} placed {rule_figures['placed']:>6}  precision "
            f"{rule_figures['precision']:.2%}  recall {rule_figures['recall']:.2%}"
        )
    print(f"  quarantined: {figures['quarantined']}")
    print(f"  the evidence allows, the rules miss: {figures['missed']}")
    print(f"  confidence from: {figures['reliability']}")


if __name__ == "__main__":
    main()
