"""The data-quality gate: the native rows' snapshot, and the GX checkpoint that audits a result.

`snapshot_native` records what must not change (the native V2 rows' hashes); the legacy
tables are judged through the run's staged snapshot of them, and the pipeline's own writes to
them are recorded by the adapter as they happen (`v2_backfill.legacy_writes`).
`audit` runs the suites of `expectations/` through one Great Expectations checkpoint on the
database itself (SQL pushdown: every check is a query or a column expectation compiled to
SQL; no table is loaded into pandas) and returns each check's verdict with failing examples;
it also writes GX's Data Docs. GX is imported only here, and only when a gate runs.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.machinery
import importlib.util
import io
import logging
import os
import sys
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import expectations
from expectations import Mode
from v2_backfill.config import BOOKKEEPING_SCHEMA, Tolerances
from v2_backfill.db import Database
from v2_backfill.db.fragments import Fragment
from v2_backfill.db.row_hashes import NATIVE_COLUMNS, native_rows_sql
from v2_backfill.quality import EXAMPLES
from v2_backfill.scope import stored_cursors

log = logging.getLogger("v2_backfill")


@dataclass
class CheckResult:
    """One check's verdict."""

    name: str
    suite: str
    description: str
    severity: str
    success: bool
    unexpected_count: int
    examples: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None


@dataclass
class GateResult:
    """Every check's verdict; the gate passes when no critical check failed."""

    checks: list[CheckResult]
    data_docs: Path | None = None

    @property
    def failed(self) -> list[str]:
        """Names of the failed critical checks."""
        return [c.name for c in self.checks if not c.success and c.severity == "critical"]

    @property
    def warnings(self) -> list[str]:
        """Names of the failed warning-level checks."""
        return [c.name for c in self.checks if not c.success and c.severity != "critical"]

    @property
    def passed(self) -> bool:
        """True when no critical check failed."""
        return not self.failed

    def checks_as_dicts(self) -> list[dict[str, Any]]:
        """The checks as JSON-ready dicts (the report's `checks`)."""
        return [asdict(c) for c in self.checks]


# -- snapshots ---------------------------------------------------------------------------------
def snapshot_native(db: Database, run_id: str, *, slice_only: bool = False) -> None:
    """Record the native V2 rows (those the pipeline did not write) with a hash of the columns
    it must never change, for the audit that follows: all of them (replacing the last record),
    or with `slice_only` those of the staged conversations (refreshing theirs)."""
    fills = {"native_rows": native_rows_sql(db.row_md5_sql, slice_only=slice_only)}
    with db.begin() as conn:
        if slice_only:
            db.run(conn, "forget_native_rows", fills=fills)
        else:
            db.empty(conn, ["native_rows"])
        db.run(conn, "snapshot_native", {"run_id": run_id}, fills)


VALIDATE_LOOKBACK_MS = 5 * 60_000
"""How far before the last published snapshot's newest legacy change `validate` leaves legacy
messages to the next sync (the sync's default lookback: rows committed late with an older
updatedAt)."""


def recent_legacy(db: Database) -> str:
    """The condition, over legacy message `m`, of one the app wrote after the last published
    run's snapshot (less `VALIDATE_LOOKBACK_MS`): `validate` judges the published state
    against legacy as of that snapshot, and leaves those to the next sync."""
    cursor = stored_cursors(db).get("messages")
    if cursor is None:
        return "1 = 0"
    updated = db.timestamp_sql('m."updatedAt"')
    return f"{updated} > {db.timestamp_literal(cursor.updated_ms - VALIDATE_LOOKBACK_MS)}"


AUDIT_TABLES = tuple(f"audit_{name}" for name in expectations.SLICE_RELATIONS)
"""The bookkeeping tables holding a sync's materialized slice."""


def materialize_slice(db: Database) -> None:
    """Fill the `audit_*` tables a sync's checks read with its slice, in one transaction
    (emptied first; their planner statistics refreshed after)."""
    with db.begin() as conn:
        db.empty(conn, AUDIT_TABLES)
        db.run(conn, "audit_slice", fills=expectations.slice_relations())
        db.refresh_statistics(conn, [f"{BOOKKEEPING_SCHEMA}.{table}" for table in AUDIT_TABLES])


