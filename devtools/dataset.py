"""The generated dataset's shape: the tables and columns written, the rows broken on purpose,
the chunks the generator streams and what a writer counts."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

Row = list[Any]

MIN_MESSAGES = 100
"""Smallest dataset: the showcase timeline and the deliberate breakages need this many."""

LEGACY_TABLES = (
    "users", "clients", "timelines", "properties", "conversations", "messages", "feedback",
    "client_analytics",
)  # fmt: skip
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
        "id", "mlsId", "address", "city", "state", "zipCode", "price", "bedrooms", "bathrooms",
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
    "feedback": (
        "id", "feedback", "notes", "clientName", "clientEmail", "clientId", "viewedAt",
        "respondedAt", "createdAt", "updatedAt", "propertyId",
    ),
    "client_analytics": ("id", "timelineId", "eventType", "propertyId", "timestamp"),
}  # fmt: skip
"""The columns the generator fills, per table, in row order; the others keep their defaults."""

KEY_TABLE = "attribution_key"
"""The chunks of the ground truth: (message id, the property the message is truly about or None
for talk about no property, whether the thread holds evidence for that property: its topic
names it or the client rated it just before, 1 or 0), for every message of a shared
conversation. Not a table of the app: a writer puts it in the key file beside the database, or
drops it."""
KEY_COLUMNS = ("message_id", "property_id", "evidenced")

# Positions in a message row, and of the DateTime cells of a conversation row.
SENDER, SENDER_TYPE, CONTENT, IS_READ, READ_AT, CREATED, UPDATED = range(2, 9)
CONVERSATION_CREATED = 9
CONVERSATION_DATETIMES = (6, 9, 10)
ROLES = ("agent", "client")


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
    feedback: int = 0
    client_analytics: int = 0
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
                isinstance(row[CONVERSATION_CREATED], str) for row in chunk.rows
            )

    def _add_messages(self, rows: list[Row], text_datetimes: bool) -> None:
        odd = [row[SENDER_TYPE] for row in rows if row[SENDER_TYPE] not in ROLES]
        variants = sum(kind.strip().lower() in ROLES for kind in odd)
        self.sender_type_variants += variants
        self.unknown_sender_types += len(odd) - variants
        if text_datetimes:
            self.text_datetime_messages += sum(isinstance(row[CREATED], str) for row in rows)
