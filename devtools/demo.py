"""Realistic legacy messaging data for the `demo` command, the benchmarks and the tests.

`generate_legacy_dataset(messages, seed)` streams the six legacy tables as `Chunk`s in
foreign-key order, one block of timelines (about `chunk_messages` messages) at a time, so that
millions of messages fit in bounded memory. The same (messages, seed) always gives the same
rows. Rows come in the form Prisma stores them on SQLite (DateTime as INTEGER epoch ms, or as
TEXT 'YYYY-MM-DD HH:MM:SS' in rows written by hand; Boolean as 0/1; Json as text); for
PostgreSQL they are converted the way `copy_sqlite_app_db_to_postgres` converts an app database.

A handful of rows are broken on purpose (`Breakage`), whatever the size. PostgreSQL enforces
the legacy foreign keys, so there the rows that would violate one are not written: they cannot
exist in a production database (loading them anyway would take superuser rights and
`session_replication_role = replica`). `DatasetStats` counts what was actually written.
"""

from __future__ import annotations

import json
import random
import sqlite3
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql as pgsql

import sql
from devtools.sql import legacy_ddl
from v2_backfill.config import DatabaseTarget, parse_database_url
from v2_backfill.errors import ConnectionFailed, UsageError

Row = list[Any]

MIN_MESSAGES = 100
"""Smallest dataset: the showcase timeline and the deliberate breakages need this many."""

LEGACY_TABLES = ("users", "clients", "timelines", "properties", "conversations", "messages")
V2_TABLES = ("property_conversations", "messages_v2", "notifications_v2")

COLUMNS: dict[str, tuple[str, ...]] = {
    "users": ("id", "email", "password", "isActive", "emailVerified", "createdAt", "updatedAt"),
    "clients": (
        "id", "firstName", "lastName", "email", "phone", "isActive", "totalViews",
        "feedbackRate", "createdAt", "updatedAt", "agentId",
    ),
    "timelines": (
        "id", "title", "description", "shareToken", "isActive", "totalViews", "lastViewed",
        "createdAt", "updatedAt", "agentId", "clientId",
    ),
    "properties": (
        "id", "address", "city", "state", "zipCode", "price", "bedrooms", "bathrooms",
        "squareFootage", "propertyType", "description", "imageUrls", "listingUrl", "mlsSource",
        "originalMlsUrl", "parsedData", "parseTimestamp", "imageCount", "addressNormalized",
        "priceRange", "position", "isViewed", "viewedAt", "createdAt", "updatedAt", "timelineId",
    ),
    "conversations": (
        "id", "agentId", "clientId", "timelineId", "propertyId", "isActive", "lastMessageAt",
        "agentUnreadCount", "clientUnreadCount", "createdAt", "updatedAt",
    ),
    "messages": (
        "id", "conversationId", "senderId", "senderType", "content", "isRead", "readAt",
        "createdAt", "updatedAt",
    ),
}  # fmt: skip
"""The columns the generator fills, per table, in row order; the others keep their defaults."""

# Positions in a message row, and of the DateTime cells of a conversation row.
_SENDER, _SENDER_TYPE, _CONTENT, _IS_READ, _READ_AT, _CREATED, _UPDATED = range(2, 9)
_CONVERSATION_CREATED = 9
_CONVERSATION_DATETIMES = (6, 9, 10)
_ROLES = ("agent", "client")


class Breakage(StrEnum):
    """Rows broken on purpose; each kind but the last occurs a fixed handful of times."""

    ORPHAN_MESSAGE = "orphan_message"
    """`messages.conversationId` matches no conversation."""
    MISSING_PROPERTY = "missing_property"
    """A conversation's `propertyId` matches no property."""
    FOREIGN_PROPERTY = "foreign_property"
    """A conversation's property belongs to another timeline."""
    MISSING_TIMELINE = "missing_timeline"
    """A shared conversation's `timelineId` matches no timeline."""
    INACTIVE_CONVERSATION = "inactive_conversation"
    """A conversation with messages and `isActive` = false."""
    INACTIVE_CLIENT = "inactive_client"
    """A soft-deleted client (`isActive` = false) whose conversations have messages."""
    UNKNOWN_SENDER_ID = "unknown_sender_id"
    """A message whose `senderId` is neither its conversation's agent nor its client."""
    SECOND_SHARED_CONVERSATION = "second_shared_conversation"
    """A second shared conversation of one agent, client and timeline (~10% of timelines)."""

    @property
    def subject_table(self) -> str:
        """The table holding the broken rows (other chunks with this label only follow them)."""
        return _SUBJECT_TABLES.get(self, "conversations")

    @property
    def violates_foreign_key(self) -> bool:
        """Whether the rows cannot be written where the legacy foreign keys are enforced."""
        return self in _DANGLING


_SUBJECT_TABLES = {
    Breakage.ORPHAN_MESSAGE: "messages",
    Breakage.INACTIVE_CLIENT: "clients",
    Breakage.UNKNOWN_SENDER_ID: "messages",
}
_DANGLING = {Breakage.ORPHAN_MESSAGE, Breakage.MISSING_PROPERTY, Breakage.MISSING_TIMELINE}


@dataclass(frozen=True)
class Chunk:
    """Rows of one table in SQLite storage form, cells in the order of `columns`."""

    table: str
    columns: tuple[str, ...]
    rows: list[Row]
    breakage: Breakage | None = None
    """Set when the rows are, or belong to, a deliberate breakage."""


