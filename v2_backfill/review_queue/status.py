"""The review's state (`v2-backfill review status`, the run report) and a batch's staging."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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
    reason), and the pending segments in all."""
    with db.connect() as conn:
        rows = db.query(conn, "review_status")
        segments = int(db.query(conn, "review_segments")[0].segments)
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
        "segments": segments,
        "by_reason": by_reason,
    }
