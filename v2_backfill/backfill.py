"""The backfill's steps, each a plain function over a `Database` (the flow only sequences them).

snapshot -> stage -> attribute shared messages -> write the result to staging -> audit (the
gate, `v2_backfill.gate`) -> publish (one transaction) -> summarise. Staging and all
bookkeeping live in the `v2_backfill` store; the app's tables are written only by `publish`
and `create_v2_tables`, the legacy tables never.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from transforms.attribution import (
    Placement,
    SharedMessage,
    ThreadAttributor,
    TimelineFeed,
    TimelineProperty,
)
from v2_backfill.config import BackfillConfig, Fallback
from v2_backfill.database import Database, utc_now_ms
from v2_backfill.errors import DataQualityError, PreflightError
from v2_backfill.preflight import PreflightReport, run_preflight

log = logging.getLogger("v2_backfill")

Progress = Callable[[int, int], None]
"""Called as progress(done, total) during long steps."""


@dataclass
class RunSummary:
    """What a backfill run did; printed as text or JSON (stable keys)."""

    run_id: str
    database: str
    kind: str = "backfill"
    v2_tables_created: bool = False
    legacy_messages: int = 0
    messages_copied: int = 0
    messages_already_migrated: int = 0
    messages_updated: int = 0
    conversations_created: int = 0
    conversations_reused: int = 0
    replacements_found: int = 0
    replacements_applied: int = 0
    attribution_by_rule: dict[str, int] = field(default_factory=dict)
    quarantined_by_reason: dict[str, int] = field(default_factory=dict)
    changes_after_snapshot: dict[str, int] = field(default_factory=dict)
    """Legacy messages the app wrote after the run's snapshot (new, changed, deleted), left to
    the next sync."""
    notes: list[str] = field(default_factory=list)
    gate_passed: bool = False
    checks_failed: list[str] = field(default_factory=list)
    checks_warned: list[str] = field(default_factory=list)
    report: str = ""
    started_at: str = ""
    finished_at: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The summary as plain JSON-ready values."""
        return asdict(self)


class StepTimer:
    """Wall-clock seconds per named step, for the report."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        """Time the block as step `name` (added up when a name repeats)."""
        start = time.perf_counter()
        try:
            yield
        finally:
            elapsed = time.perf_counter() - start
            self.seconds[name] = round(self.seconds.get(name, 0.0) + elapsed, 3)
        failpoint(f"after-{name}")


FAILPOINT_ENV = "V2_BACKFILL_FAILPOINT"


def failpoint(name: str) -> None:
    """For crash-safety and concurrency tests: act at the point `$V2_BACKFILL_FAILPOINT` names.

    Points: `after-<step>` for every timed step, and `publish-uncommitted` inside the
    publishing transaction, after every row is written, before the commit. `<point>` SIGKILLs
    this process there; `<point>:sleep=<seconds>` holds it there that long (the run lock
    held). Unset, as in production, this does nothing.
    """
    point, _, action = os.environ.get(FAILPOINT_ENV, "").partition(":")
    if point != name:
        return
    if action.startswith("sleep="):
        time.sleep(float(action.removeprefix("sleep=")))
        return
    os.kill(os.getpid(), signal.SIGKILL)


def utc_now_iso() -> str:
    """The current UTC time, ISO 8601 with milliseconds."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def new_run_id() -> str:
    """A sortable, unique run id: UTC time plus a random suffix."""
    return f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"


def preflight(db: Database, *, allow_extra_indexes: bool = False) -> PreflightReport:
    """Check the database; raise `PreflightError` naming every problem."""
    report = run_preflight(db, allow_extra_indexes=allow_extra_indexes)
    if report.problems:
        raise PreflightError(report.problems)
    return report


def create_v2_tables(db: Database, report: PreflightReport) -> bool:
    """Create the V2 tables in one transaction when preflight found none; True if created."""
    if not report.create_v2_tables:
        return False
    with db.begin(app_writes=True) as conn:
        db.run(conn, "create_v2_tables")
    log.info("created the V2 tables")
    return True


