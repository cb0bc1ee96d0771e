"""The backfill's steps, each a plain function over a `Database` (the flow only sequences them).

stage (one snapshot) -> attribute shared messages -> write the result to staging -> audit (the
gate, `v2_backfill.quality.gate`) -> publish (one transaction); the run's records are
`v2_backfill.runs`, what it reads `v2_backfill.scope`, its tables `v2_backfill.staging`.
Staging and all bookkeeping live in the `v2_backfill` store; the app's tables are written only
by `publish` and `create_v2_tables`, the legacy tables never.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import sqlalchemy as sa

from transforms.attribution import (
    Activity,
    ActivityOf,
    Placement,
    PropertiesOf,
    ThreadAttributor,
    TimelineProperty,
)
from v2_backfill.config import BackfillConfig, Fallback
from v2_backfill.db import Database, utc_now_ms
from v2_backfill.errors import DataQualityError, PreflightError
from v2_backfill.preflight import PreflightReport, run_preflight
from v2_backfill.rules_process import CHILDREN, can_fork, decide
from v2_backfill.runs import failpoint
from v2_backfill.scope import SYNCED_TABLES, Scope, cursor_params, keep_touched_runs
from v2_backfill.staging import (
    JOINED_RESULT_STAGING,
    PUBLISHED_TABLES,
    RESULT_STAGING,
    STAGE_STAGING,
)

log = logging.getLogger("v2_backfill")

Progress = Callable[[int, int], None]
"""Called as progress(done, total) during long steps."""


def preflight(
    db: Database,
    *,
    allow_extra_indexes: bool = False,
    create_missing_indexes: bool = False,
    datetimes: bool = True,
) -> PreflightReport:
    """Check the database; raise `PreflightError` naming every problem (`run_preflight`)."""
    report = run_preflight(
        db,
        allow_extra_indexes=allow_extra_indexes,
        create_missing_indexes=create_missing_indexes,
        datetimes=datetimes,
    )
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


_ALL = "(SELECT m.*, FALSE AS context_only FROM messages AS m)"
_SLICE = (
    "(SELECT m.*, sc.context_only FROM messages AS m "
    "JOIN v2_backfill.stage_scope AS sc ON sc.message_id = m.id)"
)


def stage_messages(db: Database, config: BackfillConfig, scope: Scope | None = None) -> int:
    """Stage the legacy messages of `scope` (default: all) with the set-based rules applied,
    with the properties the text rules will read, the cursors and facts the run will store
    and, for a reconcile, the hard deletes, all in one snapshot of the legacy tables (every
    later step reads legacy through this copy). A sync takes the messages' cursor from its
    changes when there are any (`stage_watermark_changed`). Returns how many messages were
    staged."""
    scope = scope or Scope()
    with db.begin(snapshot=True) as conn:
        db.empty(conn, STAGE_STAGING)
        db.run(conn, "unindex_attribution")  # loaded without it (`apply_attribution`)
        if scope.since is None:
            db.run(conn, "scope_all", {"replace": config.replace})
            source = _ALL
        else:
            params = cursor_params(db, scope.since, scope.lookback_ms)
            params |= {"replace": config.replace, "window_ms": config.thread_window_ms}
            db.run(conn, "scope_changes", params)
            db.refresh_statistics(conn, ["v2_backfill.stage_scope"])  # probed by id, not hashed
            source = _SLICE
        if scope.deletions:
            db.run(conn, "find_deletions", {"remove": scope.remove_deleted})
        db.run(conn, "stage_messages", fills={"legacy_messages": source})
        messages_cursor_staged = False
        if scope.since is not None:
            keep_touched_runs(db, conn, config.thread_window_ms, config.chunk_size)
            messages_cursor_staged = db.run(conn, "stage_watermark_changed", params) > 0
        db.refresh_statistics(conn, ["v2_backfill.stage_messages"])
        db.run(conn, "stage_properties")
        for table in SYNCED_TABLES:
            if table != "messages" or not messages_cursor_staged:  # no second pass over them
                db.run(conn, "stage_watermark", fills={"legacy_table": table})
        return db.query(conn, "count_slice")[0].messages


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
    chunks of `config.chunk_size`, beside streams of their timelines' properties and of the
    client's activity on them in the same order: memory holds one chunk, one timeline's
    properties and activity, and one topic run (`transforms.attribution`); with more than one
    chunk the rules run in child processes meanwhile (`config.rules_process`,
    `v2_backfill.rules_process`: a few chunks' rows on their way at most). The placements are
    bulk-loaded into `stage_attribution`, read by `write_result`. Idempotent: one transaction
    deletes the bucket's rows of `stage_attribution` and writes them anew, so running a
    bucket again (a retried task) leaves the same rows, also while its first run still writes
    (`Database.lock_bucket`: the second waits for it). Returns how many messages were decided.
    """
    if not 0 <= bucket < buckets:
        raise ValueError(f"bucket {bucket} is not one of {buckets} buckets")
    where = {"bucket": bucket, "buckets": buckets}
    with db.begin() as conn:
        db.lock_bucket(conn, bucket)  # a run of the same bucket still writing ends first
        db.run(conn, "clear_bucket_attribution", where)
        (total,) = db.query(conn, "count_pending_shared_messages", where)[0]
        if not total:
            return 0
        properties = (
            TimelineProperty(row.id, row.timeline_id, row.address or "", row.position,
                             db.to_ms(row.created_at), row.mls_id, row.listing_url)
            for chunk in db.stream(conn, "pending_timeline_properties", where, config.chunk_size)
            for row in chunk
        )  # fmt: skip
        activity = (
            Activity(row.timeline_id, row.property_id, db.to_ms(row.at), row.source)
            for chunk in db.stream(conn, "pending_timeline_activity", where, config.chunk_size)
            for row in chunk
        )

        def attributor(properties_of: PropertiesOf, activity_of: ActivityOf) -> ThreadAttributor:
            return ThreadAttributor(
                properties_of,
                activity_of=activity_of,
                window_ms=config.thread_window_ms,
                primary_fallback=config.fallback is Fallback.PRIMARY_PROPERTY,
                min_confidence=config.min_confidence,
            )

        chunks = db.stream(conn, "pending_shared_messages", where, config.chunk_size)
        beside = config.rules_process and total > config.chunk_size and can_fork()
        done = 0
        children = CHILDREN if beside else 0
        for placed in decide(chunks, properties, activity, attributor, db.to_ms, children):
            done += _load(db, conn, placed)
            if progress:
                progress(done, total)
    return done


