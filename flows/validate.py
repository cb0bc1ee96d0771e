"""Prefect flow `validate`: the data-quality gate on the published state alone, with a report.

Orchestration only, like `flows.backfill`: the audit is `v2_backfill.quality.gate`, the
conclusion (report, record, verdict) that of every gated run, `flows.conclusion.conclude`.
The run's database and preflight are its `v2_backfill.session` (no run lock: validate writes
only its own run's records).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from prefect import flow

from flows import conclusion
from flows.backfill import log_notes
from v2_backfill import runs, session
from v2_backfill.config import BackfillConfig

_OUTCOME_KEYS = ("run_id", "kind", "database", "gate_passed", "checks_failed", "checks_warned",
                 "figures", "changes_after_snapshot", "report")  # fmt: skip


@dataclass
class ValidationSummary(runs.RunSummary):
    """What a validation found: the gate's verdict and the published state's figures."""

    kind: str = "validate"
    figures: dict[str, int] = field(default_factory=dict)
    """The published state's counts (messages migrated, quarantined, ...)."""

    def to_dict(self) -> dict[str, Any]:
        """The outcome as printed and recorded (no backfill figures: validate moves nothing)."""
        return {key: value for key, value in asdict(self).items() if key in _OUTCOME_KEYS}


@flow(name="validate", validate_parameters=False)
def validate(config: BackfillConfig, run_id: str | None = None) -> dict[str, Any]:
    """Run the suites against the current V2 state and write the report; raise
    DataQualityError carrying the outcome (the flow run ends Failed) when a critical check
    fails."""
    run_id = run_id or runs.new_run_id()
    report_dir = config.report_dir or Path("reports") / run_id
    summary = ValidationSummary(run_id=run_id, database=config.target.describe())
    unpublished = session.no_backfill_yet(config.target, "validate")
    with session.claimed(run_id, partial(session.opened, config, unpublished=unpublished)) as run:
        log_notes(run)
        summary.started_at = run.timer.started_at
        runs.start_run(run.db, run_id, "validate", config.run_params())
        with run.timer.step("audit"):
            result, facts = conclusion.audit(
                run.db, "validate", run_id, config.tolerances, report_dir
            )
        summary.figures = facts["figures"]
        return conclusion.conclude(
            run.db, summary, config.run_params(), run.timer, result, facts, report_dir,
            publishes=False,
        )  # fmt: skip
