"""Where topic runs start (`transforms.attribution.RunCutter`) and which runs a sync's changes
touch (`transforms.touched_runs`), on tiny literal threads, exact expected outcomes."""

from __future__ import annotations

import pytest

from transforms.attribution import (
    MAX_RUN_MESSAGES,
    MIN_RUN_GAP_MS,
    RunCutter,
    SharedMessage,
    ThreadAttributor,
    TimelineProperty,
    properties_by_timeline,
)
from transforms.touched_runs import CONTEXT_MESSAGES, ThreadTime, touched_runs

MINUTE = 60_000
HOUR = 60 * MINUTE
WINDOW = 2 * HOUR


def cuts(times: list[int], window_ms: int = WINDOW) -> list[bool]:
    """Whether a run starts at each of `times`, fed in order to one cutter."""
    cutter, found = RunCutter(window_ms), []
    for at in times:
        found.append(cutter.starts_run(at))
        cutter.take(at, starts_run=found[-1])
    return found


def steady(count: int, gap: int, start: int = 0) -> list[int]:
    return [start + i * gap for i in range(count)]


@pytest.mark.parametrize(
    ("before", "gap", "cut"),
    [
        # until MIN_GAPS gaps are known, the thread window is the threshold
        pytest.param(steady(3, MINUTE), WINDOW, False, id="window-at"),
        pytest.param(steady(3, MINUTE), WINDOW + 1, True, id="window-just-past"),
        # then GAP_FACTOR times the median gap: 8 x 5 min
        pytest.param(steady(6, 5 * MINUTE), 40 * MINUTE, False, id="rhythm-just-under"),
        pytest.param(steady(6, 5 * MINUTE), 40 * MINUTE + 1, True, id="rhythm-just-over"),
        # a quick conversation (8 x 1 min) still keeps silences up to the floor
        pytest.param(steady(6, MINUTE), MIN_RUN_GAP_MS, False, id="floor-at"),
        pytest.param(steady(6, MINUTE), MIN_RUN_GAP_MS + 1, True, id="floor-just-past"),
    ],
)
def test_a_run_starts_after_a_gap_longer_than_the_threshold(before, gap, cut):
    expected = [True] + [False] * (len(before) - 1) + [cut]
    assert cuts([*before, before[-1] + gap]) == expected


def test_the_threshold_reads_only_the_last_recent_gaps():
    # 30 gaps of 1 min then 20 of 5 min: the last 32 hold 12 of 1 min, median 5 min
    cutter = RunCutter(WINDOW)
    for at in steady(31, MINUTE) + steady(20, 5 * MINUTE, start=35 * MINUTE):
        cutter.take(at, starts_run=False)
    assert (cutter.rhythm_ms(), cutter.threshold_ms()) == (5 * MINUTE, 40 * MINUTE)


