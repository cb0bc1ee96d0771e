"""The review's state (`v2-backfill review status`, the run report) and a batch's staging."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from v2_backfill.config import BOOKKEEPING_SCHEMA
from v2_backfill.db import Database
from v2_backfill.runs import utc_now_iso

if TYPE_CHECKING:  # apply imports pandas, which `review status` does not need
    from v2_backfill.review_queue.apply import ReviewBatch


def load_batch(db: Database, batch: ReviewBatch) -> None:
    """Load a review run's decisions and labels into staging (after the messages are staged,
    before the text rules' results are folded in)."""
    now = utc_now_iso()
    with db.begin() as conn:
        db.bulk_insert(
            conn, "stage_decisions",
            ("legacy_message_id", "property_id", "segment", "reviewer", "decided_at"),
            [(m, p, s, batch.reviewer, now) for m, p, s in batch.decisions],
        )  # fmt: skip
        db.bulk_insert(
            conn, "stage_labels",
            ("legacy_message_id", "rule", "property_id", "label", "reviewer", "labelled_at"),
            [(m, r, p, label, batch.reviewer, now) for m, r, p, label in batch.labels],
        )  # fmt: skip


def review_status(db: Database) -> dict[str, Any]:
    """Decided and pending messages, by quarantine reason (with the pending segments of each
    reason), the pending segments in all, and the latest exported queue (None before any
    `review export`)."""
    with db.connect() as conn:
        # the total's row (reason NULL) last: SQLite sorts NULL first, PostgreSQL last
        *rows, total = sorted(db.query(conn, "review_status"), key=lambda r: r.reason is None)
        latest = (
            db.query(conn, "review_latest_export")
            if sa.inspect(conn).has_table("review_exports", schema=BOOKKEEPING_SCHEMA)
            else []  # a store of an older layout, no export recorded yet
        )
    by_reason = {
        r.reason: {"decided": int(r.decided), "pending": int(r.pending),
                   "segments": int(r.segments)}
        for r in rows
    }  # fmt: skip
    return {
        "kind": "review_status",
        "database": db.target.describe(),
        "decided": sum(v["decided"] for v in by_reason.values()),
        "pending": sum(v["pending"] for v in by_reason.values()),
        "segments": int(total.segments),
        "by_reason": by_reason,
        "latest_queue": latest[0]._asdict() if latest else None,
    }


def format_review_status(status: dict[str, Any]) -> str:
    """`review status` as a short human-readable report."""
    lines = [
        f"review of {status['database']}",
        f"  decided:  {status['decided']}",
        f"  pending:  {status['pending']} in {status['segments']} segment(s)",
        "  by reason (decided / pending, segments):",
    ]
    lines += [f"    {reason:<24}{v['decided']} / {v['pending']}, {v['segments']}"
              for reason, v in sorted(status["by_reason"].items())]  # fmt: skip
    latest = status["latest_queue"]
    lines.append(
        "  latest queue:  none exported (v2-backfill review export --db ... --out DIR)"
        if latest is None
        else f"  latest queue:  {latest['page']} (exported {latest['exported_at']}: "
        f"{latest['queued_messages']} messages in {latest['segments']} segment(s))"
    )
    return "\n".join(lines)
