"""What in a shared-conversation message, or in the app's activity just before it, says which
property it is about: one kind of evidence per rule.

- `address_mention`: the street line (`transforms.addresses.PropertyMatcher`);
- `mls_mention`: the property's `mlsId` as a number of its own in the text;
- `listing_link`: the property's listing link, or its share id (`/share/<id>`);
- `activity_context`: the client rated the property in the app (a `feedback` row or a
  `client_analytics` event with its `propertyId`) within `ACTIVITY_WINDOW_MS` before the
  message.

A message that names several properties (of any kinds together) is evidence for none.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from transforms.addresses import PropertyMatcher

ACTIVITY_WINDOW_MS = 30 * 60 * 1000
"""How long before a message the client's activity on a property counts as evidence."""

_NUMBERS = re.compile(r"\d{5,}")
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


class Evidence(NamedTuple):
    """One message's (or activity's) evidence: the property, the rule, and where it is."""

    property_id: str
    rule: str
    source: str


class MessageEvidence:
    """Finds the evidence of one timeline's messages: what they name, what the client did."""

    def __init__(
        self, properties: Sequence[TimelineProperty], activity: Iterable[Activity]
    ) -> None:
        self._addresses = PropertyMatcher((p.id, p.address) for p in properties)
        self._mls = {p.mls_id.strip(): p.id for p in properties if p.mls_id and p.mls_id.strip()}
        self._shares: dict[str, str] = {}
        for prop in properties:
            for share in _SHARE.findall(prop.listing_url or ""):
                self._shares[share] = prop.id
        events = sorted(activity, key=lambda a: a.at_ms)
        self._times = [event.at_ms for event in events]
        self._events = events

    def named(self, text: str) -> dict[str, str]:
        """{property id: rule} of every property the text names (a link or MLS number first)."""
        found = {}
        for share in _SHARE.findall(text) if self._shares else ():
            if share in self._shares:
                found.setdefault(self._shares[share], "listing_link")
        for number in _NUMBERS.findall(text) if self._mls else ():
            if number in self._mls:
                found.setdefault(self._mls[number], "mls_mention")
        for property_id in self._addresses.named_properties(text):
            found.setdefault(property_id, "address_mention")
        return found

    def activity_before(self, at_ms: int) -> list[Activity]:
        """The client's activity within `ACTIVITY_WINDOW_MS` before `at_ms` (inclusive)."""
        low = bisect_left(self._times, at_ms - ACTIVITY_WINDOW_MS)
        return self._events[low : bisect_right(self._times, at_ms)]
