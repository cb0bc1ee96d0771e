"""Deciding one topic run: which property each of its messages is about, from the evidence
anywhere in the run, with a confidence per placement.

A run is a stretch of one shared conversation without a silence longer than its threshold
(`transforms.attribution`). Its evidence (`transforms.evidence`) places it:

- one property named (one or several times): every message of the run goes to it, before and
  after the mention; a message naming it keeps its own rule, the others get `topic_run`;
- several properties named: the run splits at the mentions: a message before the first or
  after the last mention goes with it, one between two mentions of the same property goes to
  that property; between mentions of two properties, at the one silence that stands out (the
  longest gap, at least `CLEAR_SPLIT` times the next longest), else the messages between are
  quarantined (`conflicting_evidence`); a lone mention between two mentions of one other
  property (an aside, or a comparison) is quarantined with what surrounds it;
- no property named: the client's activity just before a message of the run, when it points
  at one property (`activity_context`); several: `conflicting_evidence`; none:
  `no_property_evidence`.

A message that names several properties is never evidence; it follows its run only when it
names the run's property (else `ambiguous_address_mention`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from transforms.evidence import Activity

CLEAR_SPLIT = 3.0
"""How much longer than any other gap between two conflicting mentions a silence must be to
split the run there."""

EXPLICIT_CONFIDENCE = {"listing_link": 0.995, "mls_mention": 0.99, "address_mention": 0.98}
"""The confidence of a message placed by its own evidence, in a run that agrees."""
RUN_CONFIDENCE = 0.97
"""The confidence of a message placed by its run's evidence, next to it in a run that agrees;
less per message further away, when the evidence comes after, when the run is split."""
ACTIVITY_CONFIDENCE = 0.85


class RunMessage(NamedTuple):
    """A message of a run, with what it names and the activity just before it."""

    message_id: str
    created_at_ms: int
    named: dict[str, str]
    """{property id: rule} of what the message names."""
    activity: Sequence[Activity]


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


def decide_run(run: Sequence[RunMessage]) -> list[Decision]:
    """Decide every message of one run (see the module docstring)."""
    mentions = [(i, next(iter(m.named))) for i, m in enumerate(run) if len(m.named) == 1]
    if not mentions:
        return _by_activity(run)
    groups: list[_Group] = []
    for index, property_id in mentions:
        if groups and groups[-1].property_id == property_id:
            last = groups[-1]
            groups[-1] = _Group(last.first, index, property_id, (*last.mentions, index))
        else:
            groups.append(_Group(index, index, property_id, (index,)))
    owners: list[_Group | None] = [None] * len(run)
    for k, group in enumerate(groups):
        for i in range(group.first, group.last + 1):
            owners[i] = group
        if k == 0:
            owners[: group.first] = [group] * group.first
        if k == len(groups) - 1:
            owners[group.last + 1 :] = [group] * (len(run) - group.last - 1)
    for k in range(len(groups) - 1):
        _between(run, owners, groups, k)
    split = len(groups) > 1
    return [_placed(run, i, owner, split) for i, owner in enumerate(owners)]


def _between(run: Sequence[RunMessage], owners: list, groups: list[_Group], k: int) -> None:
    """Assign the messages between groups k and k + 1: at a clear silence, else none."""
    left, right = groups[k], groups[k + 1]
    aside = (
        (k + 2 < len(groups) and len(right.mentions) == 1
         and groups[k + 2].property_id == left.property_id)
        or (k >= 1 and len(left.mentions) == 1 and groups[k - 1].property_id == right.property_id)
    )  # fmt: skip
    if aside:
        lone = (
            right if k + 2 < len(groups) and groups[k + 2].property_id == left.property_id else left
        )
        for i in range(left.last + 1, right.first):
            owners[i] = None
        for i in lone.mentions:
            owners[i] = None
        return
    gaps = [run[i + 1].created_at_ms - run[i].created_at_ms for i in range(left.last, right.first)]
    if len(gaps) == 1:
        return
    ordered = sorted(gaps, reverse=True)
    at = gaps.index(ordered[0])
    clear = ordered[0] >= CLEAR_SPLIT * max(ordered[1], 1)
    for offset, i in enumerate(range(left.last + 1, right.first)):
        owners[i] = (left if offset < at else right) if clear else None


def _placed(run: Sequence[RunMessage], i: int, owner: _Group | None, split: bool) -> Decision:
    message = run[i]
    if owner is None:
        return Decision(None, None, 0.0, None, "conflicting_evidence")
    if len(message.named) > 1 and owner.property_id not in message.named:
        return Decision(None, None, 0.0, None, "ambiguous_address_mention")
    if len(message.named) == 1:
        rule = message.named[owner.property_id]
        confidence = EXPLICIT_CONFIDENCE[rule] - (0.03 if split else 0.0)
        return Decision(
            owner.property_id, rule, round(confidence, 3), f"message {message.message_id}"
        )
    nearest = min(owner.mentions, key=lambda m: abs(m - i))
    distance = abs(nearest - i)
    confidence = RUN_CONFIDENCE - 0.004 * min(distance, 10)
    confidence -= 0.02 if nearest > i else 0.0
    confidence -= 0.04 if split else 0.0
    confidence -= 0.02 if message.named else 0.0
    return Decision(
        owner.property_id, "topic_run", round(confidence, 3), f"message {run[nearest].message_id}"
    )


def _by_activity(run: Sequence[RunMessage]) -> list[Decision]:
    activity = [event for message in run for event in message.activity]
    candidates = {event.property_id for event in activity}
    if len(candidates) > 1:
        return [Decision(None, None, 0.0, None, "conflicting_evidence") for _ in run]
    if not candidates:
        return [
            Decision(None, None, 0.0, None,
                     "ambiguous_address_mention" if m.named else "no_property_evidence")
            for m in run
        ]  # fmt: skip
    (property_id,) = candidates
    return [
        Decision(property_id, "activity_context", ACTIVITY_CONFIDENCE, activity[0].source)
        if not m.named or property_id in m.named
        else Decision(None, None, 0.0, None, "ambiguous_address_mention")
        for m in run
    ]
