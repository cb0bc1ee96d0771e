"""Prefect flow `backfill`: legacy messaging -> V2, one property conversation per property.

Orchestration only: every task calls one step of `v2_backfill.backfill` and logs its result.
"""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NONE

from v2_backfill import backfill as steps
from v2_backfill.config import BackfillConfig
from v2_backfill.database import Database, open_database
from v2_backfill.preflight import PreflightReport


@task(name="preflight", cache_policy=NONE)
def preflight(db: Database) -> PreflightReport:
    """Check legacy tables and any existing V2 tables; raise naming every problem."""
    report = steps.preflight(db)
    for note in report.notes:
        get_run_logger().info("note: %s", note)
    return report


@task(name="create-v2-tables", cache_policy=NONE)
def create_v2_tables(db: Database, report: PreflightReport) -> bool:
    """Create the V2 tables exactly as Prisma would, when none exists."""
    return steps.create_v2_tables(db, report)


@task(name="stage-messages", cache_policy=NONE)
def stage_messages(db: Database) -> int:
    """Stage every legacy message with the set-based rules applied."""
    staged = steps.stage_messages(db)
    get_run_logger().info("staged %d legacy messages", staged)
    return staged


@task(name="attribute-shared-messages", cache_policy=NONE)
def attribute_shared_messages(db: Database, config: BackfillConfig) -> int:
    """Apply the text rules to shared conversations' messages, streamed in chunks."""
    logger = get_run_logger()

    def progress(done: int, total: int) -> None:
        logger.info("text rules: %d/%d shared messages (%.0f%%)", done, total, 100 * done / total)

    return steps.attribute_shared_messages(db, config, progress)


@task(name="publish", cache_policy=NONE)
def publish(db: Database, run_id: str) -> None:
    """Write conversations, messages, lineage, quarantine and counts in one transaction."""
    steps.publish(db, run_id)


@flow(name="backfill", validate_parameters=False)
def backfill(config: BackfillConfig, run_id: str | None = None) -> dict[str, Any]:
    """Backfill the V2 messaging tables from the legacy ones; returns the run summary."""
    run_id = run_id or steps.new_run_id()
    summary = steps.RunSummary(run_id=run_id, database=config.target.describe())
    summary.started_at = steps.utc_now_iso()
    checker = open_database(config.target, bookkeeping=False)
    try:
        report = preflight(checker)
        summary.notes = report.notes
        summary.v2_tables_created = create_v2_tables(checker, report)
    finally:
        checker.dispose()
    db = open_database(config.target)
    try:
        steps.start_run(db, run_id, "backfill", config.run_params())
        try:
            stage_messages(db)
            attribute_shared_messages(db, config)
            publish(db, run_id)
        except Exception as exc:
            steps.finish_run(db, run_id, "failed", {"error": str(exc), **summary.to_dict()})
            raise
        summary = steps.summarize(db, summary)
        summary.finished_at = steps.utc_now_iso()
        steps.finish_run(db, run_id, "succeeded", summary.to_dict())
        return summary.to_dict()
    finally:
        db.dispose()
