"""A full disk, wherever a run meets it, as one error that names what is full."""

from __future__ import annotations

import errno
import sqlite3

import psycopg

from v2_backfill.config import DatabaseTarget
from v2_backfill.db.base import sqlite_code
from v2_backfill.errors import DiskFull


def explain_disk_full(exc: BaseException, target: DatabaseTarget | None) -> DiskFull | None:
    """DiskFull when `exc`, or an error in its cause chain, is a full disk: SQLite's
    SQLITE_FULL ("database or disk is full"), PostgreSQL's `disk_full`, or an OSError ENOSPC
    (the report, GX's Data Docs, the snapshot copy); None otherwise. `target` is the run's
    database, when known."""
    seen: BaseException | None = exc
    walked: set[int] = set()
    while seen is not None and id(seen) not in walked:
        walked.add(id(seen))
        explained = _explain_one(seen, target)
        if explained is not None:
            return explained
        seen = seen.__cause__ or seen.__context__
    return None


def _explain_one(error: BaseException, target: DatabaseTarget | None) -> DiskFull | None:
    orig = getattr(error, "orig", None) or error  # SQLAlchemy wraps the driver's error
    if isinstance(orig, sqlite3.Error) and sqlite_code(orig) == sqlite3.SQLITE_FULL:
        where = "the SQLite database or its bookkeeping file"
        if target is not None and target.sqlite_path is not None:
            where = f"{target.sqlite_path} or its bookkeeping file {target.sidecar_path}"
        folder = target.sqlite_path.parent if target and target.sqlite_path else "the database"
        return DiskFull(
            f"the disk is full: SQLite could not write {where} (database or disk is full)",
            hint=f"free space on the filesystem of {folder}, then run again; publishing is one "
            "transaction, so V2 holds nothing half-published",
        )
    if isinstance(orig, psycopg.errors.DiskFull):
        first = str(orig).strip().splitlines()[0]
        return DiskFull(
            f"the PostgreSQL server's disk is full: {first}",
            hint="free space on the database server, then run again; publishing is one "
            "transaction, so V2 holds nothing half-published",
        )
    if isinstance(error, OSError) and error.errno == errno.ENOSPC:
        path = error.filename or "a file of the run"
        return DiskFull(
            f"the disk is full: cannot write {path}",
            hint="free space there (or choose another --report-dir), then run again",
        )
    return None
