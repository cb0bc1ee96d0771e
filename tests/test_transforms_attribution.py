"""Thread attribution (`transforms.attribution`, `transforms.topic_runs`) on tiny literal
threads, exact expected outcomes."""

from __future__ import annotations

import pytest

from transforms.attribution import (
    MAX_RUN_MESSAGES,
    Activity,
    Reason,
    Rule,
    SharedMessage,
    ThreadAttributor,
    TimelineFeed,
    TimelineProperty,
    properties_by_timeline,
)
from transforms.evidence import ACTIVITY_WINDOW_MS

MINUTE = 60_000
HOUR = 60 * MINUTE
WINDOW = 2 * HOUR

CECIL = TimelineProperty(
    "cecil", "t1", "1052 Cecil Ave, Louisville, KY 40211", 1, 100, "1634567",
    "https://www.flexmls.com/share/Cmm4c/1052-Cecil-Ave-Louisville-KY-40211",
)  # fmt: skip
FIRST = TimelineProperty("first", "t1", "1343 S 1st St 2, Louisville, KY 40208", 0, 200)
GARDINER = TimelineProperty("gardiner", "t2", "1800 Gardiner Ln 3, Louisville, KY 40205", 0, 100)
ESTHER = TimelineProperty("esther", "t2", "2822 Esther Blvd, Louisville, KY 40220", 1, 50)
PROPERTIES = [CECIL, FIRST, GARDINER, ESTHER]


def msg(message_id, at, content, conversation="c1", timeline="t1", context_only=False):
    return SharedMessage(message_id, conversation, timeline, at, content, context_only)


def attribute(messages, *, activity=(), primary_fallback=False, min_confidence=0.0):
    activity_by = {}
    for event in activity:
        activity_by.setdefault(event.timeline_id, []).append(event)
    placements = ThreadAttributor(
        properties_by_timeline(PROPERTIES),
        activity_of=lambda timeline: activity_by.get(timeline, []),
        window_ms=WINDOW,
        primary_fallback=primary_fallback,
        min_confidence=min_confidence,
    ).place_all(messages)
    return [(p.message_id, p.property_id, p.rule or p.reason) for p in placements]


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        pytest.param("Is 1052 Cecil Avenue still free?", Rule.ADDRESS_MENTION, id="address"),
        pytest.param("What about MLS #1634567?", Rule.MLS_MENTION, id="mls"),
        pytest.param("https://www.flexmls.com/share/Cmm4c", Rule.LISTING_LINK, id="link"),
    ],
)
def test_each_kind_of_evidence(text, rule):
    assert attribute([msg("m1", 0, text)]) == [("m1", "cecil", rule)]


def test_no_evidence_is_quarantined():
    assert attribute([msg("m1", 0, "hello there")]) == [("m1", None, Reason.NO_PROPERTY_EVIDENCE)]


def test_evidence_after_the_message_places_the_run_before_it():
    thread = [msg("m1", 0, "Good morning!"), msg("m2", MINUTE, "Is 1052 Cecil Ave free?"),
              msg("m3", 2 * MINUTE, "Yes!")]  # fmt: skip
    assert attribute(thread) == [
        ("m1", "cecil", Rule.TOPIC_RUN), ("m2", "cecil", Rule.ADDRESS_MENTION),
        ("m3", "cecil", Rule.TOPIC_RUN),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("gap", "expected"),
    [
        pytest.param(WINDOW, ("m2", "cecil", Rule.TOPIC_RUN), id="at-the-bound"),
        pytest.param(WINDOW + 1, ("m2", None, Reason.NO_PROPERTY_EVIDENCE), id="past-it"),
    ],
)
def test_window_bounds_a_run_before_the_conversation_shows_its_rhythm(gap, expected):
    thread = [msg("m1", 0, "1052 Cecil Ave?"), msg("m2", gap, "Ok")]
    assert attribute(thread)[1] == expected


