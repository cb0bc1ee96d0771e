"""The messages of the generated conversations, with the ground truth of the shared ones.

A property conversation is bursts of messages (an opener, follow-ups within minutes) separated
by hours of quiet. A shared conversation of a timeline is a sequence of topics, as clients and
agents write them: a topic is about one property (or about none: greetings, small talk), its
messages come minutes apart, topics are separated by silences of hours to days (shorter in
long conversations: people who write a lot write often). The property is named in some of a
topic's messages — most often the first, sometimes after a greeting or a question, sometimes
never — by its address in several spellings, its MLS number or its listing link; now and then
a message names two properties, asks about another one in passing (an aside, answered, then
the topic goes on) or compares with another; a topic may be resumed days later without naming
its property again. Before a topic the client has sometimes just rated the property in the app
(a `feedback` row and a `client_analytics` `feedback_submit` event, as the app writes them),
and now and then rated another one. Every message of a shared conversation gets its true
property (None for talk about no property) in the ground truth (`KEY_TABLE`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from devtools.dataset import CREATED, IS_READ, READ_AT, ROLES, SENDER, UPDATED, Row
from devtools.encoding import CuidFactory, FastRandom
from devtools.places import Conversation, Property, Timeline
from devtools.vocabulary import (
    ASIDE_REPLIES,
    ASIDES,
    COMPARISONS,
    DAY,
    FEEDBACK,
    FOLLOW_UPS,
    GREETINGS,
    HOUR,
    LATE_MENTIONS,
    MINUTE,
    OPENERS,
    PROPERTY_TALK,
    RESUMPTIONS,
    SENDER_TYPE_VARIANTS,
    SMALL_TALK,
    TWO_PROPERTIES,
    UNKNOWN_SENDER_TYPES,
)

Said = tuple[str, str | None, bool]
"""A message's text, the property it is truly about, and whether its topic names that property
(or the client rated it just before): whether the thread holds evidence for it at all."""

TOPIC_KINDS = (("property", 0.80), ("small_talk", 0.12), ("resumed", 0.08))
"""What a shared conversation's topics are about."""
FIRST_MENTION = (("first", 0.62), ("after_greeting", 0.10), ("later", 0.16), ("never", 0.12))
"""Where a property topic names its property."""
TWO_PROPERTY_MESSAGE = 0.05
ASIDE = 0.04
COMPARISON = 0.02
FEEDBACK_BEFORE_TOPIC = 0.3
"""Chance that the client rated the topic's property in the app minutes before (once per
property: the app keeps one feedback per client and property)."""
FEEDBACK_ELSEWHERE = 0.05
"""Chance that the client rated another property minutes before a topic."""
SLOW_REPLY = 0.1
"""Chance that a reply within a topic comes after tens of minutes instead of minutes."""


@dataclass
class SharedThread:
    """The rows a shared conversation's messages make: messages, ground truth, app activity."""

    messages: list[Row] = field(default_factory=list)
    key: list[Row] = field(default_factory=list)
    feedback: list[Row] = field(default_factory=list)
    events: list[Row] = field(default_factory=list)


