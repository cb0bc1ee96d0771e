"""`v2-backfill review export`: the review queue and the audit sample, read from the database.

`read_queue` builds the `ReviewQueue` (the quarantined messages without a decision, each
segment's candidates and thread, the timelines' properties); `audit_sample` draws a seeded
sample of the heuristic placements, stratified by rule; `export` writes `queue.csv`,
`audit_sample.csv` and the review page `index.html` into a folder, and records the export in
the pipeline's store (`review_exports`: `review status` and the run report link the latest
queue). The app's tables are only read.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa

from v2_backfill.db import Database
from v2_backfill.review_queue.frames import (
    CANDIDATE_COLUMNS,
    PROPERTY_COLUMNS,
    QUEUE_COLUMNS,
    THREAD_COLUMNS,
    ReviewQueue,
)
from v2_backfill.runs import utc_now_iso

AUDIT_COLUMNS = (
    "message_id", "rule", "confidence", "property_id", "street_line", "sent_at", "sender_type",
    "excerpt", "decision",
)  # fmt: skip
"""`audit_sample.csv`: one heuristic placement per row; `decision` is left for the reviewer
(`correct` or `wrong`, a `wrong` row may name the right property in `property_id`)."""

EXCERPT_CHARS = 200
"""The longest excerpt of a message's content shown to reviewers."""

THREAD_CONTEXT = 3
"""Messages of the legacy conversation shown before and after each segment."""

_BEST = re.compile(r"best candidate (\S+) by \S+, confidence ([0-9.]+)")
"""How a `low_confidence` detail names the rules' best candidate (transforms.attribution)."""


def iso_ms(ms: int | None) -> str:
    """Epoch milliseconds as ISO-8601 UTC with milliseconds; empty for none."""
    if ms is None:
        return ""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def excerpt(content: str | None) -> str:
    """The start of a message's content on one line (empty when none may be shown)."""
    if not isinstance(content, str):
        return ""
    flat = " ".join(content.split())
    return flat if len(flat) <= EXCERPT_CHARS else flat[: EXCERPT_CHARS - 1] + "…"


def street_line(address: str | None) -> str:
    """The street line of an address: what comes before its first comma."""
    return (address or "").split(",", 1)[0].strip()


def best_candidate(detail: str | None) -> tuple[str, float] | None:
    """The best candidate and its confidence a `low_confidence` detail names, if any."""
    found = _BEST.search(detail or "")
    return (found.group(1), float(found.group(2))) if found else None


def read_queue(db: Database) -> ReviewQueue:
    """The review queue as it stands: reads the bookkeeping and legacy tables, writes nothing."""
    with db.connect() as conn:
        queued = [row._asdict() for row in db.query(conn, "review_queue")]
        threads = [row._asdict() for row in db.query(conn, "review_thread")]
        props = [row._asdict() for row in db.query(conn, "review_properties")]
    properties = pd.DataFrame(
        [(p["timeline_id"], p["property_id"], street_line(p["address"]), p["city"] or "")
         for p in props],
        columns=PROPERTY_COLUMNS,
    )  # fmt: skip
    for row in queued:
        row["sent_at"] = iso_ms(None if row["sent_at"] is None else db.to_ms(row["sent_at"]))
        row["excerpt"] = excerpt(row.pop("content"))
    candidates = _candidates(queued, properties)
    for row in queued:
        row["candidates"] = "; ".join(
            _candidate_text(c) for c in candidates if c["segment"] == row["segment"]
        )
    queue = pd.DataFrame(queued, columns=QUEUE_COLUMNS).fillna("")
    thread = _threads(db, queued, threads)
    return ReviewQueue(queue, pd.DataFrame(candidates, columns=CANDIDATE_COLUMNS), thread,
                       properties)  # fmt: skip


def _candidate_text(candidate: dict[str, Any]) -> str:
    """A candidate as queue.csv spells it: `id (confidence, street line)`, or `id (street
    line)` where the rules gave no confidence."""
    confidence = candidate["confidence"]
    shown = (
        candidate["street_line"]
        if confidence is None
        else f"{confidence}, {candidate['street_line']}"
    )
    return f"{candidate['property_id']} ({shown})"


def _candidates(queued: list[dict[str, Any]], properties: pd.DataFrame) -> list[dict[str, Any]]:
    """Per segment, its timeline's properties: the rules' best candidate first (with its
    confidence), then the others in the timeline's order."""
    by_timeline: dict[str, list[tuple[str, str]]] = {}
    for p in properties.itertuples():
        by_timeline.setdefault(p.timeline_id, []).append((p.property_id, p.street_line))
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for row in queued:
        if row["segment"] in seen or row["timeline_id"] is None:
            continue
        seen.add(row["segment"])
        best = best_candidate(row["detail"])
        ranked = sorted(by_timeline.get(row["timeline_id"], []),
                        key=lambda p: best is None or p[0] != best[0])  # fmt: skip
        for rank, (property_id, line) in enumerate(ranked, start=1):
            confidence = best[1] if best and property_id == best[0] else None
            rows.append({"segment": row["segment"], "rank": rank, "property_id": property_id,
                         "confidence": confidence, "street_line": line})  # fmt: skip
    return rows


