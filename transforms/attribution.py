"""The text rules that split a shared legacy conversation by property.

The set-based rules (`conversation_property`, `single_property_timeline`) and the quarantine
reasons known without reading text run in SQL; what is left are shared-conversation messages
of timelines with several properties. For those:

1. each shared conversation is cut into topic runs at its silences: a gap longer than the
   conversation's own threshold, `GAP_FACTOR` times the median of its last `RECENT_GAPS` gaps
   (at least `MIN_RUN_GAP_MS`), ends a run; the thread window (`--thread-window`) is the upper
   bound, and the threshold until `MIN_GAPS` gaps are known;
2. each run is decided from the evidence anywhere in it (`transforms.topic_runs`): the rules
   `address_mention`, `mls_mention`, `listing_link` (the message's own evidence), `topic_run`
   (its run's), `activity_context` (the client's activity in the app just before a message of
   a run that names nothing), each placement with a confidence in [0, 1] and its deciding
   evidence (which message or event);
3. a placement below `min_confidence` is quarantined (`low_confidence`, the best candidate and
   its confidence in the detail); the fallback for every quarantined message is quarantine
   (`no_property_evidence`, `ambiguous_address_mention`, `conflicting_evidence`,
   `low_confidence`) or `primary_property` (lowest position, then oldest, then id).

Memory holds one timeline's properties and activity and one run, at most `MAX_RUN_MESSAGES`
messages: a longer run is decided in pieces of that size.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Sequence
from enum import StrEnum
from typing import Generic, NamedTuple, TypeVar

from transforms.evidence import Activity, MessageEvidence, TimelineProperty
from transforms.topic_runs import Decision, RunMessage, decide_run

__all__ = [
    "Activity", "Placement", "Reason", "Rule", "RunCutter", "SharedMessage", "ThreadAttributor",
    "TimelineFeed", "TimelineProperty", "properties_by_timeline",
]  # fmt: skip

GAP_FACTOR = 8
RECENT_GAPS = 32
MIN_GAPS = 4
MIN_RUN_GAP_MS = 10 * 60 * 1000
MAX_RUN_MESSAGES = 1000
"""The most messages of a run held at once."""


class Rule(StrEnum):
    """How a legacy message was placed; recorded per message in the lineage."""

    CONVERSATION_PROPERTY = "conversation_property"
    SINGLE_PROPERTY_TIMELINE = "single_property_timeline"
    ADDRESS_MENTION = "address_mention"
    MLS_MENTION = "mls_mention"
    LISTING_LINK = "listing_link"
    TOPIC_RUN = "topic_run"
    ACTIVITY_CONTEXT = "activity_context"
    PRIMARY_PROPERTY = "primary_property"


class Reason(StrEnum):
    """Why the text rules left a message unplaced (quarantine reasons decided in Python)."""

    NO_PROPERTY_EVIDENCE = "no_property_evidence"
    AMBIGUOUS_ADDRESS_MENTION = "ambiguous_address_mention"
    CONFLICTING_EVIDENCE = "conflicting_evidence"
    LOW_CONFIDENCE = "low_confidence"


class SharedMessage(NamedTuple):
    """A message of a shared conversation still to be placed."""

    message_id: str
    conversation_id: str
    timeline_id: str
    created_at_ms: int
    content: str
    context_only: bool = False
    """A sync's context: read by the rules, not placed again (no placement is returned)."""
    starts_run: bool = False
    """A sync's cut: a run (or a capped run's piece) starts here, where the whole thread's
    reading started one (`RunCutter`), whatever the context fed before it."""


class Placement(NamedTuple):
    """The outcome for one message: a property and rule, or a quarantine reason."""

    message_id: str
    property_id: str | None
    rule: str | None
    reason: str | None = None
    detail: str | None = None
    confidence: float | None = None
    """Of a text rule's placement, in [0, 1] (recorded in the lineage)."""
    evidence: str | None = None
    """What decided a text rule's placement: `message <id>`, `feedback <id>` or
    `client_analytics <id>` (recorded in the lineage)."""
    segment: str | None = None
    """The topic run the rules saw: the id of its first message (kept with a quarantine row,
    so that a reviewer decides a run at once)."""


T = TypeVar("T", TimelineProperty, Activity)

PropertiesOf = Callable[[str], Sequence[TimelineProperty]]
"""Gives the properties of one timeline (asked once each time the messages move on to one)."""
ActivityOf = Callable[[str], Sequence[Activity]]
"""Gives the client's activity on the properties of one timeline (asked likewise)."""


