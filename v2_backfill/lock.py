"""One run at a time per database, with a lock that dies with its holder.

PostgreSQL: a session-level advisory lock held on a dedicated connection for the whole run.
SQLite: an exclusive `flock` on the sidecar file (independent of SQLite's own locks). Either
way the operating system or the server releases the lock when the process ends, even by
SIGKILL, so a crashed run never blocks the next one; the next run marks the crashed run's
record `interrupted`.
"""

from __future__ import annotations

import fcntl
import json
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from v2_backfill.config import BOOKKEEPING_SCHEMA
from v2_backfill.db import Database, utc_now_ms
from v2_backfill.errors import RunInProgress

ADVISORY_KEY = 0x7632_6266_696C_6C00 >> 8
"""The PostgreSQL advisory lock key of v2-backfill runs ("v2bfill")."""


@contextmanager
def run_lock(db: Database, *, mark_interrupted: bool = True) -> Iterator[None]:
    """Hold this database's run lock, or raise RunInProgress naming the run that holds it.

    Once held, runs still recorded as `running` are marked `interrupted` (unless told not to).
    """
    with _advisory_lock(db) if db.dialect == "postgresql" else _file_lock(db):
        if mark_interrupted:
            _mark_interrupted(db)
        yield


@contextmanager
def _advisory_lock(db: Database) -> Iterator[None]:
    conn = db.engine.connect()
    try:
        taken = conn.execute(sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_KEY})
        if not taken.scalar_one():
            raise _in_progress(db)
        conn.commit()
        yield
    finally:
        conn.close()  # closing the session releases the lock


@contextmanager
def _file_lock(db: Database) -> Iterator[None]:
    path = db.target.sidecar_path
    assert path is not None
    with open(path, "ab") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise _in_progress(db) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _in_progress(db: Database) -> RunInProgress:
    """The error naming the newest running run, as far as the bookkeeping knows it."""
    holder = ""
    if db.has_bookkeeping():
        with db.connect() as conn:
            row = conn.execute(
                sa.text(
                    f"SELECT run_id, kind FROM {BOOKKEEPING_SCHEMA}.runs WHERE status = 'running' "
                    "ORDER BY started_at DESC LIMIT 1"
                )
            ).first()
        if row is not None:
            holder = f" (run {row.run_id}, a {row.kind})"
    return RunInProgress(
        f"another v2-backfill run is in progress on {db.target.describe()}{holder}",
        hint="wait for it to finish; a crashed run releases the lock by itself",
    )


def _mark_interrupted(db: Database) -> None:
    """Runs still `running` while we hold the lock died without finishing: say so."""
    if not db.has_bookkeeping():
        return
    with db.begin() as conn:
        db.ensure_bookkeeping(conn)
        conn.execute(
            sa.text(
                f"UPDATE {BOOKKEEPING_SCHEMA}.runs SET status = 'interrupted', "
                "finished_at = :now, summary = COALESCE(summary, :summary) "
                "WHERE status = 'running'"
            ),
            {"now": db.from_ms(utc_now_ms()),
             "summary": json.dumps({"error": "the process ended before the run finished"})},
        )  # fmt: skip