# -- the checkpoint ----------------------------------------------------------------------------
def audit(
    db: Database,
    mode: Mode,
    *,
    run_id: str,
    tolerances: Tolerances,
    docs_dir: Path | None = None,
) -> GateResult:
    """Run every suite that applies to `mode` through one GX checkpoint on the database (in
    mode `sync`, after materializing the slice)."""
    if mode == "sync":
        materialize_slice(db)
    params = check_params(db, mode, run_id=run_id, tolerances=tolerances)
    # GX prints a notice to stdout for queries without its {batch} placeholder; our queries
    # span several tables by design, and stdout belongs to the CLI's summary.
    with contextlib.redirect_stdout(io.StringIO()):
        return _run_checkpoint(db, mode, params, docs_dir)


def check_params(
    db: Database, mode: Mode, *, run_id: str, tolerances: Tolerances
) -> dict[str, Any]:
    """What fills the check queries' placeholders besides the relations
    (`expectations.render`), for a run `run_id` in `mode` on `db`."""
    return {
        "run_id": db.literal(run_id),
        "native_message_hash": db.row_md5_sql("t", NATIVE_COLUMNS["messages_v2"]),
        "native_conversation_hash": db.row_md5_sql("t", NATIVE_COLUMNS["property_conversations"]),
        "recent": recent_legacy(db) if mode == "validate" else "1 = 0",
        "quarantine_warn_share": repr(float(tolerances.quarantine_warn_share)),
        "quarantine_fail_share": repr(float(tolerances.quarantine_fail_share)),
        "datetime_problem": Fragment(
            lambda cell: db.datetime_problem_sql(cell, staged=mode != "validate")
        ),
        "strict_instant": db.fills["legacy_instant"],
        "instant": db.fills["instant"],
        "min_estimated_precision": repr(float(tolerances.min_estimated_precision)),
    }


def _run_checkpoint(
    db: Database, mode: Mode, params: dict[str, Any], docs_dir: Path | None
) -> GateResult:
    gx, expect_no_rows = import_gx()
    context = gx.get_context(mode="ephemeral")
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = db.gx_datasource(context)
    suites = _suites(gx, expect_no_rows, db.dialect, mode, params)
    definitions = []
    for suite_name, suite in suites.items():
        table, schema = _asset_table(suite_name, mode)
        asset = source.add_table_asset(suite_name, table_name=table, schema_name=schema)
        batch = asset.add_batch_definition_whole_table("all rows")
        definition = gx.ValidationDefinition(
            name=suite_name, data=batch, suite=context.suites.add(suite)
        )
        definitions.append(context.validation_definitions.add(definition))
    if docs_dir is not None:
        context.add_data_docs_site(
            site_name="report",
            site_config={
                "class_name": "SiteBuilder",
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(docs_dir.resolve()),
                },
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            },
        )
    checkpoint = context.checkpoints.add(
        gx.Checkpoint(
            name=f"v2_backfill_{mode}",
            validation_definitions=definitions,
            result_format={"result_format": "COMPLETE", "partial_unexpected_count": EXAMPLES},
        )
    )
    outcome = checkpoint.run()
    if docs_dir is not None:  # once for every suite, not once per suite as GX's action does
        from great_expectations.data_context.types.resource_identifiers import (
            ExpectationSuiteIdentifier,
        )

        suite_ids = [ExpectationSuiteIdentifier(name=name) for name in suites]
        context.build_data_docs(
            site_names=["report"], resource_identifiers=[*outcome.run_results, *suite_ids]
        )
    checks = [
        _check_result(suite_name, result)
        for suite_name, run_result in zip(suites, outcome.run_results.values(), strict=True)
        for result in run_result.to_json_dict()["results"]
    ]
    index = docs_dir / "index.html" if docs_dir is not None else None
    return GateResult(checks, index if index is not None and index.exists() else None)


LOADED_ON_USE = frozenset({"scipy.stats", "altair"})
"""What importing GX imports for expectations the gate has none of (the KL divergence's
statistics and charts, the KS tests): half of GX's import time. `import_gx` lets each load
on first use instead (`importlib.util.LazyLoader`), which a gate run never comes to."""