def _threads(
    db: Database, queued: list[dict[str, Any]], threads: list[dict[str, Any]]
) -> pd.DataFrame:
    """Per segment, its own messages and `THREAD_CONTEXT` before and after them in its legacy
    conversation, with the silence before each."""
    by_conversation: dict[str, list[dict[str, Any]]] = {}
    for message in threads:
        message["ms"] = None if message["sent_at"] is None else db.to_ms(message["sent_at"])
        by_conversation.setdefault(message["legacy_conversation_id"], []).append(message)
    members: dict[str, set[str]] = {}
    conversation_of: dict[str, str] = {}
    for row in queued:
        members.setdefault(row["segment"], set()).add(row["message_id"])
        conversation_of[row["segment"]] = row["legacy_conversation_id"]
    rows = []
    for segment, ids in members.items():
        thread = by_conversation.get(conversation_of[segment], [])
        at = [i for i, m in enumerate(thread) if m["message_id"] in ids]
        if not at:
            continue
        first, last = max(0, at[0] - THREAD_CONTEXT), min(len(thread), at[-1] + THREAD_CONTEXT + 1)
        for i in range(first, last):
            m, before = thread[i], thread[i - 1] if i else None
            gap = (m["ms"] - before["ms"]) if before and m["ms"] and before["ms"] else None
            rows.append((segment, m["message_id"], iso_ms(m["ms"]), m["sender_type"] or "",
                         excerpt(m["content"]), m["message_id"] in ids, gap))  # fmt: skip
    return pd.DataFrame(rows, columns=THREAD_COLUMNS)


def audit_sample(db: Database, size: int, seed: int) -> pd.DataFrame:
    """A seeded random sample of `size` unlabelled heuristic placements, stratified by rule
    (each rule's share of the sample is its share of the placements, at least one each)."""
    with db.connect() as conn:
        placed = pd.DataFrame(
            [row._asdict() for row in db.query(conn, "review_placements")],
            columns=["message_id", "rule", "confidence", "property_id", "timeline_id",
                     "sent_at", "sender_type"],
        )  # fmt: skip
        sample = stratified(placed, size, seed)
        ids = json.dumps(list(sample["message_id"]))
        contents = {r.message_id: r for r in db.query(conn, "review_contents", {"ids": ids})}
    sample = sample.assign(
        street_line=[street_line(contents[i].address) for i in sample["message_id"]],
        excerpt=[excerpt(contents[i].content) for i in sample["message_id"]],
        sent_at=[iso_ms(None if t is None else db.to_ms(t)) for t in sample["sent_at"]],
        confidence=sample["confidence"].map(lambda c: "" if pd.isna(c) else round(c, 3)),
        decision="",
    )
    return sample.loc[:, list(AUDIT_COLUMNS)]


def stratified(placed: pd.DataFrame, size: int, seed: int) -> pd.DataFrame:
    """`size` rows of `placed` drawn at random with `seed`, per `rule` in proportion to its
    rows (at least one per rule while `size` allows), in message id order."""
    if placed.empty or size <= 0:
        return placed.iloc[0:0]
    counts = placed["rule"].value_counts().sort_index()
    total = int(counts.sum())
    quota = {rule: min(n, max(1, round(size * n / total))) for rule, n in counts.items()}
    drawn = [
        group.sample(n=quota[rule], random_state=seed)
        for rule, group in placed.groupby("rule", sort=True)
    ]
    return pd.concat(drawn).sort_values("message_id").head(size).reset_index(drop=True)


def write_page(out: Path, queue: ReviewQueue) -> Path:
    """Write the review page `index.html` for `queue` into `out`."""
    from v2_backfill.review_queue.page import render_review_page

    page = out / "index.html"
    page.write_text(render_review_page(queue), encoding="utf-8")
    return page


def export(db: Database, out: Path, *, sample: int, seed: int) -> dict[str, Any]:
    """Write `queue.csv`, `audit_sample.csv` and `index.html` into `out`, record the export in
    the store (`review_exports`); return the summary."""
    queue = read_queue(db)
    audit = audit_sample(db, sample, seed)
    out.mkdir(parents=True, exist_ok=True)
    queue.queue.to_csv(out / "queue.csv", index=False)
    audit.to_csv(out / "audit_sample.csv", index=False)
    page = write_page(out, queue)
    record = {
        "exported_at": utc_now_iso(),
        "folder": str(out.resolve()),
        "page": str(page.resolve()),
        "queued_messages": len(queue.queue),
        "segments": int(queue.queue["segment"].nunique()),
        "audit_sample": len(audit),
    }
    summary = {"kind": "review_export", "database": db.target.describe(), **record, "notes": []}
    try:
        with db.begin() as conn:
            db.ensure_bookkeeping(conn)
            db.run(conn, "record_review_export", record)
    except sa.exc.DBAPIError as exc:  # e.g. a reviewer's read-only role: the files stand
        reason = str(exc.orig).strip().splitlines()[0]
        summary["notes"].append(
            "the export is not recorded in the pipeline's store, so the run report does not "
            f"link this queue ({reason}): export with the pipeline's role to link it"
        )
    return summary
