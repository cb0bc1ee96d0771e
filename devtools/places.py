"""The people and places of the generated data: addresses and how people write them, the
properties with their listing data, clients, timelines, conversations, and a block of rows."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from devtools.dataset import COLUMNS, KEY_COLUMNS, KEY_TABLE, LEGACY_TABLES, Breakage, Chunk, Row
from devtools.encoding import FastRandom, base36, price_range
from devtools.vocabulary import (
    CITIES,
    DAY,
    DIRECTIONALS,
    LISTING_FORMS,
    PROPERTY_TYPES,
    STREETS,
    SUFFIXES,
)

MLS_ID_KNOWN = 0.6
"""Share of properties whose `mlsId` the listing import filled (the fixture's are all empty:
a share link's import leaves it out, a feed's fills it)."""
MENTION_KINDS = (("address", 0.75), ("mls", 0.12), ("link", 0.13))
"""How a message names a property: its street line, its MLS number, or its listing link."""


@dataclass(frozen=True)
class Address:
    number: int
    directional: str
    name: str
    suffix: str
    unit: str
    doubled_suffix: bool
    """The listing import's defect seen in real data: '3418 Grandview Ave Ave'."""
    city: str
    state: str
    zip_code: str

    @property
    def street(self) -> str:
        """The street line as stored, e.g. '1343 S 1st St 2'."""
        suffix = f"{self.suffix} {self.suffix}" if self.doubled_suffix else self.suffix
        return join(str(self.number), self.directional, self.name, suffix, self.unit)

    @property
    def full(self) -> str:
        """The address as the app stores it: street line, city, state and zip."""
        return f"{self.street}, {self.city}, {self.state} {self.zip_code}"

    def mentions(self) -> tuple[str, ...]:
        """Ways people write this address in a message."""
        short = join(str(self.number), self.directional, self.name, self.suffix)
        spelled = join(
            str(self.number), DIRECTIONALS.get(self.directional, ""), self.name,
            SUFFIXES[self.suffix],
        )  # fmt: skip
        unit = f" {self.unit}" if self.unit else ""
        return (
            short + unit,
            spelled + unit,
            f"{short.lower()}." + (f" #{self.unit}" if self.unit else ""),
            f"{short.upper()}{unit}, {self.city} {self.state}",
            self.full,
            f"{self.number} {self.name}",
        )


def join(*parts: str) -> str:
    """The non-empty parts joined by spaces."""
    return " ".join(part for part in parts if part)


@dataclass(frozen=True)
class Property:
    id: str
    mentions: tuple[str, ...]
    """Ways people write its address."""
    mls_number: str
    """The MLS number clients quote (whether or not the app stored it as `mlsId`)."""
    share_url: str
    """Its listing link, `https://www.flexmls.com/share/<id>/<slug>`."""
    mls_stored: bool
    """Whether the app stored the MLS number as `mlsId` (else quoting it is no evidence)."""

    def mention(self, rng: FastRandom) -> str:
        """How one message names the property: mostly its address, sometimes its MLS number
        or its listing link (with or without the slug)."""
        kind = rng.choices([k for k, _ in MENTION_KINDS], [w for _, w in MENTION_KINDS])[0]
        if kind == "address":
            return rng.choice(self.mentions)
        if kind == "mls":
            return rng.choice(LISTING_FORMS).format(mls=self.mls_number)
        return self.share_url if rng.random() < 0.5 else self.share_url.rsplit("/", 1)[0]


@dataclass(frozen=True)
class Client:
    id: str
    agent_id: str
    name: str
    email: str


@dataclass(frozen=True)
class Timeline:
    id: str
    client: Client
    created_ms: int
    properties: tuple[Property, ...]


@dataclass(frozen=True)
class Conversation:
    id: str
    agent_id: str
    client_id: str
    timeline_id: str
    property_id: str | None


class Block:
    """The rows of a block of timelines, grouped by table and breakage."""

    def __init__(self) -> None:
        self._rows: dict[tuple[str, Breakage | None], list[Row]] = defaultdict(list)
        self.messages = 0

    def add(self, table: str, rows: list[Row], breakage: Breakage | None = None) -> None:
        """Add rows of `table` (or of the ground truth, `KEY_TABLE`)."""
        self._rows[(table, breakage)].extend(rows)
        if table == "messages":
            self.messages += len(rows)

    def chunks(self) -> Iterator[Chunk]:
        """The rows in foreign-key order: each table after the tables it references; the
        ground truth last."""
        for table in (*LEGACY_TABLES, KEY_TABLE):
            for (name, breakage), rows in self._rows.items():
                if name == table and rows:
                    yield Chunk(table, COLUMNS.get(table, KEY_COLUMNS), rows, breakage)


def random_address(rng: FastRandom) -> Address:
    """An address of the Louisville area, as listings spell them."""
    city, state, zip_codes = rng.choice(CITIES)
    return Address(
        number=rng.randint(100, 9999) if rng.random() < 0.9 else rng.randint(10, 99),
        directional=rng.choice(tuple(DIRECTIONALS)) if rng.random() < 0.2 else "",
        name=rng.choice(STREETS),
        suffix=rng.choice(tuple(SUFFIXES)),
        unit=str(rng.randint(1, 12)) if rng.random() < 0.05 else "",
        doubled_suffix=rng.random() < 0.01,
        city=city,
        state=state,
        zip_code=rng.choice(zip_codes),
    )


def distinct_addresses(rng: FastRandom, count: int) -> list[Address]:
    """`count` addresses with distinct street lines."""
    found: dict[str, Address] = {}
    while len(found) < count:
        address = random_address(rng)
        found.setdefault(address.street, address)
    return list(found.values())


def property_row(
    rng: FastRandom, property_id: str, address: Address, position: int, timeline_id: str,
    created: int,
) -> tuple[Row, Property]:  # fmt: skip
    """A `properties` row as the listing import writes it, and the property as messages name it."""
    price = rng.randrange(90, 1400) * 1000 + rng.choice((0, 500, 900))
    beds, baths = rng.randint(1, 6), rng.choice((1.0, 1.5, 2.0, 2.5, 3.0))
    sqft = rng.randrange(600, 4200)
    share = base36(rng.getrandbits(26), 6)[1:]
    slug = "-".join((address.street, address.city, address.state, address.zip_code))
    url = f"https://www.flexmls.com/share/{share}/{slug.replace(' ', '-')}"
    mls_number = str(rng.randrange(1_600_000, 1_700_000))
    images = [f"https://cdn.example.com/lou/1280x1024/{property_id}-{i}.jpg" for i in range(3)]
    parsed = {
        "shareId": share,
        "address": {"street": address.street, "city": address.city, "state": address.state,
                    "zipCode": address.zip_code, "full": address.full},
        "pricing": {"listPrice": f"${price:,}", "priceNumeric": price},
    }  # fmt: skip
    viewed = created + rng.randrange(3 * DAY) if rng.random() < 0.6 else None
    mls_stored = rng.random() < MLS_ID_KNOWN
    row = [
        property_id, mls_number if mls_stored else None, address.full,
        address.city, address.state, address.zip_code, price, beds, baths, sqft,
        rng.choice(PROPERTY_TYPES), f"{beds} beds, {baths:g} baths, {sqft:,} sqft",
        json.dumps(images), url, "flexmls", url, json.dumps(parsed),
        created - rng.randrange(20_000), len(images), address.full.lower().replace(",", ""),
        price_range(price), position, int(viewed is not None), viewed, created,
        viewed or created, timeline_id,
    ]  # fmt: skip
    return row, Property(property_id, address.mentions(), mls_number, url, mls_stored)