@dataclass
class DatasetStats:
    """What a writer wrote: rows per table, deliberate breakages and realistic oddities."""

    users: int = 0
    clients: int = 0
    timelines: int = 0
    properties: int = 0
    conversations: int = 0
    messages: int = 0
    breakages: dict[Breakage, int] = field(default_factory=lambda: dict.fromkeys(Breakage, 0))
    """Broken rows of each kind, counted in the kind's subject table."""
    breakage_ids: dict[Breakage, list[str]] = field(default_factory=dict)
    """Ids of the broken rows, for all kinds but the frequent second shared conversations."""
    sender_type_variants: int = 0
    """Messages whose `senderType` is 'agent' / 'client' only once trimmed and lower-cased."""
    unknown_sender_types: int = 0
    """Messages with a `senderType` such as 'bot' or 'system' (the sender is still known)."""
    text_datetime_messages: int = 0
    """Messages whose `createdAt` is TEXT (SQLite only)."""
    text_datetime_conversations: int = 0
    """Conversations whose `createdAt` is TEXT (SQLite only)."""

    def to_dict(self) -> dict[str, Any]:
        """Rows per table, breakages by kind and the oddities, as plain JSON-ready values
        (the broken rows' ids left out)."""
        return {
            "rows": {table: getattr(self, table) for table in LEGACY_TABLES},
            "breakages": {str(kind): count for kind, count in self.breakages.items()},
            "sender_type_variants": self.sender_type_variants,
            "unknown_sender_types": self.unknown_sender_types,
            "text_datetime_messages": self.text_datetime_messages,
            "text_datetime_conversations": self.text_datetime_conversations,
        }

    def describe(self) -> str:
        """One readable line: rows per table, then the breakages, e.g. `rows: users 1, clients
        13, ..., messages 2000; broken on purpose: orphan_message 2, missing_property 1, ...`."""
        facts = self.to_dict()
        rows = ", ".join(f"{table} {count}" for table, count in facts["rows"].items())
        broken = ", ".join(f"{kind} {count}" for kind, count in facts["breakages"].items())
        return f"rows: {rows}; broken on purpose: {broken}"

    def add(self, chunk: Chunk, *, text_datetimes: bool) -> None:
        """Count a written chunk; `text_datetimes` says whether TEXT DateTimes stayed TEXT."""
        setattr(self, chunk.table, getattr(self, chunk.table) + len(chunk.rows))
        if chunk.breakage is not None and chunk.table == chunk.breakage.subject_table:
            self.breakages[chunk.breakage] += len(chunk.rows)
            if chunk.breakage is not Breakage.SECOND_SHARED_CONVERSATION:
                ids = self.breakage_ids.setdefault(chunk.breakage, [])
                ids.extend(row[0] for row in chunk.rows)
        if chunk.table == "messages":
            self._add_messages(chunk.rows, text_datetimes)
        elif chunk.table == "conversations" and text_datetimes:
            self.text_datetime_conversations += sum(
                isinstance(row[_CONVERSATION_CREATED], str) for row in chunk.rows
            )

    def _add_messages(self, rows: list[Row], text_datetimes: bool) -> None:
        odd = [row[_SENDER_TYPE] for row in rows if row[_SENDER_TYPE] not in _ROLES]
        variants = sum(kind.strip().lower() in _ROLES for kind in odd)
        self.sender_type_variants += variants
        self.unknown_sender_types += len(odd) - variants
        if text_datetimes:
            self.text_datetime_messages += sum(isinstance(row[_CREATED], str) for row in rows)


# ---------------------------------------------------------------------------------------------
# Vocabulary

_START_MS = 1_704_067_200_000  # 2024-01-01T00:00:00Z
_SPAN_MS = 1_757_894_400_000 - _START_MS  # until 2025-09-15
_MINUTE, _HOUR, _DAY = 60_000, 3_600_000, 86_400_000

_FIRST_NAMES = (
    "Erin", "Marcus", "Priya", "Dana", "Luis", "Hannah", "Tyrone", "Mei", "Colleen", "Omar",
    "Jessie", "Brett", "Aisha", "Kurt", "Renee", "Diego", "Sofia", "Grant", "Nadia", "Wes",
    "Tamika", "Owen", "Leah", "Bao", "Carmen", "Seth", "Ivy", "Rashad", "Molly", "Yusuf",
)  # fmt: skip
_LAST_NAMES = (
    "Example", "Nguyen", "Patel", "Brooks", "Hernandez", "Miller", "O'Connor", "Kim", "Walsh",
    "Haddad", "Carter", "Schmidt", "Okafor", "Lindqvist", "Reyes", "Thompson", "Bauer", "Cole",
    "Ferreira", "Young", "Abbott", "Mendez", "Price", "Tran", "Whitaker", "Zimmerman",
)  # fmt: skip
_STREETS = (
    "Cecil", "Ellison", "Princeton", "Carolina", "Grandview", "Lakeview", "Oak", "Cleveland",
    "Gardiner", "Sherwood", "Westdale", "Esther", "Cherrywood", "Bardstown", "Frankfort",
    "Baxter", "Bonnycastle", "Eastern", "Hikes", "Taylorsville", "Brownsboro", "Lexington",
    "Market", "Preston", "Poplar Level", "Shelbyville", "Dixie", "Algonquin", "Woodbourne",
    "Deer Park", "Edenside", "Valletta", "Rudy", "Hubbards", "Chenoweth", "Westport", "Herr",
    "Dundee", "Trevilian", "Emerson", "Speed", "Cardinal", "Goss", "Kentucky", "Maple",
    "Highland", "Willow", "Cherokee", "Lauderdale", "Napanee", "1st", "2nd", "3rd", "4th",
    "Brook", "Floyd", "Shelby", "Clay", "Wenzel", "Barret", "St Catherine", "Jefferson",
)  # fmt: skip
_SUFFIXES = {
    "St": "Street", "Ave": "Avenue", "Rd": "Road", "Dr": "Drive", "Ln": "Lane",
    "Blvd": "Boulevard", "Ct": "Court", "Pl": "Place",
}  # fmt: skip
_DIRECTIONALS = {"N": "North", "S": "South", "E": "East", "W": "West"}
_CITIES = (
    ("Louisville", "KY", ("40203", "40204", "40205", "40206", "40207", "40208", "40211",
                          "40213", "40214", "40217", "40220", "40222", "40241", "40299")),
    ("Louisville", "KY", ("40205", "40206", "40207")),
    ("Jeffersonville", "IN", ("47130",)),
    ("New Albany", "IN", ("47150",)),
    ("Shepherdsville", "KY", ("40165",)),
)  # fmt: skip
_PROPERTY_TYPES = ("Single Family", "Condo", "Townhouse", None)
_PRICE_RANGES = (
    (200_000, "under_200k"), (300_000, "200k_300k"), (500_000, "300k_500k"),
    (750_000, "500k_750k"), (1_000_000, "750k_1m"),
)  # fmt: skip

