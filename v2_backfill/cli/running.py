"""What the commands that run a flow share: the database from the flags, and the run's
session prepared before the flow (and Prefect) starts."""

from __future__ import annotations

import argparse
import importlib
import logging
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import replace
from types import ModuleType
from typing import Any

from v2_backfill import runs, session
from v2_backfill.config import (
    BackfillConfig,
    DatabaseTarget,
    SqliteDatetime,
    database_url_from,
    parse_database_url,
)
from v2_backfill.sync import SyncConfig


def target_of(args: argparse.Namespace) -> DatabaseTarget:
    """The database of `--db` (or $DATABASE_URL), with the `--lock-timeout` its sessions use
    and the `--sqlite-datetime` of the commands that take it."""
    target = parse_database_url(database_url_from(args.db), lock_timeout_ms=args.lock_timeout)
    encoding = getattr(args, "sqlite_datetime", None)
    return replace(target, sqlite_datetime=SqliteDatetime(encoding)) if encoding else target


def run_flow(
    entry: str,
    config: BackfillConfig | SyncConfig,
    opening: AbstractContextManager[session.Session],
    *,
    debug: bool,
) -> dict[str, Any]:
    """Open the run's session (`opening`: bad input fails here, fast, before any flow
    starts) while the flow's module (Prefect) is imported in a thread, then run the flow
    `entry` (`module:function`, called with `config` and the run id) in this process, which
    claims that session."""
    run_id = runs.new_run_id()
    module, _, name = entry.partition(":")
    imported = _import_meanwhile(module)
    with session.prepared(run_id, opening):
        flow = getattr(imported(), name)
        if not debug:
            _hide_tracebacks(("prefect.flow_runs", "prefect.task_runs"))
        return flow(config, run_id)


def _import_meanwhile(module: str) -> Callable[[], ModuleType]:
    """Start importing `module` in a thread of its own: the preflight's queries, which wait
    on the database, overlap Prefect's import of a second or more. Returns a function that
    waits for the import and gives the module (raising what the import raised). The thread
    is a daemon: a command whose checks fail exits without waiting for it."""
    outcome: list[ModuleType | BaseException] = []

    def work() -> None:
        try:
            outcome.append(importlib.import_module(module))
        except BaseException as exc:  # handed to the waiting thread
            outcome.append(exc)

    thread = threading.Thread(target=work, name=f"import {module}", daemon=True)
    thread.start()

    def imported() -> ModuleType:
        thread.join()
        if isinstance(outcome[0], BaseException):
            raise outcome[0]
        return outcome[0]

    return imported


class _NoTraceback(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info = None
        record.exc_text = None
        return True


def _hide_tracebacks(logger_names: tuple[str, ...]) -> None:
    """Failures are logged by Prefect with their traceback; without --debug keep one line."""
    for name in logger_names:
        logging.getLogger(name).addFilter(_NoTraceback())