def test_a_conversation_own_rhythm_splits_runs_at_shorter_silences():
    thread = [msg(f"m{i}", i * MINUTE, "1052 Cecil Ave?" if i == 0 else "Ok") for i in range(6)]
    thread.append(msg("late", 5 * MINUTE + 30 * MINUTE, "Ok"))  # 30 min > 8 x 1 min median
    assert attribute(thread)[-1] == ("late", None, Reason.NO_PROPERTY_EVIDENCE)


def test_two_properties_split_at_a_clear_silence():
    thread = [msg("a", 0, "1052 Cecil Ave?"), msg("b", MINUTE, "Ok"),
              msg("c", 50 * MINUTE, "Hmm"), msg("d", 51 * MINUTE, "1343 S 1st St?")]  # fmt: skip
    assert attribute(thread) == [
        ("a", "cecil", Rule.ADDRESS_MENTION), ("b", "cecil", Rule.TOPIC_RUN),
        ("c", "first", Rule.TOPIC_RUN), ("d", "first", Rule.ADDRESS_MENTION),
    ]  # fmt: skip


def test_messages_between_conflicting_evidence_without_a_clear_split_are_unsure():
    thread = [msg("a", 0, "1052 Cecil Ave?"), msg("b", MINUTE, "Ok"),
              msg("c", 2 * MINUTE, "Hmm"), msg("d", 3 * MINUTE, "1343 S 1st St?")]  # fmt: skip
    assert attribute(thread, min_confidence=0.97)[1:3] == [
        ("b", None, Reason.LOW_CONFIDENCE), ("c", None, Reason.LOW_CONFIDENCE),
    ]  # fmt: skip


def test_conflicting_evidence_splits_at_the_longest_silence_even_if_not_clear():
    thread = [msg("a", 0, "1052 Cecil Ave?"), msg("b", MINUTE, "Ok"),
              msg("c", 5 * MINUTE, "Hmm"), msg("d", 8 * MINUTE, "Right"),
              msg("e", 9 * MINUTE, "1343 S 1st St?")]  # fmt: skip
    assert [p[1] for p in attribute(thread)] == ["cecil", "cecil", "first", "first", "first"]


def test_a_lone_mention_between_mentions_of_another_property_without_silences_is_unsure():
    thread = [msg("a", 0, "1052 Cecil Ave?"), msg("b", MINUTE, "And 1343 S 1st St?"),
              msg("c", 2 * MINUTE, "Anyway, 1052 Cecil it is")]  # fmt: skip
    assert attribute(thread, min_confidence=0.97)[1] == ("b", None, Reason.LOW_CONFIDENCE)


def test_a_short_topic_between_topics_of_another_property_set_apart_by_silences_is_placed():
    # the median gap is one minute: 5 min silences stand out, and stay under the threshold
    thread = [msg("a", 0, "1052 Cecil Ave?"), *_steady(1, 4, MINUTE),
              msg("b", 9 * MINUTE, "1343 S 1st St?"), msg("c", 10 * MINUTE, "Ok"),
              msg("d", 15 * MINUTE, "1052 Cecil Ave")]  # fmt: skip
    assert attribute(thread, min_confidence=0.97)[4:] == [
        ("r4", "cecil", Rule.TOPIC_RUN), ("b", "first", Rule.ADDRESS_MENTION),
        ("c", "first", Rule.TOPIC_RUN), ("d", "cecil", Rule.ADDRESS_MENTION),
    ]  # fmt: skip


def test_a_comparison_is_no_evidence_for_the_property_compared_with():
    thread = [msg("a", 0, "Is the basement finished?"),
              msg("b", MINUTE, "Honestly I liked 1343 S 1st St better.")]  # fmt: skip
    assert [p[2] for p in attribute(thread)] == [Reason.NO_PROPERTY_EVIDENCE] * 2


