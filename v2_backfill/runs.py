"""Run records: ids, the summary a run prints, step timing, failpoints, the `runs` rows."""

from __future__ import annotations

import json
import os
import signal
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from v2_backfill.db import Database, utc_now_ms


@dataclass
class RunSummary:
    """What a backfill run did; printed as text or JSON (stable keys)."""

    run_id: str
    database: str
    kind: str = "backfill"
    v2_tables_created: bool = False
    indexes_created: list[str] = field(default_factory=list)
    """The Prisma indexes the run created on existing V2 tables (`--create-missing-indexes`)."""
    legacy_messages: int = 0
    messages_copied: int = 0
    messages_already_migrated: int = 0
    messages_updated: int = 0
    conversations_created: int = 0
    conversations_reused: int = 0
    replacements_found: int = 0
    replacements_applied: int = 0
    attribution_by_rule: dict[str, int] = field(default_factory=dict)
    quarantined_by_reason: dict[str, int] = field(default_factory=dict)
    changes_after_snapshot: dict[str, int] = field(default_factory=dict)
    """Legacy messages the app wrote after the run's snapshot (new, changed, deleted), left to
    the next sync."""
    notes: list[str] = field(default_factory=list)
    gate_passed: bool = False
    checks_failed: list[str] = field(default_factory=list)
    checks_warned: list[str] = field(default_factory=list)
    report: str = ""
    started_at: str = ""
    finished_at: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The summary as plain JSON-ready values."""
        return asdict(self)


class StepTimer:
    """Wall-clock seconds per named step, for the report, and when the run started."""

    def __init__(self, started_at: str | None = None) -> None:
        """Start timing now; with `started_at` (ISO 8601, when the run's command started,
        before Prefect's start-up), date the run from then and time the wait as `start-up`."""
        self.seconds: dict[str, float] = {}
        self.started_at = started_at or utc_now_iso()
        if started_at is not None:
            waited = datetime.now(UTC) - datetime.fromisoformat(started_at)
            self.seconds["start-up"] = round(waited.total_seconds(), 3)

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        """Time the block as step `name` (added up when a name repeats)."""
        start = time.perf_counter()
        try:
            yield
        finally:
            elapsed = time.perf_counter() - start
            self.seconds[name] = round(self.seconds.get(name, 0.0) + elapsed, 3)
        failpoint(f"after-{name}")


FAILPOINT_ENV = "V2_BACKFILL_FAILPOINT"


def failpoint(name: str) -> None:
    """For crash-safety and concurrency tests: act at the point `$V2_BACKFILL_FAILPOINT` names.

    Points: `after-<step>` for every timed step, `publish-uncommitted` inside the
    publishing transaction, after every row is written, before the commit, and
    `rules-process` in the text rules' child process, before each chunk. `<point>` SIGKILLs
    this process there; `<point>:sleep=<seconds>` holds it there that long (the run lock
    held). Unset, as in production, this does nothing.
    """
    point, _, action = os.environ.get(FAILPOINT_ENV, "").partition(":")
    if point != name:
        return
    if action.startswith("sleep="):
        time.sleep(float(action.removeprefix("sleep=")))
        return
    os.kill(os.getpid(), signal.SIGKILL)


def utc_now_iso() -> str:
    """The current UTC time, ISO 8601 with milliseconds."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def new_run_id() -> str:
    """A sortable, unique run id: UTC time plus a random suffix."""
    return f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"


def start_run(db: Database, run_id: str, kind: str, params: dict[str, Any]) -> None:
    """Create the bookkeeping store if needed and record the run as running."""
    with db.begin() as conn:
        db.ensure_bookkeeping(conn)
        _record(db, conn, "start_run", run_id, kind=kind, params=params)


def finish_run(db: Database, run_id: str, status: str, summary: dict[str, Any]) -> None:
    """Record how the run ended, with its summary."""
    with db.begin() as conn:
        _record(db, conn, "finish_run", run_id, status=status, summary=summary)


def _record(db: Database, conn: sa.Connection, statement: str, run_id: str, **binds: Any) -> None:
    """Run `statement` on the run's `runs` row at the current time (dict binds as JSON text)."""
    encoded = {
        key: _json(value) if isinstance(value, dict) else value for key, value in binds.items()
    }
    db.run(conn, statement, {"run_id": run_id, "now": db.from_ms(utc_now_ms()), **encoded})


def _json(value: dict[str, Any]) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def summarize(db: Database, summary: RunSummary) -> RunSummary:
    """Fill the run's figures from staging and bookkeeping."""
    with db.connect() as conn:
        counts = db.query(conn, "run_counts", {"run_id": summary.run_id})[0]
        summary.legacy_messages = counts.legacy_messages
        summary.messages_copied = counts.messages_copied
        summary.messages_already_migrated = counts.already_migrated
        summary.messages_updated = counts.messages_updated
        summary.conversations_created = counts.conversations_created
        summary.conversations_reused = counts.conversations_receiving - counts.conversations_created
        summary.replacements_found = counts.replacements_found
        summary.replacements_applied = counts.replacements_applied
        summary.attribution_by_rule = {r.rule: r.messages for r in db.query(conn, "run_rules")}
        summary.quarantined_by_reason = {
            r.reason: r.messages for r in db.query(conn, "run_reasons")
        }
    return summary


def report_run_info(
    summary: RunSummary,
    kind: str,
    status: str,
    params: dict[str, Any],
    timer: StepTimer,
    rollback_command: str | None = None,
) -> dict[str, Any]:
    """The report's `run` section (run id, database, times and preflight notes taken from
    `summary`; `rollback_command`: how to undo the run, None when it published nothing)."""
    started = datetime.fromisoformat(summary.started_at)
    finished = datetime.fromisoformat(summary.finished_at)
    return {
        "run_id": summary.run_id,
        "kind": kind,
        "database": summary.database,
        "status": status,
        "started_at": summary.started_at,
        "finished_at": summary.finished_at,
        "duration_seconds": round((finished - started).total_seconds(), 3),
        "parameters": params,
        "step_seconds": dict(timer.seconds),
        "notes": list(summary.notes),
        "rollback_command": rollback_command,
    }