def start_run(db: Database, run_id: str, kind: str, params: dict[str, Any]) -> None:
    """Create the bookkeeping store if needed and record the run as running."""
    with db.begin() as conn:
        db.ensure_bookkeeping(conn)
        db.run(
            conn,
            "start_run",
            {"run_id": run_id, "kind": kind, "now": db.from_ms(utc_now_ms()),
             "params": json.dumps(params, sort_keys=True, default=str)},
        )  # fmt: skip


def finish_run(db: Database, run_id: str, status: str, summary: dict[str, Any]) -> None:
    """Record how the run ended, with its summary."""
    with db.begin() as conn:
        db.run(
            conn,
            "finish_run",
            {"run_id": run_id, "status": status, "now": db.from_ms(utc_now_ms()),
             "summary": json.dumps(summary, sort_keys=True, default=str)},
        )  # fmt: skip


@dataclass(frozen=True)
class Cursor:
    """Where a legacy table's changes start: the (updatedAt, id) of the newest row read."""

    updated_ms: int
    """updatedAt, epoch milliseconds UTC."""
    row_id: str


SYNCED_TABLES = ("messages", "conversations", "properties")
"""The legacy tables whose changes a sync reads, each from its own cursor."""


@dataclass(frozen=True)
class Scope:
    """Which legacy messages a run stages."""

    since: dict[str, Cursor] | None = None
    """None: every legacy message; else what changed after these cursors (a sync)."""
    lookback_ms: int = 0
    """How far each cursor of `since` is moved back (0: the cursor is exact)."""
    deletions: bool = False
    """Whether to find the migrated and quarantined messages deleted in legacy (a reconcile)."""
    remove_deleted: bool = False
    """Whether the run removes what the pipeline made of those messages."""


_ALL = "(SELECT m.*, FALSE AS context_only FROM messages AS m)"
_SLICE = (
    "(SELECT m.*, sc.context_only FROM messages AS m "
    "JOIN v2_backfill.stage_scope AS sc ON sc.message_id = m.id)"
)


def stage_messages(db: Database, config: BackfillConfig, scope: Scope | None = None) -> int:
    """Stage the legacy messages of `scope` (default: all) with the set-based rules applied,
    with the properties the text rules will read, the cursors and facts the run will store
    and, for a reconcile, the hard deletes, all in one snapshot of the legacy tables (every
    later step reads legacy through this copy). Returns how many messages were staged."""
    scope = scope or Scope()
    with db.begin(snapshot=True) as conn:
        db.empty(conn, STAGE_STAGING)
        if scope.since is None:
            db.run(conn, "scope_all", {"replace": config.replace})
            source = _ALL
        else:
            params = _cursor_params(db, scope.since, scope.lookback_ms)
            params |= {"replace": config.replace, "window_ms": config.thread_window_ms}
            db.run(conn, "scope_changes", params)
            source = _SLICE
        if scope.deletions:
            db.run(conn, "find_deletions", {"remove": scope.remove_deleted})
        db.run(conn, "stage_messages", fills={"legacy_messages": source, **db.stage_expressions})
        db.refresh_statistics(conn, ["v2_backfill.stage_messages"])
        db.run(conn, "stage_properties", fills={"created_at": db.timestamp_sql('p."createdAt"')})
        db.run(conn, "stage_watermarks")
        return conn.execute(sa.text("SELECT COUNT(*) FROM v2_backfill.slice_messages")).scalar_one()


def _cursor_params(db: Database, since: dict[str, Cursor], lookback_ms: int) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for table in SYNCED_TABLES:
        cursor = since.get(table, Cursor(0, ""))
        params[f"since_{table}"] = db.from_ms(cursor.updated_ms - lookback_ms)
        params[f"since_{table}_id"] = cursor.row_id if lookback_ms == 0 else ""
    return params


def stored_cursors(db: Database) -> dict[str, Cursor]:
    """The cursors the latest successful run stored, per legacy table (empty: none yet)."""
    with db.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT table_name, updated_at, row_id FROM v2_backfill.watermarks")
        )
        return {row.table_name: Cursor(db.to_ms(row.updated_at), row.row_id) for row in rows}


