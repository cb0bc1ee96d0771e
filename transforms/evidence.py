"""What in a shared-conversation message, or in the app's activity just before it, says which
property it is about: one kind of evidence per rule.

- `address_mention`: the street line (`transforms.addresses.PropertyMatcher`);
- `mls_mention`: the property's `mlsId` as a number of its own in the text;
- `listing_link`: the property's listing link, or its share id (`/share/<id>`);
- `activity_context`: the client rated the property in the app (a `feedback` row or a
  `client_analytics` event with its `propertyId`) within `ACTIVITY_WINDOW_MS` before the
  message.

A message that names several properties (of any kinds together) is evidence for none, and so
is one that names a property to compare with it ("I liked 12 Oak St better"). A listing
reference that matches none of the timeline's properties (an MLS number the app did not store)
is evidence of an unknown property: it splits a run like any mention, and what it would place
is quarantined (`conflicting_evidence`). A mention opened as a digression ("Btw, any news on
12 Oak St?", `is_aside`) places that message only, not its run.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from transforms.addresses import PropertyMatcher

ACTIVITY_WINDOW_MS = 30 * 60 * 1000
"""How long before a message the client's activity on a property counts as evidence."""

_DIGIT = re.compile(r"\d")
_NUMBERS = re.compile(r"\d{5,}")
_LONG_NUMBER = re.compile(r"\d{5}")
_REFERENCE = re.compile(
    r"(?=[ml/])(?:\b(?:mls|listing)\s*#?\s*\d{5,}|/share/[A-Za-z0-9]+)", re.IGNORECASE
)
"""A listing reference (an MLS number after its cue, a share link) whether known or not. (The
lookaheads of `_REFERENCE` and `_COMPARING` name the first letters of what follows: the same
matches, tried only where one can start.)"""
_ASIDE = re.compile(
    r"^\W*(?:also|btw|by the way|oh and|unrelated|side note|p\.?s\.?)\b", re.IGNORECASE
)
"""Words opening a digression: a message asking in passing about another property."""
UNKNOWN = "?"
"""The property a listing reference names when it is none of the timeline's (in `named`)."""
_COMPARING = re.compile(
    r"(?=[bwtcv])\b(better|worse|than|compare[ds]?|comparing|versus|vs)\b", re.IGNORECASE
)
"""Words of a comparison: a message comparing with one property is about another one."""
_SHARE = re.compile(r"/share/([A-Za-z0-9]+)")


class TimelineProperty(NamedTuple):
    """A property of a timeline, as the text rules need it."""

    id: str
    timeline_id: str
    address: str
    position: int
    created_at_ms: int
    mls_id: str | None = None
    listing_url: str | None = None


class Activity(NamedTuple):
    """The client's activity on a property of a timeline (a rating, a feedback event)."""

    timeline_id: str
    property_id: str
    at_ms: int
    source: str
    """What it is, e.g. `feedback <id>` or `client_analytics <id>`."""


class MessageEvidence:
    """Finds the evidence of one timeline's messages: what they name, what the client did."""

    def __init__(
        self, properties: Sequence[TimelineProperty], activity: Iterable[Activity]
    ) -> None:
        self._addresses = PropertyMatcher((p.id, p.address) for p in properties)
        self._needs_digits = self._addresses.needs_digits
        self._mls = {p.mls_id.strip(): p.id for p in properties if p.mls_id and p.mls_id.strip()}
        self._shares: dict[str, str] = {}
        for prop in properties:
            for share in _SHARE.findall(prop.listing_url or ""):
                self._shares[share] = prop.id
        events = sorted(activity, key=lambda a: a.at_ms)
        self._times = [event.at_ms for event in events]
        self._events = events

    def named(self, text: str) -> dict[str, str]:
        """{property id: rule} of every property the text names (a link or MLS number first);
        none when it names one property only to compare with it; {`UNKNOWN`: ...} when it
        names none but holds a listing reference (an MLS number, a share link) that is none of
        the timeline's: some other property (beside what it names, if anything: then it names
        several)."""
        linked = "/share/" in text
        if not linked and self._needs_digits and _DIGIT.search(text) is None:
            return {}  # no link, no number: most texts, told apart at the cost of one search
        found: dict[str, str] = {}
        for share in _SHARE.findall(text) if linked and self._shares else ():
            if share in self._shares:
                found.setdefault(self._shares[share], "listing_link")
        numbered = _LONG_NUMBER.search(text) is not None
        for number in _NUMBERS.findall(text) if numbered and self._mls else ():
            if number in self._mls:
                found.setdefault(self._mls[number], "mls_mention")
        for property_id in self._addresses.named_properties(text):
            found.setdefault(property_id, "address_mention")
        if len(found) == 1 and _COMPARING.search(text):
            return {}
        if (linked or numbered) and self._unknown_reference(text):
            found[UNKNOWN] = "unknown_listing"
        return found

    def _unknown_reference(self, text: str) -> bool:
        """Whether the text holds a listing reference that is none of the timeline's."""
        for reference in _REFERENCE.findall(text):
            share = _SHARE.search(reference)
            if share is not None and share.group(1) not in self._shares:
                return True
            number = _NUMBERS.search(reference)
            if share is None and number is not None and number.group() not in self._mls:
                return True
        return False

    @staticmethod
    def is_aside(text: str) -> bool:
        """Whether the text opens as a digression ("Oh and is 12 Oak St still available?")."""
        return _ASIDE.match(text) is not None

    def activity_before(self, at_ms: int) -> list[Activity]:
        """The client's activity within `ACTIVITY_WINDOW_MS` before `at_ms` (inclusive)."""
        if not self._times:
            return []
        low = bisect_left(self._times, at_ms - ACTIVITY_WINDOW_MS)
        return self._events[low : bisect_right(self._times, at_ms)]
