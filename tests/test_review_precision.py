"""The measured precision: Wilson score intervals and per-rule estimates, exact values."""

from __future__ import annotations

import pytest

from v2_backfill.review_queue.precision import estimated_precision, wilson_interval


@pytest.mark.parametrize(
    ("correct", "n", "low", "high"),
    [
        (190, 200, 0.9104, 0.9726),
        (180, 200, 0.8506, 0.9343),
        (2, 2, 0.3424, 1.0),
        (0, 1, 0.0, 0.7935),
        (10, 10, 0.7225, 1.0),
    ],
)
def test_wilson_interval_known_values(correct, n, low, high):
    got = wilson_interval(correct, n)
    assert (round(got[0], 4), round(got[1], 4)) == (low, high)


@pytest.mark.parametrize(("correct", "n"), [(0, 0), (3, 2), (-1, 2)])
def test_wilson_interval_refuses_impossible_counts(correct, n):
    with pytest.raises(ValueError):
        wilson_interval(correct, n)


def test_estimated_precision_per_rule_with_known_wrongs():
    labels = [("topic_run", "correct")] * 190 + [("topic_run", "wrong")] * 10
    labels += [("address_mention", "correct")] * 2
    assert estimated_precision(labels) == {
        "address_mention": {"sample_size": 2, "correct": 2, "precision": 1.0,
                            "wilson_low": 0.3424, "wilson_high": 1.0},
        "topic_run": {"sample_size": 200, "correct": 190, "precision": 0.95,
                      "wilson_low": 0.9104, "wilson_high": 0.9726},
    }  # fmt: skip
