"""Prefect flow `validate`: the data-quality gate on the published state alone, with a report.

Orchestration only, like `flows.backfill`: the audit is `v2_backfill.quality.gate`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow

from flows import conclusion
from v2_backfill import runs
from v2_backfill.config import BackfillConfig
from v2_backfill.db import open_database
from v2_backfill.errors import DataQualityError


@flow(name="validate", validate_parameters=False)
def validate(config: BackfillConfig, run_id: str | None = None) -> dict[str, Any]:
    """Run the suites against the current V2 state and write the report; raise
    DataQualityError carrying the outcome (the flow run ends Failed) when a critical check
    fails."""
    run_id = run_id or runs.new_run_id()
    report_dir = config.report_dir or Path("reports") / run_id
    summary = runs.RunSummary(run_id=run_id, database=config.target.describe())
    summary.started_at = runs.utc_now_iso()
    timer = runs.StepTimer()
    db = open_database(config.target)
    try:
        runs.start_run(db, run_id, "validate", config.run_params())
        with timer.step("audit"):
            result, facts = conclusion.audit(db, "validate", run_id, config.tolerances, report_dir)
        summary.finished_at = runs.utc_now_iso()
        status = "succeeded" if result.passed else "failed"
        run = runs.report_run_info(summary, "validate", status, config.run_params(), timer)
        index = conclusion.write_report(run, result, facts, report_dir)
        outcome = {
            "run_id": run_id,
            "kind": "validate",
            "database": summary.database,
            "gate_passed": result.passed,
            "checks_failed": result.failed,
            "checks_warned": result.warnings,
            "figures": facts["figures"],
            "changes_after_snapshot": facts["changes_after_snapshot"],
            "report": str(index),
        }
        runs.finish_run(db, run_id, status, outcome)
        if not result.passed:
            raise DataQualityError(
                f"validation failed ({', '.join(result.failed)}); report: {index}",
                summary=outcome,
            )
        return outcome
    finally:
        db.dispose()