def attribute_shared_messages(
    db: Database, config: BackfillConfig, progress: Progress | None = None
) -> int:
    """Apply the text rules to every pending shared-conversation message, serially (one
    bucket of all timelines), then fold the results into the staged messages. Returns how
    many messages were decided."""
    done = attribute_bucket(db, config, 0, 1, progress)
    apply_attribution(db)
    return done


def attribute_bucket(
    db: Database,
    config: BackfillConfig,
    bucket: int,
    buckets: int,
    progress: Progress | None = None,
) -> int:
    """Apply the text rules to the pending shared-conversation messages of the timelines in
    `bucket` (of `buckets`, by a hash of the timeline id computed in SQL).

    Only these rows (with their content) leave the database, streamed in thread order in
    chunks of `config.chunk_size`, beside a stream of their timelines' properties in the same
    order: memory holds one chunk and one timeline's properties. The placements are
    bulk-loaded into `stage_attribution`, read by `write_result`. Idempotent: one transaction
    deletes the bucket's rows of `stage_attribution` and writes them anew, so running a
    bucket again (a retried task) leaves the same rows. Returns how many messages were decided.
    """
    if not 0 <= bucket < buckets:
        raise ValueError(f"bucket {bucket} is not one of {buckets} buckets")
    where = {"bucket": bucket, "buckets": buckets}
    with db.begin() as conn:
        db.run(conn, "clear_bucket_attribution", where)
        (total,) = db.query(conn, "count_pending_shared_messages", where)[0]
        if not total:
            return 0
        properties = (
            TimelineProperty(row.id, row.timeline_id, row.address or "", row.position,
                             db.to_ms(row.created_at))
            for chunk in db.stream(conn, "pending_timeline_properties", where, config.chunk_size)
            for row in chunk
        )  # fmt: skip
        attributor = ThreadAttributor(
            TimelineFeed(properties),
            window_ms=config.thread_window_ms,
            primary_fallback=config.fallback is Fallback.PRIMARY_PROPERTY,
        )
        done = 0
        for rows in db.stream(conn, "pending_shared_messages", where, config.chunk_size):
            chunk = [
                SharedMessage(message_id, conversation_id, timeline_id, db.to_ms(created),
                              content or "")
                for message_id, conversation_id, timeline_id, created, content, _ in rows
            ]  # fmt: skip
            placed = [
                placement
                for placement, row in zip(attributor.place_all(chunk), rows, strict=True)
                if not row.context_only  # a thread's context, read but not placed again
            ]
            db.bulk_insert(conn, "stage_attribution", _PLACEMENT_COLUMNS, map(_row, placed))
            done += len(placed)
            if progress:
                progress(done, total)
    return done


def apply_attribution(db: Database) -> int:
    """Fold the text rules' results (`stage_attribution`, every bucket) into the staged
    messages, in one transaction; return how many staged messages were updated."""
    with db.begin() as conn:
        return db.run(conn, "apply_attribution")


_PLACEMENT_COLUMNS = ("message_id", "property_id", "rule", "reason", "detail")


def _row(placement: Placement) -> tuple[str | None, ...]:
    return (placement.message_id, placement.property_id, placement.rule, placement.reason,
            placement.detail)  # fmt: skip


def write_result(db: Database) -> int:
    """Write the run's result into staging (conversations, V2 messages, quarantine, counts);
    return how many messages it would copy. The app's tables are not touched."""
    with db.begin() as conn:
        db.empty(conn, RESULT_STAGING)
        db.run(conn, "write_result", {"now": db.from_ms(utc_now_ms())})
        return conn.execute(
            sa.text("SELECT COUNT(*) FROM v2_backfill.stage_v2_messages WHERE action = 'insert'")
        ).scalar_one()