def test_an_aside_places_itself_and_its_quick_answer_only():
    thread = [msg("a", 0, "1052 Cecil Ave?"), msg("b", MINUTE, "Btw any news on 1343 S 1st St?"),
              msg("c", 2 * MINUTE, "Not yet."), msg("d", 3 * MINUTE, "Ok")]  # fmt: skip
    assert attribute(thread) == [
        ("a", "cecil", Rule.ADDRESS_MENTION), ("b", "first", Rule.ADDRESS_MENTION),
        ("c", "first", Rule.TOPIC_RUN), ("d", "cecil", Rule.TOPIC_RUN),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("silence", "expected"),
    [
        pytest.param(40 * MINUTE, ("c", "first", Rule.TOPIC_RUN), id="slow"),
        pytest.param(100 * MINUTE, ("c", None, Reason.LOW_CONFIDENCE), id="much-slower"),
    ],
)
def test_an_answer_to_an_aside_is_as_sure_as_the_silence_before_it(silence, expected):
    # before the conversation shows its rhythm, the median gap is the window / 8 (15 min):
    # 40 min is under 3 of them, 100 min over 5
    thread = [msg("a", 0, "1052 Cecil Ave?"), msg("b", MINUTE, "Btw any news on 1343 S 1st St?"),
              msg("c", MINUTE + silence, "Not yet."),
              msg("d", 2 * MINUTE + silence, "Ok")]  # fmt: skip
    assert attribute(thread, min_confidence=0.97)[2] == expected


def test_a_message_naming_a_property_and_an_unknown_listing_names_several():
    thread = [msg("a", 0, "Can we see 1052 Cecil Ave and MLS #1999999?")]
    assert attribute(thread) == [("a", None, Reason.AMBIGUOUS_ADDRESS_MENTION)]
    known = [msg("a", 0, "Can we see 1052 Cecil Ave, MLS #1634567?")]
    assert attribute(known) == [("a", "cecil", Rule.MLS_MENTION)]


def _steady(start, count, at=0):
    """`count` replies one minute apart from `at` (the conversation's rhythm: one minute)."""
    return [msg(f"r{start + i}", at + i * MINUTE, "Ok") for i in range(count)]


def test_evidence_before_a_silence_reaches_further_than_evidence_after_it():
    before = [
        msg("m", 0, "1052 Cecil Ave?"),
        *_steady(1, 4, MINUTE),
        msg("late", 4 * MINUTE + 4 * MINUTE + 30_000, "Ok"),
    ]  # 4.5 median gaps after
    assert attribute(before, min_confidence=0.97)[-1] == ("late", "cecil", Rule.TOPIC_RUN)
    after = [
        msg("early", 0, "Ok"),
        msg("m", 3 * MINUTE + 30_000, "1052 Cecil Ave?"),
        *_steady(1, 4, 4 * MINUTE + 30_000),
    ]  # 3.5 median gaps before its evidence
    assert attribute(after, min_confidence=0.97)[0] == ("early", None, Reason.LOW_CONFIDENCE)


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        pytest.param("1052 Cecil Ave", ("m", "cecil", Rule.TOPIC_RUN), id="named-again-after"),
        pytest.param("Ok", ("m", None, Reason.LOW_CONFIDENCE), id="named-before-only"),
    ],
)
def test_a_message_between_two_mentions_of_its_property_takes_the_surer_side(after, expected):
    # the median gap is one minute: "m" comes 6 of them after the mention before it (0.948),
    # the mention after it is 6 messages away without a silence (0.973)
    thread = [
        msg("a", 0, "1052 Cecil Ave?"),
        msg("m", 6 * MINUTE, "Ok"),
        *_steady(1, 5, 7 * MINUTE),
        msg("b", 12 * MINUTE, after),
    ]
    assert attribute(thread, min_confidence=0.97)[1] == expected


def test_a_listing_reference_of_no_property_of_the_timeline_is_another_property():
    thread = [msg("a", 0, "Can we see MLS #1999999?"), msg("b", MINUTE, "Ok")]
    assert [p[2] for p in attribute(thread)] == [Reason.CONFLICTING_EVIDENCE] * 2


