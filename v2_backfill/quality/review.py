"""What a reviewer reads about a run: figures, splits and quarantine, assembled into the report.

`gather` reads the facts of a state (mode `backfill`: the staged result as it would be published;
mode `validate`: the published state) with the same relations the gate's checks use, so the
report's figures and the checks describe the same rows. `build_report` assembles the
dictionary written as `summary.json` (keys documented in the README).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

import expectations
from expectations import Mode
from v2_backfill.db import Database
from v2_backfill.quality.gate import GateResult, recent_legacy
from v2_backfill.review_queue.precision import estimated_precision
from v2_backfill.review_queue.status import review_status

REPORT_VERSION = 1
QUARANTINE_SHOWN = 500
"""Quarantined messages listed in the report (all are counted)."""
SPLITS_SHOWN = 200
"""Shared legacy conversations whose split is listed in the report (all are counted)."""
DELETES_SHOWN = 200
"""Legacy deletes of placed messages listed by a validation (all are counted)."""


def gather(db: Database, mode: Mode) -> dict[str, Any]:
    """The report's facts about the state `mode` describes."""
    recent = recent_legacy(db) if mode == "validate" else "1 = 0"
    fills = expectations.relations(mode, recent=recent)
    with db.connect() as conn:
        figures = dict(_rows(db, conn, "report_figures", fills)[0]._mapping)
        if mode != "validate":
            figures |= dict(_rows(db, conn, "report_staged_figures", fills)[0]._mapping)
        quarantined = [
            {**row._mapping, "created_at": _iso(row.created_at)}
            for row in _rows(db, conn, "report_quarantined", fills, {"limit": QUARANTINE_SHOWN})
        ]
        splits = _splits(_rows(db, conn, "report_splits", fills, {"limit": SPLITS_SHOWN}))
        facts = {
            "figures": {key: int(value) for key, value in figures.items()},
            "attribution_by_rule": _counts(_rows(db, conn, "report_rules", fills)),
            "attribution_confidence": _confidence(_rows(db, conn, "report_rule_confidence", fills)),
            "quarantined_by_reason": _counts(_rows(db, conn, "report_reasons", fills)),
            "quarantined_messages": quarantined,
            "quarantined_messages_total": int(figures["messages_quarantined"]),
            "splits": splits,
            "splits_total": int(_rows(db, conn, "count_shared_conversations", fills)[0][0]),
        }
        if mode == "validate":
            deleted = _rows(db, conn, "report_deleted_in_legacy", {}, {"limit": DELETES_SHOWN})
            facts["deleted_in_legacy"] = [
                {key: value for key, value in row._mapping.items() if key != "total"}
                for row in deleted
            ]
            changes = _rows(db, conn, "report_changes_since_published", {"recent": recent})[0]
            facts["changes_after_snapshot"] = _changes(
                changes, deleted_messages=deleted[0].total if deleted else 0
            )
        labels = db.query(conn, "review_labels")
    facts["estimated_precision"] = estimated_precision((r.rule, r.label) for r in labels)
    facts["review"] = review_status(db)
    return facts


def changes_after_snapshot(db: Database) -> dict[str, int]:
    """How many legacy messages the app wrote (new, changed, deleted) after the staged
    snapshot a backfill or sync judged, read from the live tables (a validation's, after the
    last published run's snapshot, are among its facts: `gather`)."""
    with db.connect() as conn:
        return _changes(_rows(db, conn, "report_changes_after_snapshot", {})[0])


def _changes(row: sa.Row, deleted_messages: int | None = None) -> dict[str, int]:
    """The counts of `row`; a validation's `deleted_messages` (counted with their listing)
    before its `edited_in_v2`."""
    counts = {key: int(value or 0) for key, value in row._mapping.items()}
    if deleted_messages is None:
        return counts
    edited = counts.pop("edited_in_v2")
    return counts | {"deleted_messages": int(deleted_messages), "edited_in_v2": edited}


def build_report(
    run: dict[str, Any], gate: GateResult, facts: dict[str, Any], data_docs: str | None
) -> dict[str, Any]:
    """The run's report: `run` (id, kind, database, status, times, parameters, step
    timings), the gate's verdict and checks, the facts, and the Data Docs' relative path."""
    return {
        "report_version": REPORT_VERSION,
        "run": run,
        "gate": {"passed": gate.passed, "failed": gate.failed, "warnings": gate.warnings},
        **facts,
        "checks": gate.checks_as_dicts(),
        "data_docs": data_docs,
    }


def _rows(
    db: Database,
    conn: sa.Connection,
    name: str,
    fills: dict[str, str],
    params: dict[str, Any] | None = None,
) -> list[sa.Row]:
    """The rows of the query `name`, its placeholders (relations, expressions) filled."""
    (statement,) = db.statements(name, fills)
    return list(conn.execute(sa.text(statement), params or {}))


def _counts(rows: list[sa.Row]) -> dict[str, int]:
    return {row.name: int(row.messages) for row in rows}


def _confidence(rows: list[sa.Row]) -> dict[str, dict[str, Any]]:
    """Per text rule: its placements by confidence bucket and the lowest confidence."""
    rules: dict[str, dict[str, Any]] = {}
    for row in rows:
        rule = rules.setdefault(row.name, {"by_bucket": {}, "lowest": 1.0})
        rule["by_bucket"][row.bucket] = int(row.messages)
        rule["lowest"] = min(rule["lowest"], round(float(row.lowest), 3))
    return rules


def _splits(rows: list[sa.Row]) -> list[dict[str, Any]]:
    """Group (legacy conversation, property, messages) rows into one entry per conversation."""
    splits: dict[str, dict[str, Any]] = {}
    for row in rows:
        split = splits.setdefault(
            row.legacy_conversation_id,
            {"legacy_conversation_id": row.legacy_conversation_id, "messages": 0,
             "quarantined": 0, "properties": []},
        )  # fmt: skip
        split["messages"] += int(row.messages)
        if row.property_id is None:
            split["quarantined"] += int(row.messages)
        else:
            split["properties"].append(
                {"property_id": row.property_id, "address": row.address,
                 "conversation_id": row.conversation_id, "messages": int(row.messages)}
            )  # fmt: skip
    return list(splits.values())


def _iso(value: Any) -> str | None:
    """A legacy timestamp as ISO 8601 UTC, whichever way it is stored (a quarantined cell that
    is no date at all, as it is)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
    elif isinstance(value, int | float):
        try:
            moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=value)
        except OverflowError:
            return str(value)
    else:
        return str(value)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
