"""The conclusion every gated run shares: the data-quality gate and the reviewer report.

Orchestration only: the audit itself is `v2_backfill.quality.gate`, the facts
`v2_backfill.quality.review`, the renderings `v2_backfill.quality.report`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NONE

from expectations import Mode
from v2_backfill import rollback, runs
from v2_backfill.config import Tolerances
from v2_backfill.db import Database
from v2_backfill.errors import DataQualityError
from v2_backfill.quality import gate, report, review

DATA_DOCS = "gx"
"""The GX Data Docs' folder inside a report folder."""


@task(name="audit", cache_policy=NONE)
def audit(
    db: Database, mode: Mode, run_id: str, tolerances: Tolerances, report_dir: Path
) -> tuple[gate.GateResult, dict[str, Any]]:
    """Run the GX suites on the state `mode` describes; gather the report's facts."""
    result = gate.audit(
        db, mode, run_id=run_id, tolerances=tolerances, docs_dir=report_dir / DATA_DOCS
    )
    logger = get_run_logger()
    for check in result.checks:
        if not check.success:
            logger.warning(
                "check %s (%s) failed: %d unexpected%s", check.name, check.severity,
                check.unexpected_count, f"; {check.error}" if check.error else "",
            )  # fmt: skip
    logger.info(
        "gate %s: %d checks, %d failed, %d warnings",
        "passed" if result.passed else "FAILED", len(result.checks), len(result.failed),
        len(result.warnings),
    )  # fmt: skip
    return result, review.gather(db, mode)


@task(name="changes-after-snapshot", cache_policy=NONE)
def changes_after_snapshot(db: Database) -> dict[str, int]:
    """Count what the app wrote to legacy after the run's snapshot (the next sync's)."""
    changes = review.changes_after_snapshot(db)
    get_run_logger().info(
        "after the snapshot the app wrote %d new legacy messages, changed %d, deleted %d: "
        "left to the next sync", changes["new_messages"], changes["changed_messages"],
        changes["deleted_messages"],
    )  # fmt: skip
    return changes


@task(name="write-report", cache_policy=NONE)
def write_report(
    run: dict[str, Any], result: gate.GateResult, facts: dict[str, Any], report_dir: Path
) -> Path:
    """Write summary.json and index.html, and publish the summary as Prefect artifacts."""
    docs = f"{DATA_DOCS}/index.html" if result.data_docs is not None else None
    content = review.build_report(run, result, facts, docs)
    index = report.write_report(content, report_dir)
    key = f"{run['kind']}-report"
    create_markdown_artifact(
        markdown=report.render_markdown(content),
        key=key,
        description=f"v2-backfill {run['kind']} {run['run_id']}",
    )
    create_table_artifact(table=report.checks_table(content), key=f"{key}-checks",
                          description="data-quality checks")  # fmt: skip
    get_run_logger().info("report written: %s", index)
    return index


def conclude(
    db: Database,
    summary: runs.RunSummary,
    params: dict[str, Any],
    timer: runs.StepTimer,
    result: gate.GateResult,
    facts: dict[str, Any],
    report_dir: Path,
) -> dict[str, Any]:
    """End a run that was audited (published or not): write its report, record how it ended
    with its summary, and raise DataQualityError carrying that summary (the flow run ends
    Failed) when the gate failed. Returns the summary."""
    summary.finished_at = runs.utc_now_iso()
    status = "succeeded" if result.passed else "failed"
    undo = rollback.rollback_command(db.target, summary.run_id) if result.passed else None
    run = runs.report_run_info(summary, summary.kind, status, params, timer, undo)
    index = write_report(run, result, facts, report_dir)
    summary.changes_after_snapshot = facts["changes_after_snapshot"]
    summary.gate_passed = result.passed
    summary.checks_failed = result.failed
    summary.checks_warned = result.warnings
    summary.report = str(index)
    outcome = summary.to_dict()
    runs.finish_run(db, summary.run_id, status, outcome)
    if not result.passed:
        raise DataQualityError(
            f"the data-quality gate failed ({', '.join(result.failed)}); nothing was "
            f"published; report: {index}",
            summary=outcome,
        )
    return outcome