class _LoadedOnUse(importlib.abc.MetaPathFinder):
    """On `sys.meta_path` for a block: the modules `names` are imported lazily."""

    def __init__(self, names: frozenset[str]) -> None:
        self.names = names

    def find_spec(self, name: str, path: object = None, target: object = None) -> Any:
        """The module's own spec with a lazy loader; None (the usual finders) for others."""
        if name not in self.names:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is not None and spec.loader is not None:
            spec.loader = importlib.util.LazyLoader(spec.loader)
        return spec

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        """First on `sys.meta_path` for the block."""
        sys.meta_path.insert(0, self)
        try:
            yield
        finally:
            sys.meta_path.remove(self)


def import_gx() -> tuple[Any, Any]:
    """GX itself (what it imports only for expectations the gate lacks loaded on first use:
    `LOADED_ON_USE`), and our expectation class (`v2_backfill.quality.gx_checks`)."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    with _LoadedOnUse(LOADED_ON_USE).installed():
        import great_expectations as gx

    from v2_backfill.quality import gx_checks

    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    return gx, gx_checks.ExpectNoUnexpectedRows


def _asset_table(suite_name: str, mode: Mode) -> tuple[str, str | None]:
    """The table whose rows a suite's column expectations check."""
    if suite_name == "legacy_reconciliation":
        return "messages", None
    if mode != "validate":
        staged = {"v2_messages": "stage_v2_messages", "v2_conversations": "stage_conversations"}
        return staged[suite_name], BOOKKEEPING_SCHEMA
    return {"v2_messages": "messages_v2", "v2_conversations": "property_conversations"}[
        suite_name
    ], None


def _suites(
    gx: Any, expect_no_rows: Any, dialect: str, mode: Mode, params: dict[str, Any]
) -> dict[str, Any]:
    suites = {name: gx.ExpectationSuite(name=name) for name in expectations.SUITES}
    for check in expectations.load_checks():
        if not check.applies(mode, dialect):
            continue
        for name, severity, description, query in expectations.render(check, mode, params):
            suites[check.suite].add_expectation(
                expect_no_rows(
                    unexpected_rows_query=query,
                    description=description,
                    meta={"check": name, "severity": severity},
                )
            )
    for suite_name, columns in expectations.REQUIRED_COLUMNS.items():
        for column in columns:
            suites[suite_name].add_expectation(
                gx.expectations.ExpectColumnValuesToNotBeNull(
                    column=column,
                    description=f"{column} is never null.",
                    meta={"check": _column_check(suite_name, column, "not_null"),
                          "severity": "critical"},
                )
            )  # fmt: skip
    return suites


def _error(info: dict[str, Any]) -> str | None:
    """The first error message in GX's exception_info (flat, or keyed by metric)."""
    entries = [info] if "raised_exception" in info else list(info.values())
    for entry in entries:
        if isinstance(entry, dict) and entry.get("raised_exception"):
            return str(entry.get("exception_message") or "the check's query failed")
    return None


def _column_check(suite_name: str, column: str, rule: str) -> str:
    """A column expectation's check name, e.g. `messages_v2.senderType_in_domain`."""
    table = _asset_table(suite_name, "validate")[0]
    return f"{table}.{column}_{rule}"


def _check_result(suite_name: str, result: dict[str, Any]) -> CheckResult:
    config = result["expectation_config"]
    meta = config.get("meta") or {}
    outcome = result.get("result") or {}
    error = _error(result.get("exception_info") or {})
    if "unexpected_count" in outcome:  # a column expectation
        count = int(outcome["unexpected_count"] or 0)
        examples = [{"value": v} for v in (outcome.get("partial_unexpected_list") or [])]
    else:
        count = int(outcome.get("observed_value") or 0)
        examples = list((outcome.get("details") or {}).get("unexpected_rows") or [])
    return CheckResult(
        name=meta.get("check", config["type"]),
        suite=suite_name,
        description=config.get("description") or "",
        severity=meta.get("severity", "critical"),
        success=bool(result["success"]) and error is None,
        unexpected_count=count,
        examples=examples[:EXAMPLES],
        error=error,
    )
