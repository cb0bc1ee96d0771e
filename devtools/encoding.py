"""Ids, random draws and encodings of the generated data: cuids, a fast seeded random, the TEXT
DateTimes of rows written by hand, shares of a total."""

from __future__ import annotations

import random
import time
from collections.abc import Iterable, Sequence
from typing import Any

from devtools.dataset import Row
from devtools.vocabulary import PRICE_RANGES

_B36 = "0123456789abcdefghijklmnopqrstuvwxyz"
_B36_PAIRS = tuple(a + b for a in _B36 for b in _B36)
_B36_TRIPLES = tuple(a + b for a in _B36 for b in _B36_PAIRS)
_T = 36**3
_T2 = _T * _T


def base36(value: int, width: int) -> str:
    """The last `width` (even) base-36 digits of `value`."""
    digits = []
    for _ in range(width // 2):
        value, pair = divmod(value, 1296)
        digits.append(_B36_PAIRS[pair])
    return "".join(reversed(digits))


class CuidFactory:
    """Ids shaped like Prisma's cuids: c + time (8) + counter (4) + fingerprint (4) + random (8).

    Every part is base 36; the digits are looked up in tables of digit triples for speed.
    """

    def __init__(self, rng: random.Random) -> None:
        self._getrandbits = rng.getrandbits
        self._counter = 0
        self._fingerprint = base36(rng.getrandbits(21), 4)

    def __call__(self, ms: int) -> str:
        self._counter += 1
        counter, bits = self._counter, self._getrandbits(42)
        triples = _B36_TRIPLES
        return (
            f"c{_B36_PAIRS[ms // _T2 % 1296]}{triples[ms // _T % _T]}{triples[ms % _T]}"
            f"{_B36_PAIRS[counter // 1296 % 1296]}{_B36_PAIRS[counter % 1296]}{self._fingerprint}"
            f"{_B36_PAIRS[bits // _T2 % 1296]}{triples[bits // _T % _T]}{triples[bits % _T]}"
        )


class FastRandom(random.Random):
    """`random.Random` whose integer and element draws take one `random()` call each.

    Several times faster than the stdlib's exact rejection sampling; the bias, at most
    n / 2**53 for a range of n values, does not matter for demo data.
    """

    def randrange(self, start: int, stop: int | None = None) -> int:  # type: ignore[override]
        low, high = (0, start) if stop is None else (start, stop)
        return low + int(self.random() * (high - low))

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def choice(self, seq: Sequence[Any]) -> Any:
        return seq[int(self.random() * len(seq))]


def sqlite_text(ms: int) -> str:
    """The TEXT that SQLite's CURRENT_TIMESTAMP gives (UTC, whole seconds)."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ms // 1000))


def write_by_hand(row: Row, positions: Iterable[int]) -> None:
    """Turn a row's DateTime cells into the TEXT that a hand-written INSERT leaves."""
    for position in positions:
        if row[position] is not None:
            row[position] = sqlite_text(row[position])


def split(total: int, weights: Sequence[float], minimum: int = 0) -> list[int]:
    """Share `total` out in proportion to `weights`, each at least `minimum`; sums exactly."""
    scale = (total - minimum * len(weights)) / sum(weights)
    counts = [minimum + int(weight * scale) for weight in weights]
    for index in range(total - sum(counts)):
        counts[index] += 1
    return counts


def price_range(price: int) -> str:
    """The app's `priceRange` label of a price."""
    return next((label for limit, label in PRICE_RANGES if price < limit), "over_1m")
