"""Prefect flow `backfill`: legacy messaging -> V2, one property conversation per property.

Orchestration only: every task calls one step of `v2_backfill.backfill` and logs its result.
The run's database, its preflight and its run lock are the run's `v2_backfill.session`: the
one the CLI prepared for the run id before Prefect started, else one the flow opens first.
`run_backfill(config)` runs the flow on the task runner the config names: Prefect's default
thread pool, or the Dask cluster at `config.dask_address` (calling the flow `backfill`
directly keeps the thread pool). Only the text rules' bucket tasks are submitted to it; the
other steps run in the flow's own thread.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task, unmapped
from prefect.cache_policies import NONE
from prefect.states import State
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from expectations import Mode
from flows import conclusion
from v2_backfill import backfill as steps
from v2_backfill import runs, scope, session, staging
from v2_backfill.config import BackfillConfig
from v2_backfill.db import Database, open_database
from v2_backfill.errors import known_cause
from v2_backfill.preflight import PreflightReport
from v2_backfill.quality import gate


def log_notes(run: session.Session) -> None:
    """Log the preflight's notes in the flow run (the preflight itself ran as the session
    opened)."""
    for note in run.report.notes:
        get_run_logger().info("note: %s", note)


def transient_failure(_task: object, _task_run: object, state: State) -> bool:
    """Whether a failed task run failed for a reason a retry can fix (a `transient` error:
    a dropped connection, a lock held beyond the timeout)."""
    try:
        state.result()
    except Exception as exc:
        known = known_cause(exc)
        return known is not None and known.transient
    return False


@task(name="create-v2-tables", cache_policy=NONE)
def create_v2_tables(db: Database, report: PreflightReport) -> bool:
    """Create the V2 tables exactly as Prisma would, when none exists."""
    return steps.create_v2_tables(db, report)


@task(name="stage-messages", cache_policy=NONE)
def stage_messages(db: Database, config: BackfillConfig, scope: scope.Scope | None) -> int:
    """Stage the legacy messages of `scope` (None: every one; a sync: what changed since the
    stored cursors, or, reconciling, everything with the hard deletes) in one snapshot, with
    the set-based rules applied."""
    staged = steps.stage_messages(db, config, scope)
    get_run_logger().info("staged %d legacy messages", staged)
    return staged


@task(
    name="attribute-shared-messages",
    cache_policy=NONE,
    retries=2,
    retry_delay_seconds=5,
    retry_condition_fn=transient_failure,
)
def attribute_bucket(config: BackfillConfig, run_id: str, bucket: int, buckets: int) -> int:
    """Apply the text rules to one bucket of timelines, streamed in chunks: on the run's
    database when the task runs in the flow's process, else (a Dask worker: only `config` is
    sent there) on a database of its own. Retried on a transient error: a bucket run again
    leaves the same rows."""
    logger = get_run_logger()

    def progress(done: int, total: int) -> None:
        logger.info(
            "text rules, bucket %d of %d: %d/%d shared messages (%.0f%%)",
            bucket, buckets, done, total, 100 * done / total,
        )  # fmt: skip

    shared = session.database_of(run_id)
    db = open_database(config.target) if shared is None else shared
    try:
        return steps.attribute_bucket(db, config, bucket, buckets, progress)
    finally:
        if shared is None:
            db.dispose()


@task(name="apply-attribution", cache_policy=NONE)
def apply_attribution(db: Database) -> int:
    """Fold every bucket's text-rule results into the staged messages."""
    return steps.apply_attribution(db)


def attribute_shared_messages(db: Database, config: BackfillConfig, run_id: str) -> int:
    """Map the text rules over `config.partitions` buckets on the flow's task runner, wait
    for every bucket, then fold the results in once. Returns how many messages were decided."""
    buckets = config.partitions
    futures = attribute_bucket.map(
        unmapped(config), unmapped(run_id), range(buckets), unmapped(buckets)
    )
    futures.wait()  # every bucket has finished before a failure ends the run
    decided = sum(futures.result())
    apply_attribution(db)
    get_run_logger().info("text rules: %d shared messages in %d buckets", decided, buckets)
    return decided


@task(name="snapshot-native", cache_policy=NONE)
def snapshot_native(db: Database, run_id: str, slice_only: bool) -> None:
    """Record the native V2 rows (with `slice_only`, those of the staged conversations), to
    prove the state to publish keeps them unchanged."""
    gate.snapshot_native(db, run_id, slice_only=slice_only)


@task(name="write-result", cache_policy=NONE)
def write_result(db: Database) -> int:
    """Write the result into staging: conversations, V2 messages, quarantine, counts."""
    staged = steps.write_result(db)
    get_run_logger().info("staged %d messages to copy", staged)
    return staged