def publish(db: Database, run_id: str) -> None:
    """Publish the audited staging into the V2 tables and the bookkeeping (lineage, quarantine,
    replacement findings, watermarks) in one transaction; every conversation of the run is
    recounted from its live messages before the commit. After a publish of every legacy
    message, PostgreSQL's planner statistics of the written tables are refreshed."""
    params = {"run_id": run_id, "now": db.from_ms(utc_now_ms())}
    with db.begin(app_writes=True) as conn:
        unplaced = conn.execute(
            sa.text(
                "SELECT COUNT(*) FROM v2_backfill.outcomes "
                "WHERE target_property_id IS NULL AND reason IS NULL"
            )
        ).scalar_one()
        if unplaced:
            raise RuntimeError(f"{unplaced} staged messages have neither a property nor a reason")
        db.run(conn, "publish_staged", params)
        db.run(conn, "publish_deletions")
        db.run(conn, "recount_conversations", params)
        _reconcile(db.query(conn, "reconcile_staged")[0])
        failpoint("publish-uncommitted")
        whole = conn.execute(sa.text("SELECT full_context FROM v2_backfill.stage_options"))
        refresh = bool(whole.scalar_one_or_none())
    if refresh:  # so the next sync's slice queries probe indexes instead of hashing tables
        with db.begin(app_writes=True) as conn:
            db.refresh_statistics(conn, PUBLISHED_TABLES)


PUBLISHED_TABLES = (
    "messages_v2", "property_conversations", "v2_backfill.lineage", "v2_backfill.quarantine",
)  # fmt: skip
"""The tables a publish of every legacy message bulk-writes (the app's, then the store's)."""

STAGE_STAGING = (
    "stage_options", "stage_scope", "stage_context", "stage_deletions", "stage_attribution",
    "stage_messages", "stage_properties", "stage_watermarks",
)  # fmt: skip
"""The staging tables `stage_messages` rebuilds in its snapshot: the run's scope and options,
the facts and deletions it found, the messages and the text rules' properties as read, the
text rules' results, cursors."""

RESULT_STAGING = (
    "stage_conversations", "stage_v2_messages", "stage_quarantine", "stage_replacements",
)  # fmt: skip
"""The staging tables `write_result` rebuilds: the result to audit and publish."""

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


def _reconcile(counts: sa.Row) -> None:
    """Refuse to commit unless every staged message is in exactly one place."""
    problems = []
    if counts.migrated + counts.quarantined - counts.in_both != counts.staged:
        lost = counts.staged - (counts.migrated + counts.quarantined - counts.in_both)
        problems.append(f"{lost} legacy messages are neither migrated nor quarantined")
    if counts.in_both:
        problems.append(f"{counts.in_both} legacy messages are both migrated and quarantined")
    if counts.migrated_without_row:
        problems.append(f"{counts.migrated_without_row} lineage rows have no messages_v2 row")
    if problems:
        raise DataQualityError(
            "reconciliation failed, nothing was published: " + "; ".join(problems)
        )


def summarize(db: Database, summary: RunSummary) -> RunSummary:
    """Fill the run's figures from staging and bookkeeping."""
    with db.connect() as conn:
        counts = db.query(conn, "run_counts", {"run_id": summary.run_id})[0]
        summary.legacy_messages = counts.legacy_messages
        summary.messages_copied = counts.messages_copied
        summary.messages_already_migrated = counts.already_migrated
        summary.messages_updated = counts.messages_updated
        summary.conversations_created = counts.conversations_created
        summary.conversations_reused = counts.conversations_receiving - counts.conversations_created
        summary.replacements_found = counts.replacements_found
        summary.replacements_applied = counts.replacements_applied
        summary.attribution_by_rule = {r.rule: r.messages for r in db.query(conn, "run_rules")}
        summary.quarantined_by_reason = {
            r.reason: r.messages for r in db.query(conn, "run_reasons")
        }
    return summary


def report_run_info(
    summary: RunSummary, kind: str, status: str, params: dict[str, Any], timer: StepTimer
) -> dict[str, Any]:
    """The report's `run` section (run id, database and times taken from `summary`)."""
    started = datetime.fromisoformat(summary.started_at)
    finished = datetime.fromisoformat(summary.finished_at)
    return {
        "run_id": summary.run_id,
        "kind": kind,
        "database": summary.database,
        "status": status,
        "started_at": summary.started_at,
        "finished_at": summary.finished_at,
        "duration_seconds": round((finished - started).total_seconds(), 3),
        "parameters": params,
        "step_seconds": dict(timer.seconds),
    }
