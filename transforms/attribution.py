"""The text rules that split a shared legacy conversation by property.

The set-based rules (`conversation_property`, `single_property_timeline`) and the quarantine
reasons known without reading text run in SQL; what is left are shared-conversation messages
of timelines with several properties. For those, first match wins:

1. `address_mention`: the message names the street line of exactly one of its timeline's
   properties;
2. `thread_context`: no evidence of its own, sent within the window after a message of the
   same legacy conversation that `address_mention` placed: it follows that property (a new
   mention switches the thread; a message naming several properties ends it);
3. the fallback: quarantine (reason `no_property_evidence`, or `ambiguous_address_mention`
   when it named several), or `primary_property` (lowest position, then oldest, then id).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from transforms.addresses import PropertyMatcher


class Rule(StrEnum):
    """How a legacy message was placed; recorded per message in the lineage."""

    CONVERSATION_PROPERTY = "conversation_property"
    SINGLE_PROPERTY_TIMELINE = "single_property_timeline"
    ADDRESS_MENTION = "address_mention"
    THREAD_CONTEXT = "thread_context"
    PRIMARY_PROPERTY = "primary_property"


class Reason(StrEnum):
    """Why the text rules left a message unplaced (quarantine reasons decided in Python)."""

    NO_PROPERTY_EVIDENCE = "no_property_evidence"
    AMBIGUOUS_ADDRESS_MENTION = "ambiguous_address_mention"


class TimelineProperty(NamedTuple):
    """A property of a timeline, as the text rules need it."""

    id: str
    timeline_id: str
    address: str
    position: int
    created_at_ms: int


class SharedMessage(NamedTuple):
    """A message of a shared conversation still to be placed."""

    message_id: str
    conversation_id: str
    timeline_id: str
    created_at_ms: int
    content: str


class Placement(NamedTuple):
    """The outcome for one message: a property and rule, or a quarantine reason."""

    message_id: str
    property_id: str | None
    rule: str | None
    reason: str | None = None
    detail: str | None = None


class _Anchor(NamedTuple):
    conversation_id: str
    property_id: str
    created_at_ms: int


PropertiesOf = Callable[[str], Sequence[TimelineProperty]]
"""Gives the properties of one timeline (asked once each time the messages move on to one)."""


def properties_by_timeline(properties: Iterable[TimelineProperty]) -> PropertiesOf:
    """A `PropertiesOf` over properties held in memory, in any order."""
    by_timeline: dict[str, list[TimelineProperty]] = {}
    for prop in properties:
        by_timeline.setdefault(prop.timeline_id, []).append(prop)
    return lambda timeline_id: by_timeline.get(timeline_id, [])


class TimelineFeed:
    """A `PropertiesOf` over properties streamed in timeline order (ids compared as strings,
    as SQL orders them under a binary collation): asked for timelines in the same order, it
    holds only the current timeline's properties, whatever the size of the stream."""

    def __init__(self, properties: Iterable[TimelineProperty]) -> None:
        self._rows = iter(properties)
        self._next: TimelineProperty | None = next(self._rows, None)

    def __call__(self, timeline_id: str) -> list[TimelineProperty]:
        while self._next is not None and self._next.timeline_id < timeline_id:
            self._next = next(self._rows, None)
        found = []
        while self._next is not None and self._next.timeline_id == timeline_id:
            found.append(self._next)
            self._next = next(self._rows, None)
        return found


@dataclass(frozen=True)
class _TimelineRules:
    timeline_id: str
    matcher: PropertyMatcher
    primary: str | None


class ThreadAttributor:
    """Places shared-conversation messages fed in thread order (timeline, conversation, time,
    id).

    Holds only the current timeline's rules and the current thread's anchor, so any number of
    messages can stream through; `properties_of` is asked for a timeline's properties each
    time the messages move on to another timeline.
    """

    def __init__(
        self,
        properties_of: PropertiesOf,
        *,
        window_ms: int,
        primary_fallback: bool,
    ) -> None:
        self._properties_of = properties_of
        self._rules: _TimelineRules | None = None
        self._window_ms = window_ms
        self._primary_fallback = primary_fallback
        self._anchor: _Anchor | None = None

    def _rules_for(self, timeline_id: str) -> _TimelineRules:
        if self._rules is None or self._rules.timeline_id != timeline_id:
            props = self._properties_of(timeline_id)
            primary = min(props, key=lambda p: (p.position, p.created_at_ms, p.id), default=None)
            self._rules = _TimelineRules(
                timeline_id,
                PropertyMatcher((p.id, p.address) for p in props),
                primary.id if primary else None,
            )
        return self._rules

    def place(self, message: SharedMessage) -> Placement:
        """Decide one message; messages must arrive in thread order."""
        if self._anchor and self._anchor.conversation_id != message.conversation_id:
            self._anchor = None
        rules = self._rules_for(message.timeline_id)
        named = rules.matcher.named_properties(message.content)
        if len(named) == 1:
            (property_id,) = named
            self._anchor = _Anchor(message.conversation_id, property_id, message.created_at_ms)
            return Placement(message.message_id, property_id, Rule.ADDRESS_MENTION)
        if len(named) > 1:
            self._anchor = None
            listed = ", ".join(sorted(named))
            return self._fallback(
                message,
                rules,
                Reason.AMBIGUOUS_ADDRESS_MENTION,
                f"names {len(named)} properties: {listed}",
            )
        anchor = self._anchor
        if anchor and 0 <= message.created_at_ms - anchor.created_at_ms <= self._window_ms:
            return Placement(message.message_id, anchor.property_id, Rule.THREAD_CONTEXT)
        return self._fallback(
            message,
            rules,
            Reason.NO_PROPERTY_EVIDENCE,
            "names no property of its timeline and follows no attributed message in the window",
        )

    def place_all(self, messages: Iterable[SharedMessage]) -> list[Placement]:
        """Decide a chunk of messages in thread order."""
        return [self.place(message) for message in messages]

    def _fallback(
        self, message: SharedMessage, rules: _TimelineRules, reason: Reason, detail: str
    ) -> Placement:
        if self._primary_fallback and rules.primary is not None:
            return Placement(message.message_id, rules.primary, Rule.PRIMARY_PROPERTY)
        return Placement(message.message_id, None, None, reason, detail)
