"""The review queue as frames: what `review export` reads and the page and CSVs are made of.

One `ReviewQueue` per export. Its frames are plain pandas DataFrames with the columns below, in
that order; times are ISO-8601 UTC strings with milliseconds (`2025-01-02T03:04:05.678Z`).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

QUEUE_COLUMNS = (
    "message_id",
    "legacy_conversation_id",
    "timeline_id",
    "segment",
    "reason",
    "detail",
    "candidates",
    "sent_at",
    "sender_type",
    "excerpt",
)
"""`queue.csv`: one row per quarantined message with no decision yet. `segment` is the topic
run the rules saw (the same id for every message of the run); `candidates` the timeline's
property ids, best first, as `id (confidence, street line)` joined by `; `."""

CANDIDATE_COLUMNS = ("segment", "rank", "property_id", "confidence", "street_line")
"""Per segment, the properties of its timeline, best first (`rank` 1 is the best; `confidence`
empty where the rules gave none)."""

THREAD_COLUMNS = (
    "segment",
    "message_id",
    "sent_at",
    "sender_type",
    "excerpt",
    "in_segment",
    "gap_ms",
)
"""Per segment, the messages of its legacy conversation around it, in thread order: the
segment's own (`in_segment` true) and a few before and after; `gap_ms` is the silence before
the message in milliseconds (empty for the conversation's first)."""

PROPERTY_COLUMNS = ("timeline_id", "property_id", "street_line", "city")
"""The properties of every timeline in the queue, with their addresses."""

DECISION_COLUMNS = ("message_id", "segment", "decision", "property_id", "reviewer")
"""`decisions.csv` as `review apply` reads it: each row keyed by `message_id` or by `segment`
(the other empty); `decision` a property id of the message's own timeline, `quarantine`, or for
audit-sample rows `correct` / `wrong` (a `wrong` row may name the right property in
`property_id`); `reviewer` optional. The page downloads rows keyed by segment."""


@dataclass(frozen=True)
class ReviewQueue:
    """What one export shows: the queue, each segment's candidates and thread, the properties."""

    queue: pd.DataFrame
    candidates: pd.DataFrame
    thread: pd.DataFrame
    properties: pd.DataFrame
