"""A run's session: its one `Database`, its preflight report and, for a run that writes, the
database's run lock, held from the checks to the run's end. Taken once per run.

The choice (issue 18, design b): the CLI opens a run's session *before* Prefect starts, so
that bad input (a missing file, a failed preflight, a read-only database, another run holding
the lock) fails in about a second rather than after the temporary Prefect server's start
(~8 s), and registers it under the run's id (`prepared`). The flow, in the same process,
claims it (`claimed`): it neither runs the preflight again nor opens another engine, and its
text-rule tasks on Prefect's thread pool use the same database (`database_of`). A flow run
that finds no session registered -- one that a deployment started (`v2-backfill serve`, a
work pool's worker), or a Python caller's -- opens its own the same way, as its first step.
The registry is process-local, like the passwords in `config._PASSWORDS`: a flow's
parameters, which Prefect stores, carry the run id and the configuration, never a session.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from v2_backfill import backfill, identity
from v2_backfill.config import BackfillConfig, DatabaseTarget
from v2_backfill.db import Database, open_database
from v2_backfill.errors import UsageError
from v2_backfill.lock import run_lock
from v2_backfill.preflight import READ_TABLES, PreflightReport
from v2_backfill.runs import StepTimer

if TYPE_CHECKING:
    from v2_backfill.sync import SyncConfig


@dataclass
class Session:
    """What a run works with once its checks have passed."""

    db: Database
    """The run's database, the pipeline's store reachable: the only engine of the run (the
    gate's GX datasource connects through its creator; a Dask worker opens its own)."""
    report: PreflightReport
    """The preflight's findings: whether the V2 tables are to be created, notes."""
    timer: StepTimer
    """The run's step timings, the preflight's already in, and when the run started."""
    ready_at: float = field(default_factory=time.perf_counter)
    """When the checks had passed (`time.perf_counter`): a flow claiming the session later
    times the wait (Prefect's start-up) from then."""


_SESSIONS: dict[str, Session] = {}
"""The sessions prepared in this process, by run id, for the flow run to claim."""


@contextmanager
def opened(
    config: BackfillConfig | SyncConfig,
    *,
    writes: bool = False,
    unpublished: UsageError | None = None,
    started_at: str | None = None,
) -> Iterator[Session]:
    """Open the database of `config` and run the preflight (raising `PreflightError`, or
    `unpublished` when given and no backfill has run here); for a run that `writes`, check that
    the database can be written and hold its run lock until the block ends (`RunInProgress`
    if another run holds it), recording the store's identity; the store must be this
    database's (`identity.check`, UsageError). Nothing is created before these checks have
    passed, not even the SQLite sidecar file; the database is disposed of at the end. A run
    that does not write (a validation) is checked for the rights it needs instead
    (`check_readable`).
    `started_at`: when the run's command started, if before now (see `runs.StepTimer`)."""
    timer = StepTimer(started_at)
    db = open_database(config.target, bookkeeping=False)
    try:
        with timer.step("preflight"):
            report = backfill.preflight(
                db,
                allow_extra_indexes=config.allow_extra_indexes,
                create_missing_indexes=isinstance(config, BackfillConfig)
                and config.create_missing_indexes,
            )
        if not writes:
            db.check_readable(READ_TABLES, records_run=True)
        if unpublished is not None and (report.create_v2_tables or not db.has_bookkeeping()):
            raise unpublished
        if writes:
            db.check_writable()
        identity.check(db, v2_tables=not report.create_v2_tables)
        db.reach_bookkeeping()
        with run_lock(db) if writes else nullcontext():
            if writes:
                identity.record(db)
            yield Session(db, report, timer)
    finally:
        db.dispose()


@contextmanager
def prepared(run_id: str, opening: AbstractContextManager[Session]) -> Iterator[Session]:
    """The session `opening` opens, registered under `run_id` for the block: the flow run of
    that id in this process claims it."""
    with opening as session:
        _SESSIONS[run_id] = session
        try:
            yield session
        finally:
            del _SESSIONS[run_id]


@contextmanager
def claimed(
    run_id: str, opening: Callable[[], AbstractContextManager[Session]]
) -> Iterator[Session]:
    """The session prepared for `run_id` in this process (its preparer closes it; the wait
    since it was ready is timed as `start-up`), else one that `opening()` opens for the
    block."""
    if run_id in _SESSIONS:
        prepared_session = _SESSIONS[run_id]
        waited = time.perf_counter() - prepared_session.ready_at
        prepared_session.timer.seconds["start-up"] = round(waited, 3)
        yield prepared_session
        return
    with prepared(run_id, opening()) as session:
        yield session


def database_of(run_id: str) -> Database | None:
    """The database of the run's session when this process holds it (a task on Prefect's
    thread pool), None elsewhere (a Dask worker)."""
    session = _SESSIONS.get(run_id)
    return None if session is None else session.db


def no_backfill_yet(target: DatabaseTarget, command: str) -> UsageError:
    """The error of a `command` that continues from a backfill, on a database none ran on."""
    return UsageError(
        f"no backfill has run on {target.describe()}: nothing to {command}",
        hint="run `v2-backfill backfill` first",
    )
