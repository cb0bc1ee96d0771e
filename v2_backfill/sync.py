"""The incremental sync: what it reads, how it is configured, what it reports.

A sync is a backfill of a slice: the legacy messages that changed since the cursors the
latest successful run stored (`backfill.Scope.since`, moved back by the lookback), plus
whatever their placement depends on (whole shared threads; the conversations of properties
and conversations whose facts changed). It stages, places, writes, audits (gate mode `sync`)
and publishes that slice with the same steps as a backfill; the cursors advance in the
publishing transaction. A reconciling sync (`--reconcile`) re-examines every legacy message
and finds the hard deletes; it removes what the pipeline made of them only with
`--propagate-deletes`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from v2_backfill import runs, scope
from v2_backfill.config import (
    BackfillConfig,
    DatabaseTarget,
    Fallback,
    Tolerances,
    database_url_from,
    parse_database_url,
    parse_duration_ms,
    parse_report_dir,
    parse_share,
)
from v2_backfill.db import Database
from v2_backfill.errors import UsageError

DEFAULT_LOOKBACK = "5m"
SYNC_CRON = "*/15 * * * *"
"""The scheduled sync's default cron: every 15 minutes."""
RECONCILE_CRON = "0 3 * * *"
"""The scheduled reconcile's default cron: daily at 03:00."""


@dataclass(frozen=True)
class SyncOptions:
    """What a sync reads and what it may remove."""

    lookback_ms: int = 5 * 60_000
    """How far before each stored cursor a sync starts reading, for rows committed late with an
    older updatedAt and for clock skew (rows read twice are harmless)."""
    reconcile: bool = False
    """Re-examine every legacy message and find the hard deletes (the daily pass)."""
    propagate_deletes: bool = False
    """With `reconcile`: remove the V2 rows the pipeline created for messages deleted in legacy."""

    def __post_init__(self) -> None:
        if self.propagate_deletes and not self.reconcile:
            raise UsageError(
                "--propagate-deletes needs --reconcile: hard deletes are found by the "
                "reconciliation pass",
                hint="run `v2-backfill sync --reconcile --propagate-deletes`",
            )
        if self.lookback_ms < 0:
            raise UsageError(f"the lookback cannot be negative, got {self.lookback_ms} ms")

    def run_params(self) -> dict[str, object]:
        """The options recorded with a run."""
        return {"lookback_ms": self.lookback_ms, "reconcile": self.reconcile,
                "propagate_deletes": self.propagate_deletes}  # fmt: skip

    def scope(self, cursors: dict[str, scope.Cursor]) -> scope.Scope:
        """The legacy messages a sync from `cursors` stages."""
        if self.reconcile:
            return scope.Scope(deletions=True, remove_deleted=self.propagate_deletes)
        return scope.Scope(since=cursors, lookback_ms=self.lookback_ms)


@dataclass
class SyncSummary(runs.RunSummary):
    """What a sync did: a backfill's figures over its slice, and the sync's own."""

    kind: str = "sync"
    reconcile: bool = False
    lookback_seconds: float = 0.0
    read_since: dict[str, str] = field(default_factory=dict)
    """Per legacy table, the updatedAt from which changes were read (ISO 8601 UTC)."""
    watermarks: dict[str, str] = field(default_factory=dict)
    """Per legacy table, the updatedAt of the stored cursor after the run (ISO 8601 UTC)."""
    deletions_found: int = 0
    """Migrated or quarantined messages whose legacy row is gone (reconcile only)."""
    deletions_removed: int = 0
    """Of those, how many the run removed from V2 and the bookkeeping (--propagate-deletes)."""


