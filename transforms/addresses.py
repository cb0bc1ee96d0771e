"""Street-line matching: does a message name a property's house number and street?

Matching ignores case, punctuation and the usual suffix and direction spellings (St/Street,
Ave/Avenue, S/South, ...). City, state and zip are never required. A message that names a
different suffix ("1052 Cecil Street" for "1052 Cecil Ave") does not match.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

SUFFIXES: dict[str, str] = {
    "street": "st", "st": "st", "str": "st",
    "avenue": "ave", "ave": "ave", "av": "ave",
    "road": "rd", "rd": "rd",
    "drive": "dr", "dr": "dr",
    "lane": "ln", "ln": "ln",
    "boulevard": "blvd", "blvd": "blvd",
    "court": "ct", "ct": "ct",
    "place": "pl", "pl": "pl",
    "circle": "cir", "cir": "cir",
    "terrace": "ter", "ter": "ter",
    "parkway": "pkwy", "pkwy": "pkwy",
    "highway": "hwy", "hwy": "hwy",
    "trail": "trl", "trl": "trl",
    "way": "way",
}  # fmt: skip
"""Every spelling of a street suffix, mapped to its USPS abbreviation."""

DIRECTIONS: dict[str, str] = {
    "north": "n", "n": "n", "south": "s", "s": "s", "east": "e", "e": "e", "west": "w", "w": "w",
    "northeast": "ne", "ne": "ne", "northwest": "nw", "nw": "nw",
    "southeast": "se", "se": "se", "southwest": "sw", "sw": "sw",
}  # fmt: skip
"""Every spelling of a directional, mapped to its abbreviation."""

_SUFFIX_FORMS = frozenset(SUFFIXES.values())
_CANONICAL = {**DIRECTIONS, **SUFFIXES}
_WORD = re.compile(r"[^\W_]+")
_DIGITS = re.compile(r"\d+")
"""Runs of digits: a house number's leading digits are one in any text that names it."""


def tokens(text: str) -> list[str]:
    """Lower-case words of `text` with suffixes and directionals in one canonical spelling."""
    words = _WORD.findall(text.casefold())
    return list(map(_CANONICAL.get, words, words))


@dataclass(frozen=True)
class StreetLine:
    """The house number and street of an address: `1343 S 1st St` of `1343 S 1st St 2, ...`."""

    number: str
    direction: str | None
    name: tuple[str, ...]
    suffix: str | None


def street_line(address: str) -> StreetLine | None:
    """Parse the street line out of a property address; `None` without a house number."""
    words = tokens(address.split(",", 1)[0])
    if len(words) < 2 or not words[0][0].isdigit():
        return None
    number, rest = words[0], words[1:]
    direction = rest[0] if len(rest) > 1 and rest[0] in DIRECTIONS.values() else None
    if direction:
        rest = rest[1:]
    suffix_at = next((i for i, word in enumerate(rest) if i > 0 and word in _SUFFIX_FORMS), None)
    if suffix_at is None:
        return StreetLine(number, direction, tuple(rest), None)
    return StreetLine(number, direction, tuple(rest[:suffix_at]), rest[suffix_at])


def _names_at(words: list[str], start: int, line: StreetLine) -> bool:
    """Whether `words[start:]` spells `line` (house number already matched at start - 1)."""
    at = start
    if at < len(words) and words[at] in DIRECTIONS.values():
        if words[at] != line.direction:
            return False
        at += 1
    end = at + len(line.name)
    if tuple(words[at:end]) != line.name:
        return False
    following = words[end] if end < len(words) else None
    return not (following in _SUFFIX_FORMS and line.suffix and following != line.suffix)


class PropertyMatcher:
    """Finds which of one timeline's properties a text names by street line."""

    def __init__(self, addresses: Iterable[tuple[str, str]]) -> None:
        """`addresses`: (property id, address) pairs of one timeline."""
        self._by_number: dict[str, list[tuple[str, StreetLine]]] = {}
        for property_id, address in addresses:
            line = street_line(address or "")
            if line is not None:
                self._by_number.setdefault(line.number, []).append((property_id, line))
        leading = [_DIGITS.match(number) for number in self._by_number]
        self._digit_runs: frozenset[str] | None = (
            frozenset(m.group() for m in leading if m) if all(leading) else None
        )

    @property
    def needs_digits(self) -> bool:
        """Whether only a text holding a digit can name one of these properties (every house
        number starts with one)."""
        return self._digit_runs is not None

    def named_properties(self, text: str) -> set[str]:
        """Ids of the properties whose street line `text` names."""
        if not self._by_number:
            return set()
        if self._digit_runs is not None and self._digit_runs.isdisjoint(_DIGITS.findall(text)):
            return set()  # no house number of these properties is in the text: skip tokenising
        words = tokens(text)
        found: set[str] = set()
        for index, word in enumerate(words):
            for property_id, line in self._by_number.get(word, ()):
                if _names_at(words, index + 1, line):
                    found.add(property_id)
        return found