def _load(db: Database, conn: sa.Connection, placed: Sequence[tuple]) -> int:
    db.bulk_insert(conn, "stage_attribution", _PLACEMENT_COLUMNS, placed)
    return len(placed)


def apply_attribution(db: Database) -> int:
    """Index the text rules' results (`stage_attribution`, every bucket, loaded without an
    index since `stage_messages`) and fold them into the staged messages, in one transaction;
    return how many staged messages were updated."""
    with db.begin() as conn:
        db.run(conn, "index_attribution")
        return db.run(conn, "apply_attribution")


_PLACEMENT_COLUMNS = Placement._fields
"""The columns of `stage_attribution`, in the order of a `Placement`."""


def write_result(db: Database) -> int:
    """Write the run's result into staging (conversations, V2 messages, quarantine, counts);
    return how many messages it would copy. The app's tables are not touched."""
    with db.begin() as conn:
        db.empty(conn, RESULT_STAGING)
        db.run(conn, "write_result", {"now": db.from_ms(utc_now_ms())})
        db.refresh_statistics(conn, JOINED_RESULT_STAGING)
        return db.query(conn, "count_copies")[0].messages


def publish(db: Database, run_id: str, indexes: Sequence[str] = ()) -> None:
    """Publish the audited staging into the V2 tables and the bookkeeping (lineage, quarantine,
    replacement findings, watermarks) in one transaction, the changes to messages already
    published only when there are any; every conversation of the run is
    recounted from its live messages before the commit, and the DateTimes of every row the
    pipeline wrote brought into the run's encoding (SQLite: read again only when it differs
    from the last publish's). `indexes`: the `CREATE INDEX` statements
    of the Prisma indexes the V2 tables lack (`--create-missing-indexes`), run first in the
    same transaction, so they exist only if the run publishes. After a publish of every legacy
    message, PostgreSQL's planner statistics of the written tables are refreshed."""
    params = {"run_id": run_id, "now": db.from_ms(utc_now_ms())}
    with db.begin(app_writes=True) as conn:
        for statement in indexes:
            conn.execute(sa.text(statement))
        if indexes:
            log.info("created %d missing V2 indexes", len(indexes))
        unplaced = db.query(conn, "count_unplaced")[0].messages
        if unplaced:
            raise RuntimeError(f"{unplaced} staged messages have neither a property nor a reason")
        db.run(conn, "publish_staged", params)
        if db.query(conn, "staged_changes")[0].changes:
            db.run(conn, "publish_changes")
        db.run(conn, "publish_deletions")
        db.run(conn, "recount_conversations", params)
        db.encode_pipeline_datetimes(conn)
        _check_placed_once(db.query(conn, "placed_once")[0])
        failpoint("publish-uncommitted")
        options = db.query(conn, "stage_options")
        refresh = bool(options and options[0].full_context)
    if refresh:  # so the next sync's slice queries probe indexes instead of hashing tables
        with db.begin(app_writes=True) as conn:
            db.refresh_statistics(conn, PUBLISHED_TABLES)


def _check_placed_once(counts: sa.Row) -> None:
    """Refuse to commit unless every staged message is in exactly one place (the counts of
    `sql/common/placed_once.sql`)."""
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
