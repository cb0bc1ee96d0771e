"""One run at a time per database, with a lock that dies with its holder.

The adapter holds the lock (`Database.run_lock`; PostgreSQL: a session-level advisory lock on
a dedicated connection, SQLite: exclusive `flock`s of a lock file keyed by the app file's
device and inode, so that every name of the file takes the same lock, and of the sidecar file,
independent of SQLite's own locks). Either way the operating system or the server releases the
lock when the process ends, even by SIGKILL, so a crashed run never blocks the next one; the
next run marks the crashed run's record `interrupted`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from v2_backfill.config import BOOKKEEPING_SCHEMA
from v2_backfill.db import Database, utc_now_ms
from v2_backfill.errors import RunInProgress


@contextmanager
def run_lock(db: Database, *, mark_interrupted: bool = True) -> Iterator[None]:
    """Hold this database's run lock, or raise RunInProgress naming the run that holds it.

    Once held, runs still recorded as `running` are marked `interrupted` (unless told not to).
    """
    with db.run_lock() as taken:
        if not taken:
            raise _in_progress(db)
        if mark_interrupted:
            _mark_interrupted(db)
        yield


def _in_progress(db: Database) -> RunInProgress:
    """The error naming the newest running run, as far as the bookkeeping knows it."""
    holder = ""
    if db.has_bookkeeping():
        with db.connect() as conn:
            known = sa.inspect(conn).has_table("runs", schema=BOOKKEEPING_SCHEMA)
            rows = db.query(conn, "running_run") if known else []
        if rows:
            holder = f" (run {rows[0].run_id}, a {rows[0].kind})"
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
        db.run(
            conn,
            "mark_interrupted",
            {"now": db.from_ms(utc_now_ms()),
             "summary": json.dumps({"error": "the process ended before the run finished"})},
        )  # fmt: skip