_OPENERS = (
    "Hi! Just saw {a} — what do you think? 🏡",
    "Can we see {a} this weekend?",
    'I drove by {a} today. The yard is "huge" 😍',
    "Is {a} still available?\nThe listing says pending.",
    "What's the story with {a}? Price dropped again 📉",
    'Thoughts on {a}? My wife said "absolutely not" to the carpet 😂',
    "Re: {a} – the inspection report is in.\nRoof looks ok, furnace is old.",
    "{a} has an open house Sunday 1–3pm, want to go?",
    "Let's make an offer on {a}!! 🎉",
    "Can you pull comps for {a}?",
    "We loved {a}, but the street felt busy. 🤔",
    "Any HOA at {a}?",
    "Sending you the disclosures for {a} now 📎",
    "{a}?",
    "So about {a}…\n\nWe talked it over last night and we're in. 💪",
)
_FOLLOW_UPS = (
    "Sounds good 👍", "What time works for you?", "Let me check with my husband.",
    'They said "maybe" on the price.', "Ok\nSee you then!", "😂😂",
    "Can you send more photos?", "The kitchen looks dated but the price is right.",
    "How old is the roof?", "I'll call the listing agent.", "Great, thanks!", "Is 10am ok?",
    "Yes!", "No rush.", "Taxes seem high for the area 🤨", "Did they fix the basement leak?",
    "I'll send the pre-approval letter tonight.", "We're running 10 min late 🚗",
    "Love the porch ❤️", "What's the square footage again?", "Hmm, not sure about the layout.",
    "Perfect 👌", "Can we offer 5k under asking?", "They accepted!! 🥳", "Ok", "👍",
    "Let's do it.", "I'm at work, I'll look tonight.", "Agreed.\n\nLet's wait a week.",
)  # fmt: skip
_SMALL_TALK = (
    "Good morning!", "Did you get my email?", "Thanks for all your help 🙏",
    "Any new listings this week?", "Happy Friday! 🎉", "Call me when you have a minute.",
    "We're out of town until Tuesday.", "Can you update the search to 3+ beds?",
    "Our lender wants an updated bank statement 😩", "How's the market looking?",
    "Sorry, crazy week at work.", "Just checking in 😊", "Let's talk tomorrow.",
    '"Coming soon" listings — can we see those too?', "Ok sounds good.\nTalk soon!",
)  # fmt: skip
_PROPERTY_TALK = (
    "Is the basement finished?", "What are the utilities like?",
    "Can we get in again before we decide?", "Seller's disclosure attached 📎",
    "The appraisal came in at asking!", "Inspection is scheduled for Thursday at 9.",
    "Do the appliances convey?", "Any offers on it yet?", "Is there a garage?",
    "Love the hardwood floors 😍",
)  # fmt: skip
_COMPARISONS = ("Honestly I liked {a} better.", "How does this compare with {a}?")
_LISTING_PARAGRAPH = (
    '• Updated kitchen with quartz counters & "soft-close" cabinets\n'
    "• 2-car detached garage, fenced back yard 🌳, new HVAC (2021)\n"
    "Seller says: 'priced to sell, bring all offers'. Showings start Thursday 10am–6pm.\n\n"
)
_SENDER_TYPE_VARIANTS = {
    True: ("Client", "CLIENT", " client ", "client\n"),
    False: ("Agent", "AGENT", " agent", "agent "),
}
_UNKNOWN_SENDER_TYPES = ("bot", "system")

_SHOWCASE_MESSAGES = 60
_BREAKAGE_MESSAGES = {
    Breakage.ORPHAN_MESSAGE: 2,
    Breakage.MISSING_PROPERTY: 3,
    Breakage.FOREIGN_PROPERTY: 3,
    Breakage.MISSING_TIMELINE: 4,
}
_UNKNOWN_SENDER_MESSAGES = 2
_HUGE_MESSAGE_CHARS = 100_000

# ---------------------------------------------------------------------------------------------
# Ids and encodings

_B36 = "0123456789abcdefghijklmnopqrstuvwxyz"
_B36_PAIRS = tuple(a + b for a in _B36 for b in _B36)
_B36_TRIPLES = tuple(a + b for a in _B36 for b in _B36_PAIRS)
_T = 36**3
_T2 = _T * _T


