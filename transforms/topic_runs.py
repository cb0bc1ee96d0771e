"""Deciding one topic run: which property each of its messages is about, from the evidence
anywhere in the run, with a confidence per placement.

A run is a stretch of one shared conversation without a silence longer than its threshold
(`transforms.attribution`). Its evidence (`transforms.evidence`) places it:

- one property named (one or several times): every message of the run goes to it, before and
  after the mention; a message naming it keeps its own rule, the others get `topic_run`, with
  the confidence of the nearest mention, or of the surer one when the property is named on
  both sides of it without another property between (a topic named again after a slow reply
  is still that topic: a new one would have to be about it too);
- several properties named: the run splits at the mentions: a message before the first or
  after the last mention goes with it, one between two mentions of the same property goes to
  that property; between mentions of two properties, at the longest silence between them
  (placements near a mention of the other property lose `SPLIT_PENALTY` unless a silence
  stands out between them, so an unclear split stays below the usual `--min-confidence`);
  a lone mention between two mentions of one other property is no exception: set apart by
  silences it is a short topic of its own, and without them (an aside that does not open as
  one) the split penalty keeps it and what surrounds it unsure;
- no property named: the client's activity just before a message of the run, when it points
  at one property (`activity_context`); several: `conflicting_evidence`; none:
  `no_property_evidence`.

A message that names several properties is never evidence; it follows its run only when it
names the run's property (else `ambiguous_address_mention`). A digression (`RunMessage.aside`)
names a property for itself only: it goes there, the run ignores it, and the message after it
is its answer (a question asked in passing is answered next, whenever the other side replies:
`topic_run`, the aside its evidence, as sure as the silence between them allows) unless it
names something.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from transforms.evidence import UNKNOWN, Activity

CLEAR_SPLIT = 2.0
"""How much longer than the silence to its own evidence (and the median gap) the silence to a
mention of another property must be for a placement to keep its full confidence."""

EXPLICIT_CONFIDENCE = {"listing_link": 0.995, "mls_mention": 0.99, "address_mention": 0.98}
"""The confidence of a message placed by its own evidence, in a run that agrees."""
RUN_CONFIDENCE = ((2.0, 0.995), (5.0, 0.985), (8.0, 0.95), (float("inf"), 0.9))
"""The confidence of a message placed by its run's evidence before it, by the longest silence
between them (as a multiple of the conversation's median gap, up to each limit); a little less
per message further away (`run_confidence`)."""
RUN_CONFIDENCE_AFTER = ((2.0, 0.985), (3.0, 0.975), (8.0, 0.94), (float("inf"), 0.89))
"""Likewise for evidence after the message. Lower, and sooner: a topic is most often named
in its first message, so a mention after a long silence more often opens the next topic than
it names the one before (a slow reply within a topic keeps the topic's earlier mention)."""
SPLIT_PENALTY = 0.06
"""Less confidence in a placement of a run that names several properties, unless a silence
`CLEAR_SPLIT` times longer than the one to its own evidence (and the median gap) separates it
from the nearest mention of another property."""
ACTIVITY_CONFIDENCE = 0.85


class RunMessage(NamedTuple):
    """A message of a run, with what it names and the activity just before it."""

    message_id: str
    created_at_ms: int
    named: dict[str, str]
    """{property id: rule} of what the message names."""
    activity: Sequence[Activity]
    aside: bool = False
    """It opens as a digression: its mention places it alone, and its answer is unsure."""


class Decision(NamedTuple):
    """A run message's outcome: a property, rule, confidence and the deciding evidence, or a
    quarantine reason (with the best candidate, if any, in `property_id`)."""

    property_id: str | None
    rule: str | None
    confidence: float
    evidence: str | None
    reason: str | None = None


class _Group(NamedTuple):
    first: int
    last: int
    property_id: str
    mentions: tuple[int, ...]


def decide_run(run: Sequence[RunMessage], rhythm_ms: int) -> list[Decision]:
    """Decide every message of one run (see the module docstring); `rhythm_ms` is the median
    gap of its conversation, the measure of its silences."""
    mentions = [
        (i, next(iter(m.named))) for i, m in enumerate(run) if len(m.named) == 1 and not m.aside
    ]
    if not mentions:
        decisions = _by_activity(run)
    elif all(property_id == mentions[0][1] for _, property_id in mentions):
        decisions = _one_property(run, mentions[0][1], [i for i, _ in mentions], rhythm_ms)
    else:
        decisions = _several_properties(run, mentions, rhythm_ms)
    if any(m.aside for m in run):
        return _asides(run, decisions, rhythm_ms)
    return decisions


_CONFLICTING = Decision(None, None, 0.0, None, "conflicting_evidence")
_AMBIGUOUS = Decision(None, None, 0.0, None, "ambiguous_address_mention")
_NO_EVIDENCE = Decision(None, None, 0.0, None, "no_property_evidence")


def _one_property(
    run: Sequence[RunMessage], property_id: str, marks: list[int], rhythm_ms: int
) -> list[Decision]:
    """A run that names one property (`marks`: where): the case of most runs, decided as
    `_several_properties` would (one group, no rival, no split penalty) in one pass."""
    if property_id == UNKNOWN:
        return [_CONFLICTING] * len(run)
    before, after = _reaches(run, marks)
    first, last = marks[0], marks[-1]
    decisions = []
    for i, message in enumerate(run):
        named = message.named
        if named and property_id not in named:
            decisions.append(_AMBIGUOUS if len(named) > 1 else _CONFLICTING)
        elif len(named) == 1:
            rule = named[property_id]
            decisions.append(Decision(property_id, rule, round(EXPLICIT_CONFIDENCE[rule], 3),
                                      f"message {message.message_id}"))  # fmt: skip
        else:
            own = _own_reach(before[i], after[i], i, first, last, rhythm_ms)
            confidence = _confidence(own, i, rhythm_ms) - (0.01 if named else 0.0)
            decisions.append(Decision(property_id, "topic_run", round(confidence, 3),
                                      f"message {run[own[0]].message_id}"))  # fmt: skip
    return decisions


def _several_properties(
    run: Sequence[RunMessage], mentions: list[tuple[int, str]], rhythm_ms: int
) -> list[Decision]:
    """A run that names several properties: split at the mentions (the module docstring)."""
    groups: list[_Group] = []
    for index, property_id in mentions:
        if groups and groups[-1].property_id == property_id:
            last = groups[-1]
            groups[-1] = _Group(last.first, index, property_id, (*last.mentions, index))
        else:
            groups.append(_Group(index, index, property_id, (index,)))
    owners = [groups[0]] * len(run)  # before the first mention; the rest below
    for k, group in enumerate(groups):
        for i in range(group.first, group.last + 1):
            owners[i] = group
        if k == len(groups) - 1:
            owners[group.last + 1 :] = [group] * (len(run) - group.last - 1)
    for k in range(len(groups) - 1):
        _between(run, owners, groups, k)
    marks: dict[str, list[int]] = {}
    for index, property_id in mentions:
        marks.setdefault(property_id, []).append(index)
    reaches = {property_id: _reaches(run, found) for property_id, found in marks.items()}
    return [_placed(run, i, owner, reaches, rhythm_ms) for i, owner in enumerate(owners)]


def _asides(run: Sequence[RunMessage], decisions: list[Decision], rhythm_ms: int) -> list[Decision]:
    """A digression naming one property goes there; the message after it, naming nothing, is
    its answer, as sure as the silence before it allows (`run_confidence`)."""
    for i, message in enumerate(run):
        if not message.aside or len(message.named) != 1:
            continue
        ((property_id, rule),) = message.named.items()
        if property_id != UNKNOWN:
            confidence = EXPLICIT_CONFIDENCE[rule]
            decisions[i] = Decision(property_id, rule, confidence, f"message {message.message_id}")
        if i + 1 < len(run) and not run[i + 1].named:
            ratio = (run[i + 1].created_at_ms - message.created_at_ms) / max(rhythm_ms, 1)
            decisions[i + 1] = (
                Decision(property_id, "topic_run", run_confidence(ratio, 1, after=False),
                         f"message {message.message_id}")
                if property_id != UNKNOWN
                else _CONFLICTING
            )  # fmt: skip
    return decisions


def _between(run: Sequence[RunMessage], owners: list[_Group], groups: list[_Group], k: int) -> None:
    """Assign the messages between groups k and k + 1: split at the longest silence."""
    left, right = groups[k], groups[k + 1]
    gaps = [run[i + 1].created_at_ms - run[i].created_at_ms for i in range(left.last, right.first)]
    if len(gaps) == 1:
        return
    at = gaps.index(max(gaps))
    for offset, i in enumerate(range(left.last + 1, right.first)):
        owners[i] = left if offset < at else right


_Reach = tuple[int, int]
"""The nearest mention of a property from a message: where, and the longest gap between."""


def _reaches(
    run: Sequence[RunMessage], marks: Sequence[int]
) -> tuple[list[_Reach | None], list[_Reach | None]]:
    """Per message, the nearest of the mentions `marks` at or before it and the longest gap
    between them, and likewise at or after it (None without one): one pass each way (a reach
    is made anew only when it changes)."""
    size, marked = len(run), set(marks)
    times = [message.created_at_ms for message in run]
    before: list[_Reach | None] = [None] * size
    reach: _Reach | None = None
    for i in range(size):
        if i in marked:
            reach = (i, 0)
        elif reach is not None and times[i] - times[i - 1] > reach[1]:
            reach = (reach[0], times[i] - times[i - 1])
        before[i] = reach
    after: list[_Reach | None] = [None] * size
    reach = None
    for i in range(size - 1, -1, -1):
        if i in marked:
            reach = (i, 0)
        elif reach is not None and times[i + 1] - times[i] > reach[1]:
            reach = (reach[0], times[i + 1] - times[i])
        after[i] = reach
    return before, after


def _nearest(earlier: _Reach | None, later: _Reach | None, i: int) -> _Reach | None:
    """The nearer of two reaches of message i (the earlier on a tie)."""
    if later is None or (earlier is not None and i - earlier[0] <= later[0] - i):
        return earlier
    return later


def _placed(
    run: Sequence[RunMessage], i: int, owner: _Group,
    reaches: dict[str, tuple[list[_Reach | None], list[_Reach | None]]], rhythm_ms: int,
) -> Decision:  # fmt: skip
    message = run[i]
    named = message.named
    if owner.property_id == UNKNOWN:
        return _CONFLICTING
    if named and owner.property_id not in named:
        return _AMBIGUOUS if len(named) > 1 else _CONFLICTING  # else an aside (`_asides`)
    earlier, later = reaches[owner.property_id]
    own = _own_reach(earlier[i], later[i], i, owner.first, owner.last, rhythm_ms)
    penalty = 0.0
    if len(reaches) > 1:
        rivals = [_nearest(earlier[i], later[i], i)
                  for property_id, (earlier, later) in reaches.items()
                  if property_id != owner.property_id]  # fmt: skip
        rival = min(filter(None, rivals), key=lambda r: abs(r[0] - i), default=None)
        if rival is not None and rival[1] < CLEAR_SPLIT * max(own[1], rhythm_ms):
            penalty = SPLIT_PENALTY
    if len(named) == 1:
        rule = named[owner.property_id]
        confidence = EXPLICIT_CONFIDENCE[rule] - penalty
        return Decision(
            owner.property_id, rule, round(confidence, 3), f"message {message.message_id}"
        )
    confidence = _confidence(own, i, rhythm_ms) - penalty - (0.01 if named else 0.0)
    at = own[0]
    return Decision(
        owner.property_id, "topic_run", round(confidence, 3), f"message {run[at].message_id}"
    )


def _own_reach(
    before: _Reach | None, after: _Reach | None, i: int, first: int, last: int, rhythm_ms: int
) -> _Reach:
    """The mention of its owner's group (from `first` to `last`) that places message i: the
    first after it before the group, the last before it after the group, within the group
    (named on both sides without another property between) the surer side."""
    if i < first:
        own = after
    elif i > last:
        own = before
    else:
        own = max(before, after, key=lambda r: _confidence(r, i, rhythm_ms))
    assert own is not None  # an owner's group is on that side
    return own


def _confidence(reach: _Reach | None, i: int, rhythm_ms: int) -> float:
    """The confidence the mention `reach` gives message i (`run_confidence`; 0 without one)."""
    if reach is None:
        return 0.0
    (at, silence) = reach
    return run_confidence(silence / max(rhythm_ms, 1), abs(at - i), after=at > i)


def run_confidence(silence_ratio: float, distance: int, *, after: bool) -> float:
    """The confidence of a message placed by its run's evidence `distance` messages away, the
    longest silence between them `silence_ratio` times the conversation's median gap, the
    evidence after it (`RUN_CONFIDENCE_AFTER`) or before (`RUN_CONFIDENCE`)."""
    table = RUN_CONFIDENCE_AFTER if after else RUN_CONFIDENCE
    confidence = table[-1][1]
    for limit, value in table:
        if silence_ratio <= limit:
            confidence = value
            break
    return confidence - 0.002 * min(distance, 10)


def _by_activity(run: Sequence[RunMessage]) -> list[Decision]:
    activity = [event for message in run for event in message.activity]
    candidates = {event.property_id for event in activity}
    if len(candidates) > 1:
        return [_CONFLICTING] * len(run)
    if not candidates:
        return [_AMBIGUOUS if m.named else _NO_EVIDENCE for m in run]
    (property_id,) = candidates
    return [
        Decision(property_id, "activity_context", ACTIVITY_CONFIDENCE, activity[0].source)
        if not m.named or property_id in m.named
        else _AMBIGUOUS
        for m in run
    ]
