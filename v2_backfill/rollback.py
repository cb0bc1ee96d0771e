"""`v2-backfill rollback`: remove exactly what chosen backfill runs created, in one transaction.

The rows are found through the bookkeeping store only: a run's `messages_v2` rows are those
in its lineage, its conversations those in `created_conversations` (removed only when they
hold nothing else), plus its quarantine. Every conversation that loses messages gets its
unread counts and `lastMessageAt` recomputed (`sql/common/rollback.sql`). A dry run
computes the same figures with SELECTs (`rollback_counts.sql`) and writes nothing.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import sqlalchemy as sa

from v2_backfill import runs
from v2_backfill.config import DatabaseTarget
from v2_backfill.db import Database, open_database, utc_now_ms
from v2_backfill.errors import UsageError
from v2_backfill.lock import run_lock

LISTED_RUNS = 5
"""How many run ids an error's hint lists at most."""


def rollback_command(target: DatabaseTarget, run_id: str) -> str:
    """The command that rolls back run `run_id` of `target`, as a shell line: the database as
    `--db` takes it, without password (libpq's $PGPASSWORD or ~/.pgpass supplies it)."""
    if target.sqlite_path is not None:
        url = f"file:{target.sqlite_path}"
    else:
        url = target.sqlalchemy_url.replace("postgresql+psycopg://", "postgresql://", 1)
        url += f"?schema={target.app_schema}" if target.app_schema != "public" else ""
    return f"v2-backfill rollback --db {shlex.quote(url)} --run {shlex.quote(run_id)}"


@dataclass
class RollbackSummary:
    """What a rollback removed (a dry run: would remove); printed as text or JSON (stable keys)."""

    run_id: str | None
    """The rollback's own run id; None for a dry run, which records nothing."""
    database: str
    dry_run: bool
    runs_rolled_back: list[str] = field(default_factory=list)
    messages_removed: int = 0
    conversations_removed: int = 0
    conversations_recomputed: int = 0
    """Conversations that lose messages and stay (counts and lastMessageAt recomputed)."""
    quarantine_rows_removed: int = 0
    messages_moved_back: int = 0
    """Migrated messages a rolled-back review run had moved (an audit label `wrong` naming
    the right property), put back in their former property's conversation."""
    kind: str = "rollback"

    def to_dict(self) -> dict[str, Any]:
        """The summary as plain JSON-ready values."""
        return asdict(self)


def rollback(
    target: DatabaseTarget,
    run_id: str | None = None,
    *,
    all_runs: bool = False,
    dry_run: bool = False,
) -> RollbackSummary:
    """Roll back backfill run `run_id`, or with `all_runs` every backfill run with rows left.

    The removal, the recomputed conversations and the runs' new status `rolled_back` are
    committed in one transaction, under the run lock; the rollback itself is recorded as a
    run of kind `rollback`. With `dry_run`, nothing at all is written (no run is recorded
    either). Raises `UsageError` for a bad selection, an unknown run or a database never
    backfilled, `RunInProgress` while another run holds the lock.
    """
    if run_id is not None and all_runs:
        raise UsageError("--run and --all exclude each other", hint="pass one of them")
    if run_id is None and not all_runs:
        raise UsageError(
            "no run selected to roll back",
            hint="pass --run RUN_ID (one backfill run) or --all (every backfill run)",
        )
    if not _has_bookkeeping(target):  # before the store is attached: that would create it
        raise UsageError(
            f"no backfill has run on {target.describe()}: nothing to roll back",
            hint="check --db; rollback undoes the runs of `v2-backfill backfill`",
        )
    db = open_database(target)
    try:
        db.resolve_datetime_encoding()  # lastMessageAt is recomputed as the app writes it
        with db.connect() as conn:
            run_ids = select_runs(db.query(conn, "rollback_candidates"), run_id)
            if dry_run:
                return _summary(db, conn, None, run_ids)
        with run_lock(db):  # no backfill publishes meanwhile
            return _roll_back(db, run_ids)
    finally:
        db.dispose()


def select_runs(candidates: Sequence[sa.Row], run_id: str | None) -> list[str]:
    """The run ids to roll back among the backfill runs (`rollback_candidates.sql`, newest
    first): `run_id` alone, or with None every run that still has rows to remove."""
    with_rows = [row.run_id for row in candidates if row.has_rows]
    if run_id is None:
        return with_rows
    if run_id in with_rows:
        return [run_id]
    status = next((row.status for row in candidates if row.run_id == run_id), None)
    listed = ", ".join(with_rows[:LISTED_RUNS]) or "none"
    if len(with_rows) > LISTED_RUNS:
        listed += f" (and {len(with_rows) - LISTED_RUNS} more)"
    raise UsageError(
        f"unknown backfill run {run_id!r}"
        if status is None
        else f"backfill run {run_id} has nothing to roll back (status {status})",
        hint=f"pass --run with a backfill run that has rows, newest first: {listed}; or --all",
    )


def _has_bookkeeping(target: DatabaseTarget) -> bool:
    probe = open_database(target, bookkeeping=False)
    try:
        return probe.has_bookkeeping()
    finally:
        probe.dispose()


def _roll_back(db: Database, run_ids: list[str]) -> RollbackSummary:
    """Record the rollback run, remove the rows in one transaction, record the outcome."""
    rollback_id = runs.new_run_id()
    runs.start_run(db, rollback_id, "rollback", {"run_ids": run_ids, "dry_run": False})
    try:
        with db.begin(app_writes=True) as conn:
            summary = _summary(db, conn, rollback_id, run_ids)
            params = {"run_ids": json.dumps(run_ids), "now": db.from_ms(utc_now_ms())}
            db.run(conn, "rollback_review", params)
            db.run(conn, "rollback", params)
            db.encode_pipeline_datetimes(conn)  # the rows it recounted are in this encoding
    except Exception as exc:
        runs.finish_run(db, rollback_id, "failed", {"error": str(exc)})
        raise
    runs.finish_run(db, rollback_id, "succeeded", summary.to_dict())
    return summary


def _summary(
    db: Database, conn: sa.Connection, rollback_id: str | None, run_ids: list[str]
) -> RollbackSummary:
    """The figures of rolling back `run_ids`, counted before anything is removed."""
    counts = db.query(conn, "rollback_counts", {"run_ids": json.dumps(run_ids)})[0]
    return RollbackSummary(
        run_id=rollback_id,
        database=db.target.describe(),
        dry_run=rollback_id is None,
        runs_rolled_back=run_ids,
        **counts._asdict(),
    )


def format_rollback(summary: dict[str, Any]) -> str:
    """A rollback summary as a short human-readable report."""
    if summary["dry_run"]:
        head = f"dry run of a rollback on {summary['database']} (nothing was written)"
    else:
        head = f"rollback {summary['run_id']} on {summary['database']}"
    runs = summary["runs_rolled_back"]
    return "\n".join([
        head,
        f"  runs rolled back:         {len(runs)}" + (f" ({', '.join(runs)})" if runs else ""),
        f"  messages removed:         {summary['messages_removed']}",
        f"  conversations removed:    {summary['conversations_removed']}",
        f"  conversations recomputed: {summary['conversations_recomputed']}",
        f"  quarantine rows removed:  {summary['quarantine_rows_removed']}",
        f"  messages moved back:      {summary['messages_moved_back']}",
    ])  # fmt: skip