class MessageWriter:
    """Writes the messages of conversations; every draw comes from the generator's random."""

    def __init__(self, rng: FastRandom, cuid: CuidFactory) -> None:
        self.rng = rng
        self.cuid = cuid
        self._rated: set[tuple[str, str]] = set()

    def burst_rows(
        self, conversation: Conversation, count: int, start: int, opener: Callable[[], str]
    ) -> list[Row]:
        """`count` messages in bursts: an opener, follow-ups within minutes, hours of quiet.

        The hot loop of the generator: integers are drawn as `low + int(random() * span)`.
        """
        draw, cuid, sender_type = self.rng.random, self.cuid, self.sender_type
        senders = (conversation.agent_id, conversation.client_id)
        rows: list[Row] = []
        now = start + int(draw() * DAY)
        while len(rows) < count:
            from_client = draw() < 0.55
            content = opener()
            for _ in range(min(1 + int(draw() * 6), count - len(rows))):
                kind = ROLES[from_client] if draw() < 0.993 else sender_type(from_client)
                sender = senders[from_client]
                rows.append([cuid(now), conversation.id, sender, kind, content, 0, None, now, now])
                now += 5_000 + int(draw() * 8 * MINUTE)
                content = FOLLOW_UPS[int(draw() * len(FOLLOW_UPS))]
                from_client = from_client != (draw() < 0.6)
            now += int(self.rng.expovariate(1 / (5 * HOUR))) + 20 * MINUTE
            if draw() < 0.15:
                now += DAY + int(draw() * 2 * DAY)
        self.mark_reads(rows, conversation.client_id)
        return rows

    def shared_thread(
        self, conversation: Conversation, timeline: Timeline, count: int, start: int,
        first: Property | None,
    ) -> SharedThread:  # fmt: skip
        """`count` messages of a shared conversation as topics (see the module docstring);
        the first property topic is about `first` when given."""
        draw, senders = self.rng.random, (conversation.agent_id, conversation.client_id)
        thread = SharedThread()
        pace = max(0.3, min(1.0, (200 / max(count, 1)) ** 0.5))
        now, last_topic = start + int(draw() * DAY), first
        while len(thread.messages) < count:
            said, about = self._topic(timeline.properties, first, last_topic)
            first, last_topic = None, about or last_topic
            rated = self._activity(thread, timeline, about.id if about else None, now)
            from_client = draw() < 0.55
            for content, truth, named in said[: count - len(thread.messages)]:
                kind = ROLES[from_client] if draw() < 0.993 else self.sender_type(from_client)
                message_id = self.cuid(now)
                thread.messages.append(
                    [message_id, conversation.id, senders[from_client], kind, content, 0, None,
                     now, now]
                )  # fmt: skip
                thread.key.append([message_id, truth, int(named or rated == truth)])
                now += self._reply_gap()
                from_client = from_client != (draw() < 0.6)
            now += int(pace * (20 * MINUTE + self.rng.expovariate(1 / (5 * HOUR))))
            if draw() < 0.15:
                now += DAY + int(draw() * 2 * DAY)
        self.mark_reads(thread.messages, conversation.client_id)
        return thread

    def _reply_gap(self) -> int:
        if self.rng.random() < SLOW_REPLY:
            return 10 * MINUTE + int(self.rng.expovariate(1 / (40 * MINUTE)))
        return 5_000 + int(self.rng.random() * 8 * MINUTE)

    def _pick(self, weighted: tuple[tuple[str, float], ...]) -> str:
        return self.rng.choices([k for k, _ in weighted], [w for _, w in weighted])[0]

    def _topic(
        self, properties: tuple[Property, ...], first: Property | None, last: Property | None
    ) -> tuple[list[Said], Property | None]:
        """One topic's messages and the property it is about."""
        rng = self.rng
        kind = "property" if first else self._pick(TOPIC_KINDS)
        length = 1 + int(rng.random() * 6)
        if kind == "small_talk" or (kind == "resumed" and last is None):
            talk = [rng.choice(SMALL_TALK)] + [rng.choice(FOLLOW_UPS) for _ in range(length // 2)]
            return [(text, None, False) for text in talk], None
        if kind == "resumed":
            talk = [rng.choice(RESUMPTIONS)] + [rng.choice(FOLLOW_UPS) for _ in range(length - 1)]
            return [(text, last.id, False) for text in talk], last
        about = first or rng.choice(properties)
        return self._property_topic(about, [p for p in properties if p is not about], length), about

    def _property_topic(self, about: Property, others: list[Property], length: int) -> list[Said]:
        rng = self.rng
        texts = [rng.choice(PROPERTY_TALK if rng.random() < 0.3 else FOLLOW_UPS)
                 for _ in range(length)]  # fmt: skip
        where = self._pick(FIRST_MENTION)
        opener = rng.choice(OPENERS).format(a=about.mention(rng))
        late = rng.choice(LATE_MENTIONS).format(a=about.mention(rng))
        if where in ("first", "after_greeting"):
            texts[0], late = opener, ""
            if where == "after_greeting":
                texts.insert(0, rng.choice(GREETINGS))
        else:
            texts[0], opener = rng.choice(PROPERTY_TALK), ""
            if where == "later":
                at = 1 + int(rng.random() * length)
                texts.insert(at, late)
        named = where != "never" and (about.mls_stored or about.mls_number not in opener + late)
        said: list[Said] = [(text, about.id, named) for text in texts]
        if others:
            self._digressions(said, about, others)
        return said

    def _digressions(self, said: list[Said], about: Property, others: list[Property]) -> None:
        """Now and then a message naming two properties, an aside about another one (and its
        answer), a comparison with another one."""
        rng, other = self.rng, self.rng.choice(others)
        at = 1 + int(rng.random() * len(said))
        if rng.random() < TWO_PROPERTY_MESSAGE:
            pair = (about.mention(rng), rng.choice(other.mentions))
            if rng.random() < 0.5:
                pair = pair[::-1]
            two = rng.choice(TWO_PROPERTIES).format(a=pair[0], b=pair[1])
            said.insert(at, (two, about.id, said[0][2]))
        elif rng.random() < ASIDE:
            aside = rng.choice(ASIDES).format(b=other.mention(rng))
            named = other.mls_stored or other.mls_number not in aside
            said[at:at] = [(aside, other.id, named), (rng.choice(ASIDE_REPLIES), other.id, named)]
        elif rng.random() < COMPARISON:
            compared = rng.choice(COMPARISONS).format(a=rng.choice(other.mentions))
            said.insert(at, (compared, about.id, said[0][2]))

    def _activity(
        self, thread: SharedThread, timeline: Timeline, about: str | None, now: int
    ) -> str | None:
        """The client's rating in the app minutes before a topic, if any (see the module
        docstring); returns the property rated."""
        rng = self.rng
        rated: str | None = None
        if about is not None and rng.random() < FEEDBACK_BEFORE_TOPIC:
            rated = about
        elif rng.random() < FEEDBACK_ELSEWHERE:
            rated = rng.choice(timeline.properties).id
        client = timeline.client
        if rated is None or (rated, client.id) in self._rated:
            return None
        self._rated.add((rated, client.id))
        at = now - MINUTE - int(rng.random() * 20 * MINUTE)
        thread.feedback.append(
            [self.cuid(at), rng.choice(FEEDBACK), None, client.name, client.email, client.id,
             at, at - 2, at, at, rated]
        )  # fmt: skip
        thread.events.append([self.cuid(at + 8), timeline.id, "feedback_submit", rated, at + 8])
        return rated

    def sender_type(self, from_client: bool) -> str:
        """A senderType other than the plain 'agent' / 'client': mostly a variant of it."""
        if self.rng.random() < 0.93:
            return self.rng.choice(SENDER_TYPE_VARIANTS[from_client])
        return self.rng.choice(UNKNOWN_SENDER_TYPES)

    def mark_reads(self, rows: list[Row], client_id: str) -> None:
        """Read shortly before the other side's next message; the last ones often unread."""
        draw = self.rng.random
        next_from = {True: 0, False: 0}  # createdAt of the next message by the client / agent
        for row in reversed(rows):
            created, from_client = row[CREATED], row[SENDER] == client_id
            reply = next_from[not from_client]
            read_at = None
            if reply:
                read_at = max(created + 2_000, reply - 2_000 - int(draw() * 88_000))
            elif draw() < 0.5:
                read_at = created + MINUTE + int(draw() * 36 * HOUR)
            if read_at is not None:
                row[IS_READ], row[READ_AT], row[UPDATED] = 1, read_at, read_at + int(draw() * 4)
            next_from[from_client] = created
