"""The pipeline's staging tables (in the bookkeeping store), grouped by the step rebuilding them."""

from __future__ import annotations

from v2_backfill.db import Database

PUBLISHED_TABLES = (
    "messages_v2", "property_conversations", "v2_backfill.lineage", "v2_backfill.quarantine",
)  # fmt: skip
"""The tables a publish of every legacy message bulk-writes (the app's, then the store's)."""

STAGE_STAGING = (
    "stage_options", "stage_scope", "stage_runs", "stage_context", "stage_deletions",
    "stage_attribution", "stage_messages", "stage_properties", "stage_activity",
    "stage_watermarks",
)  # fmt: skip
"""The staging tables `stage_messages` rebuilds in its snapshot: the run's scope (and a sync's
touched runs) and options,
the facts and deletions it found, the messages and the text rules' properties and activity as
read, the text rules' results, cursors."""

RESULT_STAGING = (
    "stage_conversations", "stage_v2_messages", "stage_quarantine", "stage_replacements",
)  # fmt: skip
"""The staging tables `write_result` rebuilds: the result to audit and publish."""

JOINED_RESULT_STAGING = (
    "v2_backfill.stage_conversations", "v2_backfill.stage_v2_messages",
    "v2_backfill.stage_quarantine",
)  # fmt: skip
"""The result staging that the audit and the publish join: its planner statistics are
refreshed once `write_result` has written it."""

PER_MESSAGE_STAGING = (
    "stage_scope", "stage_messages", "stage_attribution", "stage_conversations",
    "stage_v2_messages", "stage_quarantine",
)  # fmt: skip
"""The staging tables holding a row per legacy message of the run (as read, the text rules'
results, the V2 rows and quarantine to publish)."""


def clear_staging(db: Database) -> None:
    """Empty the per-message staging of a backfill that has published and been summarized,
    so that it does not linger in the store and the next sync does not pay for clearing it
    (a failed run keeps its staging, for inspection, until the next run rebuilds it)."""
    with db.begin() as conn:
        db.empty(conn, PER_MESSAGE_STAGING)