def test_a_message_naming_two_properties_is_no_evidence():
    assert attribute([msg("m1", 0, "1052 Cecil Ave or 1343 S 1st St?")]) == [
        ("m1", None, Reason.AMBIGUOUS_ADDRESS_MENTION)
    ]
    thread = [msg("m1", 0, "1052 Cecil Ave or 1343 S 1st St?"), msg("m2", MINUTE, "1052 Cecil")]
    assert attribute(thread)[0] == ("m1", "cecil", Rule.TOPIC_RUN)


@pytest.mark.parametrize(
    ("before", "expected"),
    [
        pytest.param(ACTIVITY_WINDOW_MS, ("m1", "cecil", Rule.ACTIVITY_CONTEXT), id="inside"),
        pytest.param(
            ACTIVITY_WINDOW_MS + 1, ("m1", None, Reason.NO_PROPERTY_EVIDENCE), id="outside"
        ),
    ],
)
def test_activity_just_before_the_message(before, expected):
    rated = Activity("t1", "cecil", HOUR - before, "feedback f1")
    assert attribute([msg("m1", HOUR, "So?")], activity=[rated]) == [expected]


def test_min_confidence_quarantines_with_the_best_candidate():
    thread = [msg("m1", 0, "https://www.flexmls.com/share/Cmm4c"), msg("m2", 40 * MINUTE, "Ok")]
    placements = ThreadAttributor(
        properties_by_timeline(PROPERTIES), window_ms=WINDOW, primary_fallback=False,
        min_confidence=0.99,
    ).place_all(thread)  # fmt: skip
    assert [(p.property_id, p.reason) for p in placements] == [
        ("cecil", None),
        (None, Reason.LOW_CONFIDENCE),
    ]
    assert placements[1].detail.startswith("best candidate cecil by topic_run, confidence 0.9")
    assert 0 <= placements[0].confidence <= 1


def test_primary_fallback_for_every_quarantine():
    assert attribute([msg("m1", 0, "hello")], primary_fallback=True) == [
        ("m1", "first", Rule.PRIMARY_PROPERTY)
    ]


def test_runs_do_not_cross_conversations_or_timelines():
    thread = [msg("m1", 0, "1052 Cecil Ave?"), msg("m2", MINUTE, "Ok", conversation="c2"),
              msg("m3", 2 * MINUTE, "Ok", conversation="c3", timeline="t2")]  # fmt: skip
    assert [p[1] for p in attribute(thread)] == ["cecil", None, None]


def test_streaming_places_like_place_all_and_skips_context():
    thread = [msg("m1", 0, "Hi", context_only=True), msg("m2", MINUTE, "1052 Cecil Ave?"),
              msg("m3", 9 * HOUR, "Ok")]  # fmt: skip
    streamed = ThreadAttributor(TimelineFeed(PROPERTIES), window_ms=WINDOW, primary_fallback=False)
    placements = streamed.feed(thread[:2]) + streamed.feed(thread[2:]) + streamed.finish()
    whole = ThreadAttributor(properties_by_timeline(PROPERTIES), window_ms=WINDOW,
                             primary_fallback=False).place_all(thread)  # fmt: skip
    assert placements == whole
    assert [p.message_id for p in placements] == ["m2", "m3"]


def test_a_run_is_held_at_most_max_run_messages():
    thread = [msg(f"m{i:05}", i, "Ok") for i in range(MAX_RUN_MESSAGES + 1)]
    attributor = ThreadAttributor(properties_by_timeline(PROPERTIES), window_ms=WINDOW,
                                  primary_fallback=False)  # fmt: skip
    assert len(attributor.feed(thread)) == MAX_RUN_MESSAGES


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
    in_memory = ThreadAttributor(
        properties_by_timeline(PROPERTIES), window_ms=WINDOW, primary_fallback=True
    ).place_all(messages)
    assert streamed == in_memory
