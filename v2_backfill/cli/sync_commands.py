"""The commands that keep V2 in sync after the backfill: `sync`, and `serve` (the scheduled
deployments of the sync)."""

from __future__ import annotations

import argparse
import os
from typing import Any

from v2_backfill import session, sync
from v2_backfill.cli.options import Parents, add_command, parse_duration_ms
from v2_backfill.cli.render import format_run
from v2_backfill.cli.running import run_flow, target_of
from v2_backfill.config import Tolerances, database_url_from, format_duration_ms


def add_commands(sub: argparse._SubParsersAction, parents: Parents) -> None:
    """Add the sync's commands to the command line."""
    changes, reconciling = _change_options(), _reconcile_options()
    add_command(
        sub, "sync",
        [parents.common, parents.database, changes, parents.gate, parents.shape, reconciling,
         parents.chunks],
        help="bring V2 up to date with the legacy changes since the last run",
        description="Read the legacy rows created or updated since the last successful run "
        "(a cursor per table, minus --lookback), place them with the backfill's rules, "
        "upsert them (read state only ever turns read; legacy edits carry over), recount the "
        "conversations touched, audit that slice with the data-quality gate and publish it "
        "with the new cursors in one transaction. --reconcile re-examines every legacy message "
        "and reports hard deletes (removed from V2 only with --propagate-deletes). Needs a "
        "backfill first.",
    ).set_defaults(handler=_sync, render=format_run)  # fmt: skip
    serve = add_command(
        sub, "serve", [parents.common, parents.database, changes],
        help="serve the sync and the daily reconcile as Prefect deployments on schedules",
        description="Register two Prefect deployments of the incremental_sync flow, `sync` "
        "(every --cron) and `reconcile` (every --reconcile-cron), each with a concurrency "
        "limit of 1, and run their flow runs in this process until interrupted. Runs show "
        "in the Prefect UI of $PREFECT_API_URL. The database URL stays in this process's "
        "environment, not in the deployments' parameters.",
    )  # fmt: skip
    serve.add_argument(
        "--cron",
        default=sync.SYNC_CRON,
        metavar="CRON",
        help=f"the sync's schedule (default {sync.SYNC_CRON!r}: every 15 minutes)",
    )
    serve.add_argument(
        "--reconcile-cron",
        default=sync.RECONCILE_CRON,
        metavar="CRON",
        help=f"the reconcile's schedule (default {sync.RECONCILE_CRON!r}: daily at 03:00)",
    )
    serve.add_argument(
        "--propagate-deletes",
        action="store_true",
        help="the scheduled reconcile removes from V2 what the pipeline made of legacy "
        "messages deleted since (default: report them only)",
    )
    serve.set_defaults(handler=_serve, render=_format_serve)


def _change_options() -> argparse.ArgumentParser:
    """How a sync reads the changes (`sync`, and `serve` for its deployments)."""
    changes = argparse.ArgumentParser(add_help=False)
    changes.add_argument(
        "--lookback",
        type=parse_duration_ms,
        default=sync.DEFAULT_LOOKBACK,
        metavar="DURATION",
        help="read legacy changes from this long before the stored cursors, for rows committed "
        f"late with an older updatedAt and clock skew (default {sync.DEFAULT_LOOKBACK}; 0: "
        "exactly from the cursors)",
    )
    changes.add_argument(
        "--replace",
        action="store_true",
        help="move migrated messages that the rules now place in another property's "
        "conversation (default: report them only)",
    )
    return changes


def _reconcile_options() -> argparse.ArgumentParser:
    """The reconciling pass of `sync`."""
    reconciling = argparse.ArgumentParser(add_help=False)
    reconciling.add_argument(
        "--reconcile",
        action="store_true",
        help="re-examine every legacy message and find hard deletes (the daily pass)",
    )
    reconciling.add_argument(
        "--propagate-deletes",
        action="store_true",
        help="with --reconcile: remove from V2 the rows the pipeline created for messages "
        "deleted in legacy (never any other row)",
    )
    return reconciling


def sync_config(args: argparse.Namespace) -> sync.SyncConfig:
    """The sync's configuration from its flags."""
    return sync.SyncConfig(
        target=target_of(args),
        options=sync.SyncOptions(args.lookback, args.reconcile, args.propagate_deletes),
        replace=args.replace,
        chunk_size=args.chunk_size,
        tolerances=Tolerances(
            args.quarantine_warn, args.quarantine_fail, args.min_estimated_precision
        ),
        report_dir=args.report_dir,
        allow_extra_indexes=args.allow_extra_indexes,
    )


def _sync(args: argparse.Namespace) -> dict[str, Any]:
    config = sync_config(args)
    unpublished = session.no_backfill_yet(config.target, "sync")
    opening = session.opened(config, writes=True, unpublished=unpublished)
    return run_flow("flows.sync:run_sync", config, opening, debug=args.debug)


def _serve(args: argparse.Namespace) -> dict[str, Any]:
    url = database_url_from(args.db)
    config = sync.SyncConfig(target=target_of(args))
    with session.opened(config, unpublished=session.no_backfill_yet(config.target, "sync")):
        pass  # the checks alone: each flow run the deployments start opens its own session
    from flows.deployments import serve_deployments

    os.environ["DATABASE_URL"] = url  # for the flow runs; never in the deployments
    serve_deployments(
        sync_cron=args.cron,
        reconcile_cron=args.reconcile_cron,
        lookback=format_duration_ms(args.lookback),
        replace=args.replace,
        propagate_deletes=args.propagate_deletes,
        lock_timeout=format_duration_ms(args.lock_timeout),
    )
    return {"kind": "serve", "database": config.target.describe(), "stopped": True}


def _format_serve(summary: dict[str, Any]) -> str:
    return f"served the sync deployments of {summary['database']}: stopped"
