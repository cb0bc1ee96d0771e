"""Thread attribution (`transforms.attribution`) on tiny literal inputs, exact expected outputs."""

from __future__ import annotations

import pytest

from transforms.attribution import (
    Placement,
    Reason,
    Rule,
    SharedMessage,
    ThreadAttributor,
    TimelineFeed,
    TimelineProperty,
    properties_by_timeline,
)

HOUR = 3_600_000
WINDOW = 2 * HOUR
NO_EVIDENCE_DETAIL = (
    "names no property of its timeline and follows no attributed message in the window"
)

CECIL = TimelineProperty("cecil", "t1", "1052 Cecil Ave, Louisville, KY 40211", 1, 100)
FIRST = TimelineProperty("first", "t1", "1343 S 1st St 2, Louisville, KY 40208", 0, 200)
GARDINER = TimelineProperty("gardiner", "t2", "1800 Gardiner Ln 3, Louisville, KY 40205", 0, 100)
ESTHER = TimelineProperty("esther", "t2", "2822 Esther Blvd, Louisville, KY 40220", 1, 50)
PROPERTIES = [CECIL, FIRST, GARDINER, ESTHER]


def msg(message_id, at, content, conversation="c1", timeline="t1"):
    return SharedMessage(message_id, conversation, timeline, at, content)


def attributor(properties=PROPERTIES, *, primary_fallback=False, window_ms=WINDOW):
    return ThreadAttributor(
        properties_by_timeline(properties), window_ms=window_ms, primary_fallback=primary_fallback
    )


def placed(message_id, property_id, rule):
    return Placement(message_id, property_id, rule)


def unplaced(message_id, detail=NO_EVIDENCE_DETAIL):
    return Placement(message_id, None, None, Reason.NO_PROPERTY_EVIDENCE, detail)


def test_address_mention():
    placements = attributor().place_all([msg("m1", 0, "Is 1052 Cecil Avenue still free?")])
    assert placements == [placed("m1", "cecil", Rule.ADDRESS_MENTION)]


def test_placement_values_are_plain_strings():
    (placement,) = attributor().place_all([msg("m1", 0, "1052 Cecil Ave")])
    assert (placement.rule, placement.reason) == ("address_mention", None)


def test_no_evidence_is_quarantined():
    placements = attributor().place_all([msg("m1", 0, "hello there")])
    assert placements == [unplaced("m1")]
    assert placements[0].reason == "no_property_evidence"


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        pytest.param(0, placed("m2", "cecil", Rule.THREAD_CONTEXT), id="same-instant"),
        pytest.param(HOUR, placed("m2", "cecil", Rule.THREAD_CONTEXT), id="inside"),
        pytest.param(WINDOW, placed("m2", "cecil", Rule.THREAD_CONTEXT), id="exactly-at-window"),
        pytest.param(WINDOW + 1, unplaced("m2"), id="one-ms-after-window"),
        pytest.param(5 * HOUR, unplaced("m2"), id="long-after"),
    ],
)
def test_thread_context_window(at, expected):
    placements = attributor().place_all(
        [msg("m1", 0, "1052 Cecil Ave?"), msg("m2", at, "yes, tomorrow 5pm works")]
    )
    assert placements == [placed("m1", "cecil", Rule.ADDRESS_MENTION), expected]


