"""Prefect flow `incremental_sync`: keeps V2 current while the old app keeps running.

Orchestration only: the steps are those of `v2_backfill.backfill` over the slice that
`v2_backfill.sync` chooses. The flow takes plain parameters, so that a deployment
(`v2-backfill serve`, or `prefect.yaml` for a work pool) runs it on a schedule; the database
comes from `db` or, where that is left out, from the worker's $DATABASE_URL (which keeps a
password out of the deployment's parameters). Prefect stores `db` with the flow run: it
carries no password (the CLI passes it without; the connection takes the password from the
URL the process parsed, $DATABASE_URL, or libpq's $PGPASSWORD / ~/.pgpass).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow

from flows import conclusion
from flows.backfill import preflight, stage_audit_publish
from v2_backfill import runs, scope, sync
from v2_backfill.config import DEFAULT_LOCK_TIMEOUT, BackfillConfig
from v2_backfill.db import Database, open_database
from v2_backfill.lock import run_lock


@flow(name="incremental_sync")
def incremental_sync(
    db: str | None = None,
    lookback: str = sync.DEFAULT_LOOKBACK,
    reconcile: bool = False,
    propagate_deletes: bool = False,
    replace: bool = False,
    report_dir: str | None = None,
    quarantine_warn: str = "5%",
    quarantine_fail: str = "25%",
    allow_extra_indexes: bool = False,
    chunk_size: int = 5000,
    lock_timeout: str = DEFAULT_LOCK_TIMEOUT,
    started_at: str | None = None,
) -> dict[str, Any]:
    """Bring V2 up to date with the legacy changes since the last successful run: the same
    split rules as the backfill (its thread window and fallback), read state that only ever
    moves to read, legacy edits carried over, re-placements reported (applied with `replace`),
    the slice audited by the gate, and the cursors advanced in the publishing transaction.
    With `reconcile`, every legacy message is re-examined and hard deletes are reported
    (removed from V2 with `propagate_deletes`). Returns the summary; raises DataQualityError
    (the flow run ends Failed) when the gate fails, UsageError before any backfill.
    `started_at`: when the run's command started (see `runs.StepTimer`)."""
    request = sync.SyncRequest(
        db=db, lookback=lookback, reconcile=reconcile, propagate_deletes=propagate_deletes,
        replace=replace, report_dir=report_dir, quarantine_warn=quarantine_warn,
        quarantine_fail=quarantine_fail, allow_extra_indexes=allow_extra_indexes,
        chunk_size=chunk_size, lock_timeout=lock_timeout,
    )  # fmt: skip
    target, options = request.resolve()
    run_id = runs.new_run_id()
    summary = sync.SyncSummary(run_id=run_id, database=target.describe())
    timer = runs.StepTimer(started_at)
    summary.started_at = timer.started_at
    checker = open_database(target, bookkeeping=False)
    try:
        with timer.step("preflight"):
            report = preflight(checker, allow_extra_indexes)
        if report.create_v2_tables or not checker.has_bookkeeping():
            raise sync.no_backfill(target)
        summary.notes = report.notes
    finally:
        checker.dispose()
    database = open_database(target)
    try:
        with run_lock(database):
            cursors = sync.require_backfill(database)
            config = request.config(target, sync.backfill_rules(database))
            return _locked_sync(database, config, options, cursors, summary, timer)
    finally:
        database.dispose()


def _locked_sync(
    db: Database,
    config: BackfillConfig,
    options: sync.SyncOptions,
    cursors: dict[str, scope.Cursor],
    summary: sync.SyncSummary,
    timer: runs.StepTimer,
) -> dict[str, Any]:
    """The sync proper, under the database's run lock."""
    run_id = summary.run_id
    report_dir = config.report_dir or Path("reports") / run_id
    params = {**config.run_params(), **options.run_params()}
    runs.start_run(db, run_id, "sync", params)
    try:
        scope = options.scope(cursors)
        result, facts = stage_audit_publish(db, config, run_id, scope, report_dir, timer)
        if result.passed:
            summary = sync.summarize(db, summary, options, cursors)
    except Exception as exc:
        runs.finish_run(db, run_id, "failed", {"error": str(exc), **summary.to_dict()})
        raise
    return conclusion.conclude(db, summary, params, timer, result, facts, report_dir)
