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

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

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


@dataclass(frozen=True)
class TimelineProperty:
    """A property of a timeline, as the text rules need it."""

    id: str
    timeline_id: str
    address: str
    position: int
    created_at_ms: int


@dataclass(frozen=True)
class SharedMessage:
    """A message of a shared conversation still to be placed."""

    message_id: str
    conversation_id: str
    timeline_id: str
    created_at_ms: int
    content: str


@dataclass(frozen=True)
class Placement:
    """The outcome for one message: a property and rule, or a quarantine reason."""

    message_id: str
    property_id: str | None
    rule: str | None
    reason: str | None = None
    detail: str | None = None


@dataclass(frozen=True)
class _Anchor:
    conversation_id: str
    property_id: str
    created_at_ms: int


class ThreadAttributor:
    """Places shared-conversation messages fed in thread order (conversation, time, id).

    Holds only the current thread's anchor, so any number of messages can stream through.
    """

    def __init__(
        self,
        properties: Iterable[TimelineProperty],
        *,
        window_ms: int,
        primary_fallback: bool,
    ) -> None:
        by_timeline: dict[str, list[TimelineProperty]] = {}
        for prop in properties:
            by_timeline.setdefault(prop.timeline_id, []).append(prop)
        self._matchers = {
            timeline: PropertyMatcher((p.id, p.address) for p in props)
            for timeline, props in by_timeline.items()
        }
        self._primary = {
            timeline: min(props, key=lambda p: (p.position, p.created_at_ms, p.id)).id
            for timeline, props in by_timeline.items()
        }
        self._window_ms = window_ms
        self._primary_fallback = primary_fallback
        self._anchor: _Anchor | None = None

    def place(self, message: SharedMessage) -> Placement:
        """Decide one message; messages must arrive in thread order."""
        if self._anchor and self._anchor.conversation_id != message.conversation_id:
            self._anchor = None
        matcher = self._matchers.get(message.timeline_id)
        named = matcher.named_properties(message.content) if matcher else set()
        if len(named) == 1:
            (property_id,) = named
            self._anchor = _Anchor(message.conversation_id, property_id, message.created_at_ms)
            return Placement(message.message_id, property_id, Rule.ADDRESS_MENTION)
        if len(named) > 1:
            self._anchor = None
            listed = ", ".join(sorted(named))
            return self._fallback(
                message,
                Reason.AMBIGUOUS_ADDRESS_MENTION,
                f"names {len(named)} properties: {listed}",
            )
        anchor = self._anchor
        if anchor and 0 <= message.created_at_ms - anchor.created_at_ms <= self._window_ms:
            return Placement(message.message_id, anchor.property_id, Rule.THREAD_CONTEXT)
        return self._fallback(
            message,
            Reason.NO_PROPERTY_EVIDENCE,
            "names no property of its timeline and follows no attributed message in the window",
        )

    def place_all(self, messages: Iterable[SharedMessage]) -> list[Placement]:
        """Decide a chunk of messages in thread order."""
        return [self.place(message) for message in messages]

    def _fallback(self, message: SharedMessage, reason: Reason, detail: str) -> Placement:
        primary = self._primary.get(message.timeline_id)
        if self._primary_fallback and primary is not None:
            return Placement(message.message_id, primary, Rule.PRIMARY_PROPERTY)
        return Placement(message.message_id, None, None, reason, detail)