def test_thread_context_measured_from_last_mention_not_chained():
    placements = attributor().place_all(
        [
            msg("m1", 0, "1052 Cecil Ave?"),
            msg("m2", HOUR, "sure"),
            msg("m3", HOUR * 5 // 2, "and the basement?"),
        ]
    )
    assert placements == [
        placed("m1", "cecil", Rule.ADDRESS_MENTION),
        placed("m2", "cecil", Rule.THREAD_CONTEXT),
        unplaced("m3"),
    ]


def test_new_mention_restarts_the_window():
    placements = attributor().place_all(
        [
            msg("m1", 0, "1052 Cecil Ave?"),
            msg("m2", HOUR, "Also 1052 Cecil, the garage?"),
            msg("m3", HOUR * 5 // 2, "ok"),
        ]
    )
    assert placements == [
        placed("m1", "cecil", Rule.ADDRESS_MENTION),
        placed("m2", "cecil", Rule.ADDRESS_MENTION),
        placed("m3", "cecil", Rule.THREAD_CONTEXT),
    ]


def test_new_mention_switches_the_thread():
    placements = attributor().place_all(
        [
            msg("m1", 0, "1052 Cecil Ave?"),
            msg("m2", 10, "nice"),
            msg("m3", 20, "what about 1343 South 1st Street?"),
            msg("m4", 30, "also nice"),
        ]
    )
    assert placements == [
        placed("m1", "cecil", Rule.ADDRESS_MENTION),
        placed("m2", "cecil", Rule.THREAD_CONTEXT),
        placed("m3", "first", Rule.ADDRESS_MENTION),
        placed("m4", "first", Rule.THREAD_CONTEXT),
    ]


def test_ambiguous_mention_ends_the_thread_and_is_quarantined():
    placements = attributor().place_all(
        [
            msg("m1", 0, "1052 Cecil Ave?"),
            msg("m2", 10, "1052 Cecil Ave or 1343 S 1st St?"),
            msg("m3", 20, "either is fine"),
        ]
    )
    assert placements == [
        placed("m1", "cecil", Rule.ADDRESS_MENTION),
        Placement(
            "m2",
            None,
            None,
            Reason.AMBIGUOUS_ADDRESS_MENTION,
            "names 2 properties: cecil, first",
        ),
        unplaced("m3"),
    ]
    assert placements[1].reason == "ambiguous_address_mention"


def test_anchor_does_not_leak_across_conversations():
    placements = attributor().place_all(
        [
            msg("m1", 0, "1052 Cecil Ave?", conversation="c1"),
            msg("m2", 10, "sounds good", conversation="c2"),
            msg("m3", 20, "and this?", conversation="c2"),
        ]
    )
    assert placements == [
        placed("m1", "cecil", Rule.ADDRESS_MENTION),
        unplaced("m2"),
        unplaced("m3"),
    ]


def test_mention_only_matches_own_timeline():
    placements = attributor().place_all(
        [msg("m1", 0, "1052 Cecil Ave", timeline="t2"), msg("m2", 0, "1800 Gardiner Ln")]
    )
    assert placements == [unplaced("m1"), unplaced("m2")]


def test_thread_context_ignores_earlier_message_time():
    # Out-of-order input (older than the anchor) is never placed by thread context.
    placements = attributor().place_all(
        [msg("m1", HOUR, "1052 Cecil Ave?"), msg("m2", HOUR - 1, "earlier")]
    )
    assert placements == [placed("m1", "cecil", Rule.ADDRESS_MENTION), unplaced("m2")]


@pytest.mark.parametrize(
    ("properties", "timeline", "expected"),
    [
        pytest.param(PROPERTIES, "t1", "first", id="lowest-position"),
        pytest.param(PROPERTIES, "t2", "gardiner", id="position-beats-age"),
        pytest.param(
            [
                TimelineProperty("b", "t1", "1 A St", 0, 200),
                TimelineProperty("a", "t1", "2 B St", 0, 300),
                TimelineProperty("c", "t1", "3 C St", 0, 100),
            ],
            "t1",
            "c",
            id="then-oldest",
        ),
        pytest.param(
            [
                TimelineProperty("b", "t1", "1 A St", 0, 100),
                TimelineProperty("c", "t1", "2 B St", 0, 100),
                TimelineProperty("a", "t1", "3 C St", 0, 100),
            ],
            "t1",
            "a",
            id="then-smallest-id",
        ),
    ],
)
def test_primary_fallback_order(properties, timeline, expected):
    placements = attributor(properties, primary_fallback=True).place_all(
        [msg("m1", 0, "hello", timeline=timeline)]
    )
    assert placements == [placed("m1", expected, Rule.PRIMARY_PROPERTY)]


def test_primary_fallback_for_ambiguous_and_after_window():
    placements = attributor(primary_fallback=True).place_all(
        [
            msg("m1", 0, "1052 Cecil Ave?"),
            msg("m2", HOUR, "fine"),
            msg("m3", 3 * HOUR, "still there?"),
            msg("m4", 3 * HOUR, "1052 Cecil or 1343 S 1st?"),
            msg("m5", 3 * HOUR, "ok"),
        ]
    )
    assert placements == [
        placed("m1", "cecil", Rule.ADDRESS_MENTION),
        placed("m2", "cecil", Rule.THREAD_CONTEXT),
        placed("m3", "first", Rule.PRIMARY_PROPERTY),
        placed("m4", "first", Rule.PRIMARY_PROPERTY),
        placed("m5", "first", Rule.PRIMARY_PROPERTY),
    ]


@pytest.mark.parametrize("primary_fallback", [False, True], ids=["quarantine", "primary"])
def test_unknown_timeline_falls_back_to_quarantine(primary_fallback):
    placements = attributor(primary_fallback=primary_fallback).place_all(
        [msg("m1", 0, "1052 Cecil Ave", timeline="t9")]
    )
    assert placements == [unplaced("m1")]


def test_no_properties_at_all():
    placements = attributor([], primary_fallback=True).place_all([msg("m1", 0, "1052 Cecil Ave")])
    assert placements == [unplaced("m1")]


def test_place_streams_like_place_all():
    messages = [
        msg("m1", 0, "1052 Cecil Ave?"),
        msg("m2", HOUR, "ok"),
        msg("m3", 0, "1800 Gardiner Ln", conversation="c2", timeline="t2"),
        msg("m4", 1, "sure", conversation="c2", timeline="t2"),
    ]
    one = attributor()
    assert [one.place(m) for m in messages] == attributor().place_all(messages)
    assert attributor().place_all(messages)[2:] == [
        placed("m3", "gardiner", Rule.ADDRESS_MENTION),
        placed("m4", "gardiner", Rule.THREAD_CONTEXT),
    ]


def test_timeline_feed_hands_out_each_timeline_once_in_order():
    feed = TimelineFeed([CECIL, FIRST, GARDINER, ESTHER])
    assert feed("t0") == []
    assert feed("t1") == [CECIL, FIRST]
    assert feed("t2") == [GARDINER, ESTHER]
    assert feed("t3") == []


def test_timeline_feed_skips_timelines_never_asked_for():
    feed = TimelineFeed([CECIL, FIRST, GARDINER, ESTHER])
    assert feed("t2") == [GARDINER, ESTHER]


def test_streamed_feed_places_like_properties_in_memory():
    messages = [
        msg("m1", 0, "1052 Cecil Ave?"),
        msg("m2", HOUR, "ok"),
        msg("m3", 0, "1800 Gardiner Ln", conversation="c2", timeline="t2"),
        msg("m4", 1, "sure", conversation="c2", timeline="t2"),
        msg("m5", 2, "hello", conversation="c3", timeline="t3"),
    ]
    streamed = ThreadAttributor(
        TimelineFeed(PROPERTIES), window_ms=WINDOW, primary_fallback=True
    ).place_all(messages)
    assert streamed == attributor(primary_fallback=True).place_all(messages)
