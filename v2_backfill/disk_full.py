"""A full disk, wherever a run meets it, as one error that names what is full."""

from __future__ import annotations

import errno
import logging
import sqlite3
from pathlib import Path

import psycopg

from v2_backfill.config import DatabaseTarget
from v2_backfill.db.failures import sqlite_code
from v2_backfill.errors import DiskFull


def explain_disk_full(
    exc: BaseException, target: DatabaseTarget | None, report_dir: Path | None = None
) -> DiskFull | None:
    """DiskFull when `exc`, or an error in its cause chain, is a full disk: SQLite's
    SQLITE_FULL ("database or disk is full"), PostgreSQL's `disk_full`, or an OSError ENOSPC
    (the report, GX's Data Docs, the snapshot copy); None otherwise. `target` is the run's
    database and `report_dir` its `--report-dir`, when known."""
    seen: BaseException | None = exc
    walked: set[int] = set()
    while seen is not None and id(seen) not in walked:
        walked.add(id(seen))
        explained = _explain_one(seen, target, report_dir)
        if explained is not None:
            return explained
        seen = seen.__cause__ or seen.__context__
    return None


def _explain_one(
    error: BaseException, target: DatabaseTarget | None, report_dir: Path | None
) -> DiskFull | None:
    orig = getattr(error, "orig", None) or error  # SQLAlchemy wraps the driver's error
    if isinstance(orig, sqlite3.Error) and sqlite_code(orig) == sqlite3.SQLITE_FULL:
        path = target.sqlite_path if target is not None else None
        return DiskFull(
            f"the disk is full: SQLite could not write {path or 'the database'}, its bookkeeping "
            "file or the run's copy of it (database or disk is full)",
            hint=f"free space on the filesystem of {path.parent if path else 'the database'}, "
            "then run again; publishing is one transaction, so V2 holds nothing half-published",
        )
    if isinstance(orig, psycopg.errors.DiskFull):
        first = str(orig).strip().splitlines()[0]
        return DiskFull(
            f"the PostgreSQL server's disk is full: {first}",
            hint="free space on the database server, then run again; publishing is one "
            "transaction, so V2 holds nothing half-published",
        )
    if isinstance(error, OSError) and error.errno == errno.ENOSPC:
        folder = report_dir or Path("reports")
        path = error.filename or f"the run's report or GX Data Docs in {folder}"
        return DiskFull(
            f"the disk is full: cannot write {path} ({error.strerror})",
            hint="free space on that filesystem (or choose another --report-dir), then run "
            "again; a run stopped before publishing published nothing",
        )
    return None


class _FirstLineOnly(logging.Filter):
    """Great Expectations logs some failures (its Data Docs on a full disk) with the whole
    traceback in the message: keep the message's first line, drop any traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("great_expectations"):
            record.msg = record.getMessage().strip().splitlines()[0]
            record.args = None
            record.exc_info = None
            record.exc_text = None
        return True


def shorten_gx_failures() -> None:
    """Without --debug: Great Expectations' log records reach stderr as one line each (a
    filter on the root logger's handlers, where they end up)."""
    for handler in logging.getLogger().handlers:
        handler.addFilter(_FirstLineOnly())
