"""Prefect flow `incremental_sync`: keeps V2 current while the old app keeps running.

Orchestration only: the steps are those of `v2_backfill.backfill` over the slice that
`v2_backfill.sync` chooses. The flow has two entry points of that one name: `sync(config)`
takes the typed `SyncConfig` the CLI resolved once (and the run id of the session the CLI
prepared, see `v2_backfill.session`), and `incremental_sync(...)` takes plain parameters, so
that a deployment (`v2-backfill serve`, or `prefect.yaml` for a work pool) runs it on a
schedule; there the database comes from `db` or, where that is left out, from the worker's
$DATABASE_URL (which keeps a password out of the deployment's parameters). Prefect stores
the parameters with the flow run: neither carries a password (a `SyncConfig`'s target has
none; the connection takes it from the URL the process parsed, $DATABASE_URL, or libpq's
$PGPASSWORD / ~/.pgpass).
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from prefect import flow

from flows import conclusion
from flows.backfill import log_notes, stage_audit_publish
from v2_backfill import runs, scope, session, sync
from v2_backfill.config import DEFAULT_LOCK_TIMEOUT, BackfillConfig
from v2_backfill.db import Database


@flow(name="incremental_sync", validate_parameters=False)
def run_sync(config: sync.SyncConfig, run_id: str | None = None) -> dict[str, Any]:
    """Bring V2 up to date with the legacy changes since the last successful run: the same
    split rules as the backfill (its thread window and fallback), read state that only ever
    moves to read, legacy edits carried over, re-placements reported (applied with
    `config.replace`), the slice audited by the gate, and the cursors advanced in the
    publishing transaction. Reconciling, every legacy message is re-examined and hard deletes
    are reported (removed from V2 with `propagate_deletes`). Returns the summary; raises
    DataQualityError (the flow run ends Failed) when the gate fails, UsageError before any
    backfill."""
    return _sync(config, run_id or runs.new_run_id(), None)


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
    """`run_sync` for a deployment: its configuration from plain parameters, spelled as on
    the command line (see `SyncConfig.from_parameters`). `started_at`: when the run's command
    started (see `runs.StepTimer`)."""
    config = sync.SyncConfig.from_parameters(
        db=db, lookback=lookback, reconcile=reconcile, propagate_deletes=propagate_deletes,
        replace=replace, report_dir=report_dir, quarantine_warn=quarantine_warn,
        quarantine_fail=quarantine_fail, allow_extra_indexes=allow_extra_indexes,
        chunk_size=chunk_size, lock_timeout=lock_timeout,
    )  # fmt: skip
    return _sync(config, runs.new_run_id(), started_at)


def _sync(config: sync.SyncConfig, run_id: str, started_at: str | None) -> dict[str, Any]:
    """Either flow's body: the run's session (the one prepared for `run_id`, else its own),
    then the sync under its run lock."""
    summary = sync.SyncSummary(run_id=run_id, database=config.target.describe())
    unpublished = sync.no_backfill(config.target)
    opening = partial(
        session.opened, config, writes=True, unpublished=unpublished, started_at=started_at
    )
    with session.claimed(run_id, opening) as run:
        log_notes(run)
        summary.started_at, summary.notes = run.timer.started_at, run.report.notes
        cursors = sync.require_backfill(run.db)
        backfill_config = config.run_config(sync.backfill_rules(run.db))
        return _locked_sync(run.db, backfill_config, config.options, cursors, summary, run.timer)


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