@dataclass(frozen=True)
class SyncConfig:
    """Everything a sync needs to know, resolved once: from the CLI's flags, or from a
    deployment's plain parameters (`from_parameters`). Passed to the flow as it is (Prefect
    stores it): its target carries no password."""

    target: DatabaseTarget
    """The app's database."""
    options: SyncOptions = field(default_factory=SyncOptions)
    """What the sync reads and what it may remove."""
    replace: bool = False
    """Whether a migrated message the rules now place elsewhere is moved (else reported)."""
    chunk_size: int = BackfillConfig.chunk_size
    """Rows per chunk when shared-conversation messages are streamed to Python."""
    tolerances: Tolerances = field(default_factory=Tolerances)
    """The data-quality gate's thresholds."""
    report_dir: Path | None = None
    """Where the run's report goes (default: reports/<run id>/)."""
    allow_extra_indexes: bool = False
    """Whether indexes Prisma does not generate may exist on the V2 tables."""

    def __post_init__(self) -> None:
        if self.chunk_size <= 0:
            raise UsageError(f"expected a positive chunk size, got {self.chunk_size}")

    @classmethod
    def from_parameters(
        cls, *, db: str | None, lookback: str, reconcile: bool, propagate_deletes: bool,
        replace: bool, report_dir: str | None, quarantine_warn: str, quarantine_fail: str,
        allow_extra_indexes: bool, chunk_size: int, lock_timeout: str,
    ) -> SyncConfig:  # fmt: skip
        """A sync asked for in plain values, spelled as on the command line: the parameters
        of the flow `incremental_sync` (a deployment's; their defaults are the flow's; `db`
        None: $DATABASE_URL). Raises UsageError naming a bad value."""
        options = SyncOptions(parse_duration_ms(lookback), reconcile, propagate_deletes)
        return cls(
            target=parse_database_url(
                database_url_from(db), lock_timeout_ms=parse_duration_ms(lock_timeout)
            ),
            options=options,
            replace=replace,
            chunk_size=chunk_size,
            tolerances=Tolerances(parse_share(quarantine_warn), parse_share(quarantine_fail)),
            report_dir=parse_report_dir(report_dir) if report_dir else None,
            allow_extra_indexes=allow_extra_indexes,
        )

    def run_config(self, rules: dict[str, Any]) -> BackfillConfig:
        """The run's configuration, with the split rules' settings `rules` (those of the latest
        backfill, see `backfill_rules`)."""
        return BackfillConfig(
            target=self.target,
            thread_window_ms=int(rules.get("thread_window_ms", BackfillConfig.thread_window_ms)),
            min_confidence=float(rules.get("min_confidence", BackfillConfig.min_confidence)),
            fallback=Fallback(rules.get("fallback", BackfillConfig.fallback)),
            chunk_size=self.chunk_size,
            tolerances=self.tolerances,
            report_dir=self.report_dir,
            allow_extra_indexes=self.allow_extra_indexes,
            replace=self.replace,
        )


def backfill_rules(db: Database) -> dict[str, Any]:
    """The split rules' settings (thread window, confidence, fallback) of the latest successful
    backfill, so that a sync places messages as the backfill did; empty when none is
    recorded."""
    with db.connect() as conn:
        latest = db.query(conn, "latest_backfill_params")
    recorded = json.loads(latest[0].params) if latest and latest[0].params else {}
    kept = ("thread_window_ms", "min_confidence", "fallback")
    return {k: recorded[k] for k in kept if k in recorded}


def require_backfill(db: Database) -> dict[str, scope.Cursor]:
    """The stored cursors; raises UsageError when no backfill has published yet."""
    cursors = scope.stored_cursors(db)
    if not cursors:
        raise no_backfill(db.target)
    return cursors


def no_backfill(target: DatabaseTarget) -> UsageError:
    """The error of a sync on a database no backfill has published to."""
    return UsageError(
        f"no backfill has published on {target.describe()}: a sync continues from one",
        hint="run `v2-backfill backfill` first",
    )


def summarize(db: Database, summary: SyncSummary, options: SyncOptions,
              cursors: dict[str, scope.Cursor]) -> SyncSummary:  # fmt: skip
    """Fill a published sync's figures: the backfill's over its slice, and its own."""
    runs.summarize(db, summary)
    with db.connect() as conn:
        deletions = db.query(conn, "deletion_counts")[0]
    summary.reconcile = options.reconcile
    summary.lookback_seconds = options.lookback_ms / 1000
    summary.deletions_found = deletions.found
    summary.deletions_removed = deletions.removed
    if not options.reconcile:
        summary.read_since = {
            table: _iso(cursor.updated_ms - options.lookback_ms)
            for table, cursor in sorted(cursors.items())
        }
    summary.watermarks = {
        table: _iso(cursor.updated_ms) for table, cursor in sorted(scope.stored_cursors(db).items())
    }
    return summary


def _iso(ms: int) -> str:
    moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
