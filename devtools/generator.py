"""The generator of the legacy dataset: agents, clients, timelines with their properties, their
conversations and messages (`devtools.threads`), and the rows broken on purpose."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from devtools.dataset import (
    CONTENT,
    CONVERSATION_DATETIMES,
    CREATED,
    IS_READ,
    KEY_TABLE,
    MIN_MESSAGES,
    READ_AT,
    SENDER,
    SENDER_TYPE,
    UPDATED,
    Breakage,
    Chunk,
    Row,
)
from devtools.encoding import CuidFactory, FastRandom, split, write_by_hand
from devtools.places import (
    Block,
    Client,
    Conversation,
    Property,
    Timeline,
    distinct_addresses,
    property_row,
)
from devtools.threads import MessageWriter
from devtools.vocabulary import (
    BREAKAGE_MESSAGES,
    COMPARISONS,
    DAY,
    FIRST_NAMES,
    HOUR,
    HUGE_MESSAGE_CHARS,
    LAST_NAMES,
    LISTING_PARAGRAPH,
    MINUTE,
    OPENERS,
    PROPERTY_TALK,
    SHOWCASE_MESSAGES,
    SPAN_MS,
    START_MS,
    UNKNOWN_SENDER_MESSAGES,
)
from v2_backfill.errors import UsageError


class Generator:
    """Builds the dataset; every random choice comes from one seeded `FastRandom`.

    Timeline 0 is the showcase (two shared conversations, a property conversation whose
    property the shared ones also name, a ~100 KB message, unknown senders); timeline 1 has
    the inactive conversation, timeline 2 the soft-deleted client; the dangling and foreign
    references hang off timelines 0 and 1.
    """

    def __init__(self, messages: int, seed: int) -> None:
        if messages < MIN_MESSAGES:
            raise UsageError(f"the demo dataset needs at least {MIN_MESSAGES} messages")
        self.rng = FastRandom(seed)
        self.cuid = CuidFactory(self.rng)
        self.writer = MessageWriter(self.rng, self.cuid)
        self.messages = messages
        self.agents: list[str] = []
        self._clients = 0
        self._last_client: Client | None = None
        self._first_timelines: list[Timeline] = []

    def chunks(self, chunk_messages: int) -> Iterator[Chunk]:
        """The dataset in blocks of about `chunk_messages` messages, in foreign-key order."""
        counts = self._timeline_message_counts()
        block = Block()
        self._add_agents(block, max(1, len(counts) // 25))
        for index, count in enumerate(counts):
            self._add_timeline(block, index, count)
            if index == 1:
                self._add_breakages(block)
            if block.messages >= chunk_messages:
                yield from block.chunks()
                block = Block()
        yield from block.chunks()

    def _timeline_message_counts(self) -> list[int]:
        """Messages per timeline: the showcase's, then ~150 on average, heavy-tailed."""
        budget = self.messages - SHOWCASE_MESSAGES - sum(BREAKAGE_MESSAGES.values())
        timelines = max(2, budget // 150)
        weights = [min(self.rng.paretovariate(1.8), 15.0) for _ in range(timelines)]
        return [SHOWCASE_MESSAGES, *split(budget, weights, minimum=1)]

    # -- people and places

    def _add_agents(self, block: Block, count: int) -> None:
        rows = []
        for number in range(count):
            created = START_MS + self.rng.randrange(SPAN_MS // 4)
            name = f"{self.rng.choice(FIRST_NAMES)}.{self.rng.choice(LAST_NAMES)}"
            email = f"{name}.{number}@example-realty.com".lower().replace("'", "")
            agent_id = self.cuid(created)
            self.agents.append(agent_id)
            updated = created + self.rng.randrange(DAY)
            rows.append([agent_id, email, "redacted", 1, 1, created, updated])
        block.add("users", rows)

    def _client(self, block: Block, created: int, *, inactive: bool) -> Client:
        """A client of some agent; sometimes the previous one again (their second timeline)."""
        if self._last_client and not inactive and self.rng.random() < 0.1:
            return self._last_client
        self._clients += 1
        first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
        client = Client(
            self.cuid(created),
            self.agents[int(len(self.agents) * self.rng.random() ** 1.5)],
            f"{first} {last}",
            f"client-{self._clients:x}@example.com",
        )
        row = [
            client.id, first, last, client.email, f"502555{self.rng.randrange(10_000):04d}",
            int(not inactive), self.rng.randrange(200), round(self.rng.random(), 2), created,
            created, client.agent_id,
        ]  # fmt: skip
        block.add("clients", [row], Breakage.INACTIVE_CLIENT if inactive else None)
        self._last_client = client
        return client

    def _add_properties(
        self, block: Block, timeline_id: str, created: int, count: int
    ) -> tuple[Property, ...]:
        properties = []
        for position, address in enumerate(distinct_addresses(self.rng, count), start=1):
            created += self.rng.randrange(MINUTE, DAY)
            property_id = self.cuid(created)
            row, prop = property_row(self.rng, property_id, address, position, timeline_id, created)
            block.add("properties", [row])
            properties.append(prop)
        return tuple(properties)

    def _add_timeline_row(self, block: Block, index: int) -> Timeline:
        rng = self.rng
        created = START_MS + rng.randrange(int(SPAN_MS * 0.85))
        client = self._client(block, created - rng.randrange(HOUR), inactive=index == 2)
        timeline_id = self.cuid(created)
        count = 4 if index == 0 else (1 if rng.random() < 0.15 else rng.randint(2, 10))
        properties = self._add_properties(block, timeline_id, created, count)
        row = [
            timeline_id, f"{client.name}'s Properties", f"Property timeline for {client.name}",
            self.cuid(created), 1, rng.randrange(300), created + rng.randrange(30 * DAY),
            created, created + rng.randrange(30 * DAY), client.agent_id, client.id,
        ]  # fmt: skip
        block.add("timelines", [row])
        return Timeline(timeline_id, client, created, properties)

    # -- conversations

    def _add_timeline(self, block: Block, index: int, message_count: int) -> None:
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
        counts = split(message_count, weights + [rng.uniform(0.5, 1.5) for _ in own])
        start = timeline.created_ms + (len(timeline.properties) + 1) * DAY
        inactive = 0 if index == 1 else -1  # timeline 1's first conversation
        for k in range(shared):
            self._add_shared(block, timeline, k, counts[k], start, own[0] if own else None,
                             active=k != inactive, showcase=index == 0)  # fmt: skip
        for k, prop in enumerate(own, start=shared):
            conversation = self._conversation(timeline, prop.id, start)
            opener = self._property_opener(prop, timeline.properties)
            rows = self.writer.burst_rows(conversation, counts[k], start, opener)
            self._add_conversation(block, conversation, rows, start, active=k != inactive)

    def _add_shared(
        self, block: Block, timeline: Timeline, k: int, count: int, start: int,
        first: Property | None, *, active: bool, showcase: bool,
    ) -> None:  # fmt: skip
        """Shared conversation `k` of a timeline, its messages, their truth and app activity."""
        conversation = self._conversation(timeline, None, start)
        thread = self.writer.shared_thread(conversation, timeline, count, start, first)
        if showcase and k == 0:
            self._showcase_edits(block, thread.messages, timeline.properties[0])
            thread.key[1][1:] = [timeline.properties[0].id, 1]  # the pasted listing names it
        breakage = Breakage.SECOND_SHARED_CONVERSATION if k == 1 else None
        self._add_conversation(
            block, conversation, thread.messages, start, breakage, active=active,
            by_hand=showcase and k == 1,
        )  # fmt: skip
        block.add("feedback", thread.feedback)
        block.add("client_analytics", thread.events)
        block.add(KEY_TABLE, thread.key)

    def _conversation(
        self, timeline: Timeline, property_id: str | None, start: int
    ) -> Conversation:
        client = timeline.client
        return Conversation(self.cuid(start), client.agent_id, client.id, timeline.id, property_id)

    def _add_conversation(
        self,
        block: Block,
        conversation: Conversation,
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
            write_by_hand(conversation_row, CONVERSATION_DATETIMES)
        block.add("conversations", [conversation_row], breakage)
        for row in rows:
            if self.rng.random() < 0.015:
                write_by_hand(row, (READ_AT, CREATED, UPDATED))
        dangling = breakage is not None and breakage.violates_foreign_key
        block.add("messages", rows, breakage if dangling else None)

    def _conversation_row(
        self, conversation: Conversation, rows: list[Row], start: int, active: bool
    ) -> Row:
        """Times a few ms around the messages'; unread counters that drifted in ~15%."""
        rng = self.rng
        created = rows[0][CREATED] - rng.randint(5, 60) if rows else start
        last_message = rows[-1][CREATED] + rng.randint(2, 9) if rows else created
        updated = max([last_message, *(row[UPDATED] for row in rows)])
        unread = [row[SENDER] == conversation.client_id for row in rows if not row[IS_READ]]
        from_client = sum(unread)
        if rng.random() < 0.15:
            from_client = max(0, from_client + rng.randint(-2, 5))
        return [
            conversation.id, conversation.agent_id, conversation.client_id,
            conversation.timeline_id, conversation.property_id, int(active), last_message,
            from_client, len(unread) - sum(unread), created, updated,
        ]  # fmt: skip

    def _any_opener(self, properties: tuple[Property, ...]) -> Callable[[], str]:
        """Openers naming any of `properties` (the broken conversations' messages)."""
        rng = self.rng
        return lambda: rng.choice(OPENERS).format(a=rng.choice(rng.choice(properties).mentions))

    def _property_opener(
        self, prop: Property, properties: tuple[Property, ...]
    ) -> Callable[[], str]:
        """Thread openers of a property conversation: few name it, fewer name another one."""
        others = [other for other in properties if other is not prop]

        def opener() -> str:
            draw = self.rng.random()
            if draw < 0.3:
                return self.rng.choice(OPENERS).format(a=self.rng.choice(prop.mentions))
            if draw < 0.33 and others:
                other = self.rng.choice(others)
                return self.rng.choice(COMPARISONS).format(a=self.rng.choice(other.mentions))
            return self.rng.choice(PROPERTY_TALK)

        return opener

    # -- the showcase and the breakages

    def _showcase_edits(self, block: Block, rows: list[Row], prop: Property) -> None:
        """A ~100 KB pasted listing, and messages from senders the conversation does not know."""
        intro = f"Pasting the full listing for {prop.mentions[0]} so we have it in one place:\n\n"
        repeats = HUGE_MESSAGE_CHARS // len(LISTING_PARAGRAPH)
        rows[1][CONTENT] = intro + LISTING_PARAGRAPH * repeats
        strangers = [rows.pop(len(rows) // 2) for _ in range(UNKNOWN_SENDER_MESSAGES)]
        for row in strangers:
            row[SENDER], row[SENDER_TYPE] = self.cuid(row[CREATED]), "agent"
        block.add("messages", strangers, Breakage.UNKNOWN_SENDER_ID)

    def _add_breakages(self, block: Block) -> None:
        """Orphan messages, and conversations whose property or timeline is missing or foreign."""
        home, other = self._first_timelines
        start = home.created_ms + 20 * DAY
        opener = self._any_opener(home.properties)
        orphans = BREAKAGE_MESSAGES[Breakage.ORPHAN_MESSAGE]
        ghost = self._conversation(home, None, start)
        block.add(
            "messages", self.writer.burst_rows(ghost, orphans, start, opener),
            Breakage.ORPHAN_MESSAGE,
        )  # fmt: skip
        cases = (
            (Breakage.MISSING_PROPERTY, home.id, self.cuid(start)),
            (Breakage.FOREIGN_PROPERTY, home.id, other.properties[0].id),
            (Breakage.MISSING_TIMELINE, self.cuid(start), None),
        )
        for breakage, timeline_id, property_id in cases:
            conversation = Conversation(
                self.cuid(start), home.client.agent_id, home.client.id, timeline_id, property_id
            )
            rows = self.writer.burst_rows(conversation, BREAKAGE_MESSAGES[breakage], start, opener)
            self._add_conversation(block, conversation, rows, start, breakage)


def generate_legacy_dataset(
    messages: int, seed: int, chunk_messages: int = 50_000
) -> Iterator[Chunk]:
    """Stream exactly `messages` legacy messages and their context, in foreign-key order, and
    the ground truth of the shared conversations' messages (chunks of `KEY_TABLE`, last in
    each block)."""
    return Generator(messages, seed).chunks(chunk_messages)