@task(name="publish", cache_policy=NONE)
def publish(db: Database, run_id: str, indexes: Sequence[str] = ()) -> None:
    """Publish the audited staging into the V2 tables in one transaction (creating the
    missing `indexes` first in it)."""
    steps.publish(db, run_id, indexes)


@task(name="clear-staging", cache_policy=NONE)
def clear_staging(db: Database) -> None:
    """Empty the published backfill's per-message staging."""
    staging.clear_staging(db)


def stage_audit_publish(
    db: Database,
    config: BackfillConfig,
    run_id: str,
    scope: scope.Scope | None,
    report_dir: Path,
    timer: runs.StepTimer,
    *,
    indexes: Sequence[str] = (),
    staged: Callable[[Database], None] | None = None,
) -> tuple[gate.GateResult, dict[str, Any]]:
    """The body of a backfill (`scope` None, audited in mode `backfill`) or a sync (mode `sync`):
    stage in one snapshot of legacy, the text rules, the write into staging and the audit,
    all reading the app's tables as `Database.frozen` lets them without holding the app's
    writers; then the publish if the gate passes (creating the missing `indexes` first in its
    transaction: `--create-missing-indexes`). `staged` is called once the messages are staged
    (a review run loads its decisions there). Returns the gate's result and the report's
    facts."""
    mode: Mode = "backfill" if scope is None else "sync"
    with db.frozen():
        with timer.step("stage"):
            stage_messages(db, config, scope)
            if staged is not None:
                staged(db)
        with timer.step("attribute"):
            attribute_shared_messages(db, config, run_id)
        with timer.step("write"):
            write_result(db)
            snapshot_native(db, run_id, slice_only=mode == "sync")
        with timer.step("audit"):
            result, facts = conclusion.audit(db, mode, run_id, config.tolerances, report_dir)
    facts["changes_after_snapshot"] = conclusion.changes_after_snapshot(db)
    if result.passed:
        with timer.step("publish"):
            publish(db, run_id, indexes)
    return result, facts


def run_backfill(config: BackfillConfig, run_id: str | None = None) -> dict[str, Any]:
    """Run the `backfill` flow on the task runner `config` names (see `task_runner`)."""
    started_at = runs.utc_now_iso()  # the run starts here, Prefect's start-up included
    return backfill.with_options(task_runner=task_runner(config))(config, run_id, started_at)


def task_runner(config: BackfillConfig) -> TaskRunner[Any]:
    """Prefect's default thread pool, or the Dask scheduler at `config.dask_address`."""
    if config.dask_address is None:
        return ThreadPoolTaskRunner()
    from prefect_dask import DaskTaskRunner  # imports Dask only when a cluster is named

    return DaskTaskRunner(address=config.dask_address)


@flow(name="backfill", validate_parameters=False)
def backfill(
    config: BackfillConfig, run_id: str | None = None, started_at: str | None = None
) -> dict[str, Any]:
    """Backfill the V2 messaging tables from the legacy ones: write the result to staging,
    audit it with the data-quality gate, publish only if it passes. Returns the summary;
    raises DataQualityError (the flow run ends Failed) when the gate fails. `started_at`:
    when the run's command started (see `runs.StepTimer`), for the session the flow opens
    when none was prepared for `run_id`."""
    run_id = run_id or runs.new_run_id()
    summary = runs.RunSummary(run_id=run_id, database=config.target.describe())
    opening = partial(session.opened, config, writes=True, started_at=started_at)
    with session.claimed(run_id, opening) as run:
        log_notes(run)
        summary.started_at, summary.notes = run.timer.started_at, run.report.notes
        return locked_run(run.db, config, run_id, run.report, summary, run.timer)


def locked_run(
    db: Database,
    config: BackfillConfig,
    run_id: str,
    report: PreflightReport,
    summary: runs.RunSummary,
    timer: runs.StepTimer,
    *,
    params: dict[str, Any] | None = None,
    staged: Callable[[Database], None] | None = None,
) -> dict[str, Any]:
    """The run proper, under the database's run lock: a backfill, or a review run (kind
    `summary.kind`, recorded with `params`, its decisions loaded by `staged`)."""
    report_dir = config.report_dir or Path("reports") / run_id
    params = config.run_params() if params is None else params
    with timer.step("create V2 tables"):
        summary.v2_tables_created = create_v2_tables(db, report)
    runs.start_run(db, run_id, summary.kind, params)
    try:
        indexes = report.create_indexes
        result, facts = stage_audit_publish(
            db, config, run_id, None, report_dir, timer,
            indexes=list(indexes.values()), staged=staged,
        )  # fmt: skip
        if result.passed:
            summary.indexes_created = list(indexes)
            summary = runs.summarize(db, summary)
            with timer.step("clear staging"):
                clear_staging(db)
    except Exception as exc:
        runs.finish_run(db, run_id, "failed", {"error": str(exc), **summary.to_dict()})
        raise
    return conclusion.conclude(db, summary, params, timer, result, facts, report_dir)