def test_the_rhythm_before_min_gaps_is_the_window_over_gap_factor():
    cutter = RunCutter(WINDOW)
    cutter.take(0, starts_run=True)
    assert (cutter.rhythm_ms(), cutter.threshold_ms()) == (WINDOW // 8, WINDOW)


def test_a_run_is_cut_after_max_run_messages_whatever_the_gaps():
    found = cuts(steady(2 * MAX_RUN_MESSAGES + 1, 1))
    assert [i for i, cut in enumerate(found) if cut] == [0, MAX_RUN_MESSAGES, 2 * MAX_RUN_MESSAGES]


def test_starts_run_changes_nothing_and_forced_cuts_whatever_the_gap():
    cutter = RunCutter(WINDOW)
    cutter.take(0, starts_run=True)
    assert [cutter.starts_run(MINUTE) for _ in range(3)] == [False] * 3
    assert cutter.starts_run(MINUTE, forced=True) is True
    assert cutter.starts_run(WINDOW + 1) is True


def thread(times: list[int], changed: set[int], conversation: str = "c1") -> list[ThreadTime]:
    return [ThreadTime(conversation, f"{conversation}m{i:02}", at, i in changed)
            for i, at in enumerate(times)]  # fmt: skip


def roles(messages: list[ThreadTime]) -> list[tuple[str, bool, bool]]:
    return [tuple(role) for role in touched_runs(messages, WINDOW)]


TWO_RUNS = steady(5, MINUTE) + steady(3, MINUTE, start=3 * HOUR)
"""Five messages a minute apart, three hours of silence, three more."""


def test_a_change_in_the_middle_of_a_run_places_the_whole_run_with_the_run_before_as_context():
    assert roles(thread(TWO_RUNS, changed={6})) == [
        ("c1m00", True, True), ("c1m01", True, False), ("c1m02", True, False),
        ("c1m03", True, False), ("c1m04", True, False),
        ("c1m05", False, True), ("c1m06", False, False), ("c1m07", False, False),
    ]  # fmt: skip


def test_a_change_in_the_first_run_leaves_the_later_run_out():
    assert roles(thread(TWO_RUNS, changed={2})) == [
        ("c1m00", False, True), ("c1m01", False, False), ("c1m02", False, False),
        ("c1m03", False, False), ("c1m04", False, False),
    ]  # fmt: skip


def test_no_change_keeps_nothing():
    assert roles(thread(TWO_RUNS, changed=set())) == []


@pytest.mark.parametrize(
    ("gap", "placed"),
    [pytest.param(MIN_RUN_GAP_MS, 6, id="just-under: joins the run"),
     pytest.param(MIN_RUN_GAP_MS + 1, 1, id="just-over: a run of its own")],
)  # fmt: skip
def test_a_new_message_after_a_gap_at_the_threshold(gap, placed):
    times = steady(5, MINUTE)
    kept = roles(thread([*times, times[-1] + gap], changed={5}))
    assert [(m, starts) for m, context, starts in kept if not context] == [
        (f"c1m{i:02}", i == 6 - placed) for i in range(6 - placed, 6)
    ]
    assert len(kept) == 6


def test_the_context_is_at_most_context_messages_and_empties_after_a_touched_run():
    times = steady(50, MINUTE) + steady(3, MINUTE, start=5 * HOUR) + steady(2, MINUTE, 9 * HOUR)
    kept = roles(thread(times, changed={51, 54}))
    context = [m for m, is_context, _ in kept if is_context]
    assert context == [f"c1m{i:02}" for i in range(50 - CONTEXT_MESSAGES, 50)]
    assert [m for m, is_context, starts in kept if starts] == ["c1m17", "c1m50", "c1m53"]
    assert [m for m, is_context, _ in kept if not is_context] == [
        "c1m50", "c1m51", "c1m52", "c1m53", "c1m54",
    ]  # fmt: skip


def test_a_capped_run_is_placed_again_only_in_the_piece_the_change_is_in():
    times = steady(MAX_RUN_MESSAGES + 3, 1)
    kept = list(touched_runs(thread(times, changed={MAX_RUN_MESSAGES + 1}), WINDOW))
    assert [r.message_id for r in kept if not r.context_only] == [
        f"c1m{i:02}" for i in range(MAX_RUN_MESSAGES, MAX_RUN_MESSAGES + 3)
    ]
    assert len(kept) == CONTEXT_MESSAGES + 3
    assert kept[0].starts_run and kept[CONTEXT_MESSAGES].starts_run


def test_runs_are_found_per_conversation():
    messages = thread(TWO_RUNS, changed=set()) + thread(TWO_RUNS, changed={0}, conversation="c2")
    assert {m[:2] for m, _, _ in roles(messages)} == {"c2"}


CECIL = TimelineProperty("cecil", "t1", "1052 Cecil Ave, Louisville, KY 40211", 1, 100)
FIRST = TimelineProperty("first", "t1", "1343 S 1st St 2, Louisville, KY 40208", 0, 200)
TEXTS = {0: "1343 S 1st St?", 9: "ok", 20: "Is 1052 Cecil Ave free?", 41: "great"}
"""A thread of three runs: the 1st St one, a Cecil one, and one naming nothing."""
TIMES = steady(12, 3 * MINUTE) + steady(20, MINUTE, 6 * HOUR) + steady(10, MINUTE, 12 * HOUR)


def place(messages: list[SharedMessage]) -> dict[str, tuple[str | None, str | None]]:
    placed = ThreadAttributor(
        properties_by_timeline([CECIL, FIRST]), window_ms=WINDOW, primary_fallback=False
    ).place_all(messages)
    return {p.message_id: (p.property_id, p.rule or p.reason) for p in placed}


@pytest.mark.parametrize("change", [5, 12, 25, 31, 35])
def test_a_sync_reading_places_the_touched_run_as_the_whole_thread_does(change):
    full = [SharedMessage(f"m{i:02}", "c1", "t1", at, TEXTS.get(i, "hm"))
            for i, at in enumerate(TIMES)]  # fmt: skip
    times = [ThreadTime("c1", m.message_id, m.created_at_ms, i == change)
             for i, m in enumerate(full)]  # fmt: skip
    by_id = {m.message_id: m for m in full}
    read = [by_id[r.message_id]._replace(context_only=r.context_only, starts_run=r.starts_run)
            for r in touched_runs(times, WINDOW)]  # fmt: skip
    whole = place(full)
    synced = place(read)
    assert f"m{change:02}" in synced
    assert synced == {m: whole[m] for m in synced}