def _base36(value: int, width: int) -> str:
    """The last `width` (even) base-36 digits of `value`."""
    digits = []
    for _ in range(width // 2):
        value, pair = divmod(value, 1296)
        digits.append(_B36_PAIRS[pair])
    return "".join(reversed(digits))


class _CuidFactory:
    """Ids shaped like Prisma's cuids: c + time (8) + counter (4) + fingerprint (4) + random (8).

    Every part is base 36; the digits are looked up in tables of digit triples for speed.
    """

    def __init__(self, rng: random.Random) -> None:
        self._getrandbits = rng.getrandbits
        self._counter = 0
        self._fingerprint = _base36(rng.getrandbits(21), 4)

    def __call__(self, ms: int) -> str:
        self._counter += 1
        counter, bits = self._counter, self._getrandbits(42)
        triples = _B36_TRIPLES
        return (
            f"c{_B36_PAIRS[ms // _T2 % 1296]}{triples[ms // _T % _T]}{triples[ms % _T]}"
            f"{_B36_PAIRS[counter // 1296 % 1296]}{_B36_PAIRS[counter % 1296]}{self._fingerprint}"
            f"{_B36_PAIRS[bits // _T2 % 1296]}{triples[bits // _T % _T]}{triples[bits % _T]}"
        )


class _FastRandom(random.Random):
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


def _sqlite_text(ms: int) -> str:
    """The TEXT that SQLite's CURRENT_TIMESTAMP gives (UTC, whole seconds)."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ms // 1000))


def _write_by_hand(row: Row, positions: Iterable[int]) -> None:
    """Turn a row's DateTime cells into the TEXT that a hand-written INSERT leaves."""
    for position in positions:
        if row[position] is not None:
            row[position] = _sqlite_text(row[position])


def _split(total: int, weights: Sequence[float], minimum: int = 0) -> list[int]:
    """Share `total` out in proportion to `weights`, each at least `minimum`; sums exactly."""
    scale = (total - minimum * len(weights)) / sum(weights)
    counts = [minimum + int(weight * scale) for weight in weights]
    for index in range(total - sum(counts)):
        counts[index] += 1
    return counts


def _price_range(price: int) -> str:
    return next((label for limit, label in _PRICE_RANGES if price < limit), "over_1m")


# ---------------------------------------------------------------------------------------------
# Generation


@dataclass(frozen=True)
class _Address:
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
        return _join(str(self.number), self.directional, self.name, suffix, self.unit)

    @property
    def full(self) -> str:
        return f"{self.street}, {self.city}, {self.state} {self.zip_code}"

    def mentions(self) -> tuple[str, ...]:
        """Ways people write this address in a message."""
        short = _join(str(self.number), self.directional, self.name, self.suffix)
        spelled = _join(
            str(self.number), _DIRECTIONALS.get(self.directional, ""), self.name,
            _SUFFIXES[self.suffix],
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


def _join(*parts: str) -> str:
    return " ".join(part for part in parts if part)


@dataclass(frozen=True)
class _Property:
    id: str
    mentions: tuple[str, ...]


@dataclass(frozen=True)
class _Client:
    id: str
    agent_id: str
    name: str


@dataclass(frozen=True)
class _Timeline:
    id: str
    client: _Client
    created_ms: int
    properties: tuple[_Property, ...]


@dataclass(frozen=True)
class _Conversation:
    id: str
    agent_id: str
    client_id: str
    timeline_id: str
    property_id: str | None


class _Block:
    """The rows of a block of timelines, grouped by table and breakage."""

    def __init__(self) -> None:
        self._rows: dict[tuple[str, Breakage | None], list[Row]] = defaultdict(list)
        self.messages = 0

    def add(self, table: str, rows: list[Row], breakage: Breakage | None = None) -> None:
        self._rows[(table, breakage)].extend(rows)
        if table == "messages":
            self.messages += len(rows)

    def chunks(self) -> Iterator[Chunk]:
        """The rows in foreign-key order: each table after the tables it references."""
        for table in LEGACY_TABLES:
            for (name, breakage), rows in self._rows.items():
                if name == table and rows:
                    yield Chunk(table, COLUMNS[table], rows, breakage)


class _Generator:
    """Builds the dataset; every random choice comes from one seeded `_FastRandom`.

    Timeline 0 is the showcase (two shared conversations, a property conversation whose
    property the shared ones also name, a ~100 KB message, unknown senders); timeline 1 has
    the inactive conversation, timeline 2 the soft-deleted client; the dangling and foreign
    references hang off timelines 0 and 1.
    """

    def __init__(self, messages: int, seed: int) -> None:
        if messages < MIN_MESSAGES:
            raise UsageError(f"the demo dataset needs at least {MIN_MESSAGES} messages")
        self.rng = _FastRandom(seed)
        self.cuid = _CuidFactory(self.rng)
        self.messages = messages
        self.agents: list[str] = []
        self._clients = 0
        self._last_client: _Client | None = None
        self._first_timelines: list[_Timeline] = []

    def chunks(self, chunk_messages: int) -> Iterator[Chunk]:
        counts = self._timeline_message_counts()
        block = _Block()
        self._add_agents(block, max(1, len(counts) // 25))
        for index, count in enumerate(counts):
            self._add_timeline(block, index, count)
            if index == 1:
                self._add_breakages(block)
            if block.messages >= chunk_messages:
                yield from block.chunks()
                block = _Block()
        yield from block.chunks()

    def _timeline_message_counts(self) -> list[int]:
        """Messages per timeline: the showcase's, then ~150 on average, heavy-tailed."""
        budget = self.messages - _SHOWCASE_MESSAGES - sum(_BREAKAGE_MESSAGES.values())
        timelines = max(2, budget // 150)
        weights = [min(self.rng.paretovariate(1.8), 15.0) for _ in range(timelines)]
        return [_SHOWCASE_MESSAGES, *_split(budget, weights, minimum=1)]

    # -- people and places

    def _add_agents(self, block: _Block, count: int) -> None:
        rows = []
        for number in range(count):
            created = _START_MS + self.rng.randrange(_SPAN_MS // 4)
            name = f"{self.rng.choice(_FIRST_NAMES)}.{self.rng.choice(_LAST_NAMES)}"
            email = f"{name}.{number}@example-realty.com".lower().replace("'", "")
            agent_id = self.cuid(created)
            self.agents.append(agent_id)
            updated = created + self.rng.randrange(_DAY)
            rows.append([agent_id, email, "redacted", 1, 1, created, updated])
        block.add("users", rows)

    def _client(self, block: _Block, created: int, *, inactive: bool) -> _Client:
        """A client of some agent; sometimes the previous one again (their second timeline)."""
        if self._last_client and not inactive and self.rng.random() < 0.1:
            return self._last_client
        self._clients += 1
        first, last = self.rng.choice(_FIRST_NAMES), self.rng.choice(_LAST_NAMES)
        client = _Client(
            self.cuid(created),
            self.agents[int(len(self.agents) * self.rng.random() ** 1.5)],
            f"{first} {last}",
        )
        row = [
            client.id, first, last, f"client-{self._clients:x}@example.com",
            f"502555{self.rng.randrange(10_000):04d}", int(not inactive),
            self.rng.randrange(200), round(self.rng.random(), 2), created, created, client.agent_id,
        ]  # fmt: skip
        block.add("clients", [row], Breakage.INACTIVE_CLIENT if inactive else None)
        self._last_client = client
        return client

    def _address(self) -> _Address:
        rng = self.rng
        city, state, zip_codes = rng.choice(_CITIES)
        return _Address(
            number=rng.randint(100, 9999) if rng.random() < 0.9 else rng.randint(10, 99),
            directional=rng.choice(tuple(_DIRECTIONALS)) if rng.random() < 0.2 else "",
            name=rng.choice(_STREETS),
            suffix=rng.choice(tuple(_SUFFIXES)),
            unit=str(rng.randint(1, 12)) if rng.random() < 0.05 else "",
            doubled_suffix=rng.random() < 0.01,
            city=city,
            state=state,
            zip_code=rng.choice(zip_codes),
        )

    def _addresses(self, count: int) -> list[_Address]:
        """`count` addresses with distinct street lines."""
        found: dict[str, _Address] = {}
        while len(found) < count:
            address = self._address()
            found.setdefault(address.street, address)
        return list(found.values())

    def _property_row(
        self, property_id: str, address: _Address, position: int, timeline_id: str, created: int
    ) -> Row:
        rng = self.rng
        price = rng.randrange(90, 1400) * 1000 + rng.choice((0, 500, 900))
        beds, baths = rng.randint(1, 6), rng.choice((1.0, 1.5, 2.0, 2.5, 3.0))
        sqft = rng.randrange(600, 4200)
        share = _base36(rng.getrandbits(26), 6)[1:]
        slug = "-".join((address.street, address.city, address.state, address.zip_code))
        url = f"https://www.flexmls.com/share/{share}/{slug.replace(' ', '-')}"
        images = [f"https://cdn.example.com/lou/1280x1024/{property_id}-{i}.jpg" for i in range(3)]
        parsed = {
            "shareId": share,
            "address": {"street": address.street, "city": address.city, "state": address.state,
                        "zipCode": address.zip_code, "full": address.full},
            "pricing": {"listPrice": f"${price:,}", "priceNumeric": price},
        }  # fmt: skip
        viewed = created + rng.randrange(3 * _DAY) if rng.random() < 0.6 else None
        return [
            property_id, address.full, address.city, address.state, address.zip_code, price,
            beds, baths, sqft, rng.choice(_PROPERTY_TYPES),
            f"{beds} beds, {baths:g} baths, {sqft:,} sqft", json.dumps(images), url, "flexmls",
            url, json.dumps(parsed), created - rng.randrange(20_000), len(images),
            address.full.lower().replace(",", ""), _price_range(price), position,
            int(viewed is not None), viewed, created, viewed or created, timeline_id,
        ]  # fmt: skip

    def _add_properties(
        self, block: _Block, timeline_id: str, created: int, count: int
    ) -> tuple[_Property, ...]:
        properties = []
        for position, address in enumerate(self._addresses(count), start=1):
            created += self.rng.randrange(_MINUTE, _DAY)
            property_id = self.cuid(created)
            row = self._property_row(property_id, address, position, timeline_id, created)
            block.add("properties", [row])
            properties.append(_Property(property_id, address.mentions()))
        return tuple(properties)

    def _add_timeline_row(self, block: _Block, index: int) -> _Timeline:
        rng = self.rng
        created = _START_MS + rng.randrange(int(_SPAN_MS * 0.85))
        client = self._client(block, created - rng.randrange(_HOUR), inactive=index == 2)
        timeline_id = self.cuid(created)
        count = 4 if index == 0 else (1 if rng.random() < 0.15 else rng.randint(2, 10))
        properties = self._add_properties(block, timeline_id, created, count)
        row = [
            timeline_id, f"{client.name}'s Properties", f"Property timeline for {client.name}",
            self.cuid(created), 1, rng.randrange(300), created + rng.randrange(30 * _DAY),
            created, created + rng.randrange(30 * _DAY), client.agent_id, client.id,
        ]  # fmt: skip
        block.add("timelines", [row])
        return _Timeline(timeline_id, client, created, properties)

    # -- conversations

    def _add_timeline(self, block: _Block, index: int, message_count: int) -> None:
        """A timeline, its properties, shared and property conversations, and their messages."""
        rng = self.rng
        timeline = self._add_timeline_row(block, index)
        if index < 2:
            self._first_timelines.append(timeline)
        if index == 0:
            own, shared = [timeline.properties[0]], 2
        else:
            own = [prop for prop in timeline.properties if rng.random() < 0.4]
            shared = rng.choices((0, 1, 2), (15, 75, 10))[0] or int(not own)
        weights = [rng.uniform(2.0, 4.0) for _ in range(shared)]
        counts = _split(message_count, weights + [rng.uniform(0.5, 1.5) for _ in own])
        start = timeline.created_ms + (len(timeline.properties) + 1) * _DAY
        inactive = 0 if index == 1 else -1  # timeline 1's first conversation
        for k in range(shared):
            conversation = self._conversation(timeline, None, start)
            opener = self._shared_opener(timeline.properties, own[0] if own else None)
            rows = self._message_rows(conversation, counts[k], start, opener)
            if index == 0 and k == 0:
                self._showcase_edits(block, rows, timeline.properties[0])
            breakage = Breakage.SECOND_SHARED_CONVERSATION if k == 1 else None
            self._add_conversation(
                block, conversation, rows, start, breakage,
                active=k != inactive, by_hand=index == 0 and k == 1,
            )  # fmt: skip
        for k, prop in enumerate(own, start=shared):
            conversation = self._conversation(timeline, prop.id, start)
            opener = self._property_opener(prop, timeline.properties)
            rows = self._message_rows(conversation, counts[k], start, opener)
            self._add_conversation(block, conversation, rows, start, active=k != inactive)

    def _conversation(
        self, timeline: _Timeline, property_id: str | None, start: int
    ) -> _Conversation:
        client = timeline.client
        return _Conversation(self.cuid(start), client.agent_id, client.id, timeline.id, property_id)

    def _add_conversation(
        self,
        block: _Block,
        conversation: _Conversation,
        rows: list[Row],
        start: int,
        breakage: Breakage | None = None,
        *,
        active: bool = True,
        by_hand: bool = False,
    ) -> None:
        """The conversation row, then its messages; a few rows are written by hand."""
        if not active:
            breakage = Breakage.INACTIVE_CONVERSATION
        conversation_row = self._conversation_row(conversation, rows, start, active)
        if by_hand or self.rng.random() < 0.03:
            _write_by_hand(conversation_row, _CONVERSATION_DATETIMES)
        block.add("conversations", [conversation_row], breakage)
        for row in rows:
            if self.rng.random() < 0.015:
                _write_by_hand(row, (_READ_AT, _CREATED, _UPDATED))
        dangling = breakage is not None and breakage.violates_foreign_key
        block.add("messages", rows, breakage if dangling else None)

    def _conversation_row(
        self, conversation: _Conversation, rows: list[Row], start: int, active: bool
    ) -> Row:
        """Times a few ms around the messages'; unread counters that drifted in ~15%."""
        rng = self.rng
        created = rows[0][_CREATED] - rng.randint(5, 60) if rows else start
        last_message = rows[-1][_CREATED] + rng.randint(2, 9) if rows else created
        updated = max([last_message, *(row[_UPDATED] for row in rows)])
        unread = [row[_SENDER] == conversation.client_id for row in rows if not row[_IS_READ]]
        from_client = sum(unread)
        if rng.random() < 0.15:
            from_client = max(0, from_client + rng.randint(-2, 5))
        return [
            conversation.id, conversation.agent_id, conversation.client_id,
            conversation.timeline_id, conversation.property_id, int(active), last_message,
            from_client, len(unread) - sum(unread), created, updated,
        ]  # fmt: skip

    # -- messages

    def _message_rows(
        self, conversation: _Conversation, count: int, start: int, opener: Callable[[], str]
    ) -> list[Row]:
        """`count` messages in threads: an opener, follow-ups within minutes, hours of quiet.

        The hot loop of the generator: integers are drawn as `low + int(random() * span)`.
        """
        draw, cuid, sender_type = self.rng.random, self.cuid, self._sender_type
        senders = (conversation.agent_id, conversation.client_id)
        rows: list[Row] = []
        now = start + int(draw() * _DAY)
        while len(rows) < count:
            from_client = draw() < 0.55
            content = opener()
            for _ in range(min(1 + int(draw() * 6), count - len(rows))):
                kind = _ROLES[from_client] if draw() < 0.993 else sender_type(from_client)
                sender = senders[from_client]
                rows.append([cuid(now), conversation.id, sender, kind, content, 0, None, now, now])
                now += 5_000 + int(draw() * 8 * _MINUTE)
                content = _FOLLOW_UPS[int(draw() * len(_FOLLOW_UPS))]
                from_client = from_client != (draw() < 0.6)
            now += int(self.rng.expovariate(1 / (5 * _HOUR))) + 20 * _MINUTE
            if draw() < 0.15:
                now += _DAY + int(draw() * 2 * _DAY)
        self._mark_reads(rows, conversation.client_id)
        return rows

    def _sender_type(self, from_client: bool) -> str:
        """A senderType other than the plain 'agent' / 'client': mostly a variant of it."""
        if self.rng.random() < 0.93:
            return self.rng.choice(_SENDER_TYPE_VARIANTS[from_client])
        return self.rng.choice(_UNKNOWN_SENDER_TYPES)

    def _mark_reads(self, rows: list[Row], client_id: str) -> None:
        """Read shortly before the other side's next message; the last ones often unread."""
        draw = self.rng.random
        next_from = {True: 0, False: 0}  # createdAt of the next message by the client / agent
        for row in reversed(rows):
            created, from_client = row[_CREATED], row[_SENDER] == client_id
            reply = next_from[not from_client]
            read_at = None
            if reply:
                read_at = max(created + 2_000, reply - 2_000 - int(draw() * 88_000))
            elif draw() < 0.5:
                read_at = created + _MINUTE + int(draw() * 36 * _HOUR)
            if read_at is not None:
                row[_IS_READ], row[_READ_AT], row[_UPDATED] = 1, read_at, read_at + int(draw() * 4)
            next_from[from_client] = created

    def _shared_opener(
        self, properties: tuple[_Property, ...], first: _Property | None
    ) -> Callable[[], str]:
        """Thread openers of a shared conversation: most name one of the timeline's properties.

        The first one names `first`, the property that also has its own conversation.
        """
        pending = [first] if first else []

        def opener() -> str:
            if pending:
                topic = pending.pop()
            elif self.rng.random() < 0.25:
                return self.rng.choice(_SMALL_TALK)
            else:
                topic = self.rng.choice(properties)
            return self.rng.choice(_OPENERS).format(a=self.rng.choice(topic.mentions))

        return opener

    def _property_opener(
        self, prop: _Property, properties: tuple[_Property, ...]
    ) -> Callable[[], str]:
        """Thread openers of a property conversation: few name it, fewer name another one."""
        others = [other for other in properties if other is not prop]

        def opener() -> str:
            draw = self.rng.random()
            if draw < 0.3:
                return self.rng.choice(_OPENERS).format(a=self.rng.choice(prop.mentions))
            if draw < 0.33 and others:
                other = self.rng.choice(others)
                return self.rng.choice(_COMPARISONS).format(a=self.rng.choice(other.mentions))
            return self.rng.choice(_PROPERTY_TALK)

        return opener

    # -- the showcase and the breakages

    def _showcase_edits(self, block: _Block, rows: list[Row], prop: _Property) -> None:
        """A ~100 KB pasted listing, and messages from senders the conversation does not know."""
        intro = f"Pasting the full listing for {prop.mentions[0]} so we have it in one place:\n\n"
        repeats = _HUGE_MESSAGE_CHARS // len(_LISTING_PARAGRAPH)
        rows[1][_CONTENT] = intro + _LISTING_PARAGRAPH * repeats
        strangers = [rows.pop(len(rows) // 2) for _ in range(_UNKNOWN_SENDER_MESSAGES)]
        for row in strangers:
            row[_SENDER], row[_SENDER_TYPE] = self.cuid(row[_CREATED]), "agent"
        block.add("messages", strangers, Breakage.UNKNOWN_SENDER_ID)

    def _add_breakages(self, block: _Block) -> None:
        """Orphan messages, and conversations whose property or timeline is missing or foreign."""
        home, other = self._first_timelines
        start = home.created_ms + 20 * _DAY
        opener = self._shared_opener(home.properties, None)
        orphans = _BREAKAGE_MESSAGES[Breakage.ORPHAN_MESSAGE]
        ghost = self._conversation(home, None, start)
        block.add(
            "messages", self._message_rows(ghost, orphans, start, opener), Breakage.ORPHAN_MESSAGE
        )
        cases = (
            (Breakage.MISSING_PROPERTY, home.id, self.cuid(start)),
            (Breakage.FOREIGN_PROPERTY, home.id, other.properties[0].id),
            (Breakage.MISSING_TIMELINE, self.cuid(start), None),
        )
        for breakage, timeline_id, property_id in cases:
            conversation = _Conversation(
                self.cuid(start), home.client.agent_id, home.client.id, timeline_id, property_id
            )
            rows = self._message_rows(conversation, _BREAKAGE_MESSAGES[breakage], start, opener)
            self._add_conversation(block, conversation, rows, start, breakage)


def generate_legacy_dataset(
    messages: int, seed: int, chunk_messages: int = 50_000
) -> Iterator[Chunk]:
    """Stream exactly `messages` legacy messages and their context, in foreign-key order."""
    return _Generator(messages, seed).chunks(chunk_messages)


# ---------------------------------------------------------------------------------------------
# Writers


def write_sqlite(path: Path, messages: int, seed: int) -> DatasetStats:
    """Create a new SQLite app database at `path` holding a generated legacy dataset."""
    if path.exists():
        raise UsageError(
            f"{path} already exists", hint="name a new file: the demo never overwrites"
        )
    chunks = generate_legacy_dataset(messages, seed)
    try:
        with closing(sqlite3.connect(path)) as conn:
            return _fill_sqlite(conn, chunks)
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def _fill_sqlite(conn: sqlite3.Connection, chunks: Iterable[Chunk]) -> DatasetStats:
    """Create the legacy tables and insert every chunk in one transaction."""
    conn.execute("PRAGMA foreign_keys = OFF")  # SQLite's default; the dangling rows need it
    conn.execute("PRAGMA synchronous = OFF")  # a new file: a crash only loses the demo
    conn.execute("PRAGMA cache_size = -262144")  # 256 MiB keeps the indexes in memory
    tables, indexes = _ddl_phases("sqlite", ("create_legacy_tables",))
    for statement in tables:
        conn.execute(statement)
    stats = DatasetStats()
    for chunk in chunks:
        names = ", ".join(f'"{column}"' for column in chunk.columns)
        marks = ", ".join("?" * len(chunk.columns))
        conn.executemany(f'INSERT INTO "{chunk.table}" ({names}) VALUES ({marks})', chunk.rows)
        stats.add(chunk, text_datetimes=True)
    for statement in indexes:
        conn.execute(statement)
    conn.commit()
    return stats


def write_postgres(url: str, messages: int, seed: int) -> DatasetStats:
    """Create the legacy tables in the schema of `url` and COPY a generated dataset into them.

    Rows that would violate a legacy foreign key are left out (see the module docstring).
    """
    target = _postgres_target(url)
    chunks = generate_legacy_dataset(messages, seed)
    declared = _declared_types("create_legacy_tables")
    stats = DatasetStats()
    tables, constraints = _ddl_phases("postgresql", ("create_legacy_tables",))
    with _connect(target) as conn:
        _enter_new_schema(conn, _schema(target), LEGACY_TABLES)
        _execute(conn, tables)
        for chunk in chunks:
            if chunk.breakage is None or not chunk.breakage.violates_foreign_key:
                _copy_rows(conn, chunk.table, chunk.columns, chunk.rows, declared[chunk.table])
                stats.add(chunk, text_datetimes=False)
        _execute(conn, constraints)
    return stats


def copy_sqlite_app_db_to_postgres(sqlite_path: Path, url: str) -> None:
    """Copy the legacy tables, and the V2 ones if present, of a SQLite app database to PostgreSQL.

    The SQLite file is opened read-only; the tables are created in the schema of `url`.
    """
    target = _postgres_target(url)
    source = _open_read_only(sqlite_path)
    try:
        with_v2 = _has_tables(source, V2_TABLES)
        tables = LEGACY_TABLES + (V2_TABLES if with_v2 else ())
        ddl = ("create_legacy_tables", "create_v2_tables") if with_v2 else ("create_legacy_tables",)
        creates, constraints = _ddl_phases("postgresql", ddl)
        with _connect(target) as conn:
            _enter_new_schema(conn, _schema(target), tables)
            _execute(conn, creates)
            for table in tables:
                declared = _sqlite_declared_types(source, table)
                names = ", ".join(f'"{column}"' for column in declared)
                rows = source.execute(f'SELECT {names} FROM "{table}"')
                _copy_rows(conn, table, tuple(declared), rows, declared)
            _execute(conn, constraints)
    finally:
        source.close()


# ---------------------------------------------------------------------------------------------
# SQLite storage form -> PostgreSQL values

_EPOCH = datetime(1970, 1, 1)


def _datetime_from_sqlite(value: int | float | str | None) -> datetime | None:
    """Epoch milliseconds or TEXT ('YYYY-MM-DD HH:MM:SS', ISO 8601) as a naive UTC datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        parsed = datetime.fromisoformat(value)
        return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed
    return _EPOCH + timedelta(0, 0, 0, value)  # positional milliseconds: twice as fast


def _bool_from_sqlite(value: int | None) -> bool | None:
    return None if value is None else bool(value)


_TO_POSTGRES: dict[str, Callable[[Any], Any]] = {
    "DATETIME": _datetime_from_sqlite,
    "BOOLEAN": _bool_from_sqlite,
}
"""Converters by SQLite declared type; other values (TEXT, INTEGER, REAL, JSON text) pass."""


@cache
def _declared_types(ddl: str) -> dict[str, dict[str, str]]:
    """{table: {column: declared type}} of the tables the DDL file `ddl` creates."""
    conn = sqlite3.connect(":memory:")
    try:
        for statement in _ddl("sqlite", ddl):
            conn.execute(statement)
        tables = [
            name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        return {table: _sqlite_declared_types(conn, table) for table in tables}
    finally:
        conn.close()


def _sqlite_declared_types(conn: sqlite3.Connection, table: str) -> dict[str, str]:
    return {row[1]: row[2].upper() for row in conn.execute(f'PRAGMA table_info("{table}")')}


def _open_read_only(path: Path) -> sqlite3.Connection:
    try:
        return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.OperationalError as exc:
        raise UsageError(f"cannot open {path} read-only: {exc}", hint="check the path") from exc


def _has_tables(conn: sqlite3.Connection, tables: Sequence[str]) -> bool:
    marks = ", ".join("?" * len(tables))
    query = f"SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ({marks})"
    return conn.execute(query, tuple(tables)).fetchone()[0] == len(tables)


def _postgres_target(url: str) -> DatabaseTarget:
    target = parse_database_url(url)
    if target.dialect != "postgresql":
        raise UsageError(
            f"not a PostgreSQL URL: {url!r}", hint="use postgresql://user@host:5432/db?schema=NAME"
        )
    return target


def _schema(target: DatabaseTarget) -> str:
    return target.app_schema or "public"


def _connect(target: DatabaseTarget) -> psycopg.Connection[Any]:
    url = target.sqlalchemy_url.replace("postgresql+psycopg://", "postgresql://", 1)
    try:
        return psycopg.connect(url, password=target.password())  # None: libpq's own
    except psycopg.OperationalError as exc:
        raise ConnectionFailed(
            f"cannot connect to {target.describe()}: {exc}", hint="check host, port and login"
        ) from exc


def _ddl(dialect: str, name: str) -> list[str]:
    """The statements of DDL file `name`: the legacy tables' (devtools), else the pipeline's."""
    return legacy_ddl(dialect) if name == "create_legacy_tables" else sql.statements(dialect, name)


def _ddl_phases(dialect: str, ddl_files: Sequence[str]) -> tuple[list[str], list[str]]:
    """The files' statements split in two: types and tables, then indexes and constraints.

    Loading between the two is much faster than maintaining indexes row by row; the catalog
    ends up the same.
    """
    statements = [statement for name in ddl_files for statement in _ddl(dialect, name)]
    creates = [s for s in statements if s.startswith(("CREATE TABLE", "CREATE TYPE"))]
    return creates, [s for s in statements if s not in creates]


def _enter_new_schema(conn: psycopg.Connection[Any], schema: str, tables: Sequence[str]) -> None:
    """Create `schema` if missing and make it current; refuse if it has any of `tables`."""
    query = (
        "SELECT table_name FROM information_schema.tables"
        " WHERE table_schema = %s AND table_name = ANY(%s)"
    )
    existing = [name for (name,) in conn.execute(query, (schema, list(tables)))]
    if existing:
        raise UsageError(
            f"schema {schema!r} already has {', '.join(sorted(existing))}",
            hint="load into a new or empty schema",
        )
    conn.execute(pgsql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(pgsql.Identifier(schema)))
    conn.execute(pgsql.SQL("SET search_path TO {}").format(pgsql.Identifier(schema)))


def _execute(conn: psycopg.Connection[Any], statements: Iterable[str]) -> None:
    for statement in statements:
        conn.execute(statement)


def _copy_rows(
    conn: psycopg.Connection[Any],
    table: str,
    columns: tuple[str, ...],
    rows: Iterable[Sequence[Any]],
    declared: dict[str, str],
) -> None:
    """COPY rows in SQLite storage form into `table`, converting DateTimes and Booleans."""
    converters = [
        (position, _TO_POSTGRES[declared[column]])
        for position, column in enumerate(columns)
        if declared[column] in _TO_POSTGRES
    ]
    statement = pgsql.SQL("COPY {} ({}) FROM STDIN").format(
        pgsql.Identifier(table), pgsql.SQL(", ").join(map(pgsql.Identifier, columns))
    )
    with conn.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            values = list(row)
            for position, convert in converters:
                values[position] = convert(values[position])
            copy.write_row(values)
