"""Prefect flow `review`: a reviewers' checked decisions applied as a run of kind `review`.

The backfill's body (`flows.backfill.stage_audit_publish`) over every legacy message, with the
rules of the latest backfill, the batch's decisions and labels loaded into staging once the
messages are staged: the decisions replace the rules' outcomes, the gate audits the result,
the publish stores them with the state they replace (a rollback of the run puts it back).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from prefect import flow

from flows.backfill import locked_run, log_notes
from v2_backfill import runs, session
from v2_backfill.config import BackfillConfig
from v2_backfill.review_queue.apply import ReviewBatch
from v2_backfill.review_queue.status import load_batch


@flow(name="review", validate_parameters=False)
def review(config: BackfillConfig, run_id: str, batch: ReviewBatch) -> dict[str, Any]:
    """Apply `batch` through write - audit - publish; returns the run's summary (raises
    DataQualityError when the gate fails: nothing is published)."""
    summary = runs.RunSummary(run_id=run_id, database=config.target.describe(), kind="review")
    opening = partial(session.opened, config, writes=True)
    with session.claimed(run_id, opening) as run:
        log_notes(run)
        summary.started_at, summary.notes = run.timer.started_at, run.report.notes
        params = {**config.run_params(), **batch.summary()}
        outcome = locked_run(
            run.db, config, run_id, run.report, summary, run.timer,
            params=params, staged=partial(load_batch, batch=batch),
        )  # fmt: skip
    return {**outcome, "review": batch.summary()}