def properties_by_timeline(properties: Iterable[TimelineProperty]) -> PropertiesOf:
    """A `PropertiesOf` over properties held in memory, in any order."""
    by_timeline: dict[str, list[TimelineProperty]] = {}
    for prop in properties:
        by_timeline.setdefault(prop.timeline_id, []).append(prop)
    return lambda timeline_id: by_timeline.get(timeline_id, [])


class TimelineFeed(Generic[T]):
    """A `PropertiesOf` (or `ActivityOf`) over rows streamed in timeline order (ids compared as
    strings, as SQL orders them under a binary collation): asked for timelines in the same
    order, it holds only the current timeline's rows, whatever the size of the stream."""

    def __init__(self, rows: Iterable[T]) -> None:
        self._rows = iter(rows)
        self._next: T | None = next(self._rows, None)

    def __call__(self, timeline_id: str) -> list[T]:
        while self._next is not None and self._next.timeline_id < timeline_id:
            self._next = next(self._rows, None)
        found = []
        while self._next is not None and self._next.timeline_id == timeline_id:
            found.append(self._next)
            self._next = next(self._rows, None)
        return found


class RunCutter:
    """Where one conversation's topic runs start, fed its message times in thread order: a
    gap longer than the conversation's threshold, or a run that holds `MAX_RUN_MESSAGES`,
    starts a new one. The threshold at a message depends only on the `RECENT_GAPS` gaps
    before it, so `RECENT_GAPS + 1` messages before a cut are all a reader needs to cut as a
    reading of the whole thread does. It is worked out only for a gap that could exceed it
    (longer than `MIN_RUN_GAP_MS` and the window): most gaps are shorter."""

    def __init__(self, window_ms: int) -> None:
        self._window_ms = window_ms
        self._floor_ms = min(window_ms, MIN_RUN_GAP_MS)
        """No threshold is shorter (see `threshold_ms`)."""
        self._last_ms: int | None = None
        self._held = 0
        self._gaps: deque[int] = deque(maxlen=RECENT_GAPS)
        self._rhythm_ms: int | None = None

    def starts_run(self, created_at_ms: int, *, forced: bool = False) -> bool:
        """Whether a run starts with the next message, at `created_at_ms` (the first message
        starts one; `forced`: a run starts there whatever the gap). Changes nothing: `take`
        records the message once the run before it is decided (its rhythm excludes this gap)."""
        last_ms = self._last_ms
        if last_ms is None or forced or self._held >= MAX_RUN_MESSAGES:
            return True
        gap = created_at_ms - last_ms
        return gap > self._floor_ms and gap > self.threshold_ms()

    def take(self, created_at_ms: int, *, starts_run: bool) -> None:
        """Record the next message: its gap, and whether it starts a run (`starts_run`)."""
        if self._last_ms is not None:
            self._gaps.append(created_at_ms - self._last_ms)
            self._rhythm_ms = None
        self._held = 1 if starts_run else self._held + 1
        self._last_ms = created_at_ms

    def rhythm_ms(self) -> int:
        """The median of the conversation's last `RECENT_GAPS` gaps (the thread window's
        `1 / GAP_FACTOR` until `MIN_GAPS` are known)."""
        gaps = self._gaps
        if len(gaps) < MIN_GAPS:
            return self._window_ms // GAP_FACTOR
        if self._rhythm_ms is None:  # worked out once between two messages
            self._rhythm_ms = sorted(gaps)[len(gaps) // 2]
        return self._rhythm_ms

    def threshold_ms(self) -> int:
        """The silence that ends a run (see the module docstring): the thread window until
        `MIN_GAPS` gaps are known."""
        if len(self._gaps) < MIN_GAPS:
            return self._window_ms
        return min(self._window_ms, max(MIN_RUN_GAP_MS, GAP_FACTOR * self.rhythm_ms()))


class ThreadAttributor:
    """Places shared-conversation messages fed in thread order (timeline, conversation, time,
    id), a run at a time: `feed` returns the placements of the runs it completed, `finish`
    those of the last one."""

    def __init__(
        self,
        properties_of: PropertiesOf,
        *,
        window_ms: int,
        primary_fallback: bool,
        activity_of: ActivityOf | None = None,
        min_confidence: float = 0.0,
    ) -> None:
        self._properties_of = properties_of
        self._activity_of = activity_of or (lambda _timeline_id: ())
        self._window_ms = window_ms
        self._primary_fallback = primary_fallback
        self._min_confidence = min_confidence
        self._timeline_id: str | None = None
        self._evidence = MessageEvidence((), ())
        """The current timeline's evidence (an empty one before the first message)."""
        self._primary: str | None = None
        self._conversation_id: str | None = None
        self._cutter = RunCutter(window_ms)
        self._run: list[RunMessage] = []
        self._held: list[SharedMessage] = []
        """The messages of `_run`, as fed."""

    def feed(self, messages: Iterable[SharedMessage]) -> list[Placement]:
        """Take messages in thread order; return the placements of the runs they completed."""
        placed: list[Placement] = []
        cutter, run, held = self._cutter, self._run, self._held
        named_in, activity_before, is_aside = self._evidence_readers()
        for message in messages:
            if (
                message.conversation_id != self._conversation_id
                or message.timeline_id != self._timeline_id
            ):
                placed += self.finish()
                if message.timeline_id != self._timeline_id:
                    self._enter_timeline(message.timeline_id)
                    named_in, activity_before, is_aside = self._evidence_readers()
                self._conversation_id = message.conversation_id
                cutter = self._cutter = RunCutter(self._window_ms)
                run, held = self._run, self._held
            at_ms = message.created_at_ms
            cut = cutter.starts_run(at_ms, forced=message.starts_run)
            if cut and run:
                placed += self.finish()
                run, held = self._run, self._held
            cutter.take(at_ms, starts_run=cut)
            content = message.content
            named = named_in(content)
            if named:
                run.append(RunMessage(message.message_id, at_ms, named, (), is_aside(content)))
            else:
                run.append(RunMessage(message.message_id, at_ms, named, activity_before(at_ms)))
            held.append(message)
        return placed

    def _evidence_readers(
        self,
    ) -> tuple[
        Callable[[str], dict[str, str]], Callable[[int], Sequence[Activity]], Callable[[str], bool]
    ]:
        """The current timeline's `MessageEvidence` methods `feed` calls per message."""
        evidence = self._evidence
        return evidence.named, evidence.activity_before, evidence.is_aside

    def finish(self) -> list[Placement]:
        """Decide the run held (the last one fed); return its placements."""
        run, held = self._run, self._held
        if not run:
            return []
        self._run, self._held = [], []
        decisions = decide_run(run, self.rhythm_ms())
        segment = held[0].message_id
        minimum = self._min_confidence
        placed = []
        for message, decision in zip(held, decisions, strict=True):
            if message.context_only:
                continue
            if decision.property_id is not None and decision.confidence >= minimum:
                placed.append(Placement(
                    message.message_id, decision.property_id, decision.rule, None, None,
                    decision.confidence, decision.evidence, segment,
                ))  # fmt: skip
            else:
                placed.append(self._unplaced(message, decision, segment))
        return placed

    def place_all(self, messages: Iterable[SharedMessage]) -> list[Placement]:
        """Decide a whole set of messages in thread order."""
        return self.feed(messages) + self.finish()

    def rhythm_ms(self) -> int:
        """The current conversation's median gap (`RunCutter.rhythm_ms`)."""
        return self._cutter.rhythm_ms()

    def threshold_ms(self) -> int:
        """The silence that ends a run in the current conversation (`RunCutter`)."""
        return self._cutter.threshold_ms()

    def _enter_timeline(self, timeline_id: str) -> None:
        self._timeline_id = timeline_id
        props = self._properties_of(timeline_id)
        self._evidence = MessageEvidence(props, self._activity_of(timeline_id))
        primary = min(props, key=lambda p: (p.position, p.created_at_ms, p.id), default=None)
        self._primary = primary.id if primary else None
        self._conversation_id = None

    def _unplaced(self, message: SharedMessage, decision: Decision, segment: str) -> Placement:
        """A decision without a property, or below `min_confidence`: quarantine, or the
        primary property with `--fallback primary_property`."""
        if decision.property_id is not None:
            reason, detail = (
                Reason.LOW_CONFIDENCE,
                (
                    f"best candidate {decision.property_id} by {decision.rule}, confidence "
                    f"{decision.confidence:.3f} < {self._min_confidence:.3f}"
                ),
            )
        else:
            reason, detail = _REASONS[decision.reason], _DETAILS[decision.reason]
        if self._primary_fallback and self._primary is not None:
            return Placement(
                message.message_id, self._primary, Rule.PRIMARY_PROPERTY, segment=segment
            )
        return Placement(message.message_id, None, None, reason, detail, segment=segment)


_REASONS = {reason.value: reason for reason in Reason}
_DETAILS = {
    "no_property_evidence": "no evidence of a property anywhere in its topic run",
    "ambiguous_address_mention": "names several properties and its run none of them alone",
    "conflicting_evidence": "between evidence for different properties in its topic run",
}
