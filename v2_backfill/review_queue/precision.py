"""The heuristic rules' precision measured on this database: reviewers' audit labels counted
per rule, with a 95% Wilson score interval. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Iterable
from math import sqrt
from typing import Any

Z95 = 1.959964
"""The standard normal quantile of a two-sided 95% interval."""


def wilson_interval(correct: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of `correct` successes out of `n` (both bounds in [0, 1])."""
    if n <= 0:
        raise ValueError("the Wilson interval needs at least one labelled placement")
    if not 0 <= correct <= n:
        raise ValueError(f"{correct} correct out of {n} is not a count of successes")
    p, z2 = correct / n, z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    margin = z * sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return max(0.0, centre - margin), min(1.0, centre + margin)


def estimated_precision(labels: Iterable[tuple[str, str]]) -> dict[str, dict[str, Any]]:
    """Per rule, from (rule, `correct` / `wrong`) labels: the sample size, the correct ones,
    the estimated precision and its 95% Wilson interval (rounded to 4 places)."""
    counts: dict[str, list[int]] = {}
    for rule, label in labels:
        tally = counts.setdefault(rule, [0, 0])
        tally[0] += label == "correct"
        tally[1] += 1
    estimates = {}
    for rule, (correct, n) in sorted(counts.items()):
        low, high = wilson_interval(correct, n)
        estimates[rule] = {
            "sample_size": n, "correct": correct, "precision": round(correct / n, 4),
            "wilson_low": round(low, 4), "wilson_high": round(high, 4),
        }  # fmt: skip
    return estimates
