"""The driver errors of connecting and of lock waits, turned into errors that say what to do."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import Engine, ExceptionContext

from v2_backfill.config import DatabaseTarget
from v2_backfill.errors import ConnectionFailed, LockTimeout, UsageError, V2BackfillError


def explain_lock_errors(engine: Engine, target: DatabaseTarget) -> None:
    """A lock wait that ran out (SQLite busy, PostgreSQL `lock_timeout`) raises LockTimeout,
    wherever it happens."""

    @sa.event.listens_for(engine, "handle_error")
    def _lock_timeout(context: ExceptionContext) -> Exception | None:
        error = context.original_exception
        busy = sqlite_code(error) == sqlite3.SQLITE_BUSY
        if not busy and not isinstance(error, psycopg.errors.LockNotAvailable):
            return None
        what = "the write lock" if busy else "a table or row lock"
        return LockTimeout(
            f"database is locked by another writer: {what} on {target.describe()} stayed "
            f"held for the whole lock timeout ({duration(target.lock_timeout_ms)})",
            hint="let the other writer finish, then run again; or wait longer, e.g. "
            "--lock-timeout 5m",
        )


def sqlite_code(error: BaseException | None) -> int | None:
    """SQLite's primary result code of a driver error (`SQLITE_BUSY`, …); None for others."""
    code = getattr(error, "sqlite_errorcode", None) if isinstance(error, sqlite3.Error) else None
    return None if code is None else code & 0xFF


def duration(ms: int) -> str:
    """Milliseconds as `2s`, `1.5s`."""
    return f"{ms / 1000:g}s"


@contextmanager
def explained_errors(target: DatabaseTarget) -> Iterator[None]:
    """Driver errors that `_explain_connect_error` knows become errors that say what to do;
    any other passes unchanged."""
    try:
        yield
    except sa.exc.DatabaseError as exc:
        explained = _explain_connect_error(target, exc)
        if explained is None:
            raise
        raise explained from exc


def _explain_connect_error(
    target: DatabaseTarget, exc: sa.exc.DatabaseError
) -> V2BackfillError | None:
    text = str(exc.orig or exc).strip()
    first_line = text.splitlines()[0] if text else type(exc).__name__
    if "file is not a database" in text:
        return UsageError(
            f"{target.sqlite_path} is not a SQLite database",
            hint="point --db at the app's database file",
        )
    if "readonly" in text or "unable to open database" in text:
        return UsageError(
            f"cannot open {target.describe()} for writing: {first_line}",
            hint="run as a user that may write the database file and its folder",
        )
    if target.dialect == "postgresql":
        return ConnectionFailed(
            f"cannot connect to {target.describe()}: {first_line}",
            hint="check host, port, user, password and database name, and that the server runs",
        )
    return None
