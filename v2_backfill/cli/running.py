"""What the commands that run a flow share: the database from the flags, and the run's
session prepared before the flow (and Prefect) starts."""

from __future__ import annotations

import argparse
import importlib
import logging
from contextlib import AbstractContextManager
from dataclasses import replace
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
    """Open the run's session (`opening`: bad input fails here, fast, before Prefect is
    imported or started), then run the flow `entry` (`module:function`, called with `config`
    and the run id) in this process, which claims that session."""
    run_id = runs.new_run_id()
    with session.prepared(run_id, opening):
        module, _, name = entry.partition(":")
        flow = getattr(importlib.import_module(module), name)
        if not debug:
            _hide_tracebacks(("prefect.flow_runs", "prefect.task_runs"))
        return flow(config, run_id)


class _NoTraceback(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info = None
        record.exc_text = None
        return True


def _hide_tracebacks(logger_names: tuple[str, ...]) -> None:
    """Failures are logged by Prefect with their traceback; without --debug keep one line."""
    for name in logger_names:
        logging.getLogger(name).addFilter(_NoTraceback())
