"""The tools around the backfill: `demo`, `prisma-migration`, `rollback`, `server`."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

from v2_backfill import prefect_server, prisma, services
from v2_backfill.cli.options import Parents, add_command, positive_int
from v2_backfill.cli.render import format_run
from v2_backfill.cli.run_commands import backfill_config, run_backfill
from v2_backfill.cli.running import target_of
from v2_backfill.config import DatabaseTarget, parse_database_url
from v2_backfill.rollback import format_rollback, rollback


def add_commands(sub: argparse._SubParsersAction, parents: Parents) -> None:
    """Add the tools around the backfill to the command line."""
    _add_demo(sub, parents)
    _add_prisma_migration(sub, parents)
    _add_rollback(sub, parents)
    _add_server(sub, parents)


def _add_demo(sub: argparse._SubParsersAction, parents: Parents) -> None:
    demo = add_command(
        sub, "demo", [parents.common, *parents.run_rules, parents.gate],
        help="generate a realistic legacy SQLite database and backfill it",
        description="(Re)create DIR/dev.db with several agents and timelines, shared and "
        "property-specific conversations, addresses in several spellings and a few broken "
        "rows, in Prisma's encodings; then backfill it.",
    )  # fmt: skip
    demo.add_argument("--dir", type=Path, default=Path("demo"), help="folder (default ./demo)")
    demo.add_argument(
        "--messages", type=positive_int, default=2000, help="legacy messages (default 2000)"
    )
    demo.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    demo.set_defaults(handler=_demo, render=format_run)


def _add_prisma_migration(sub: argparse._SubParsersAction, parents: Parents) -> None:
    migration = add_command(
        sub, "prisma-migration", [parents.common, parents.database],
        help="write the V2 tables' DDL as a Prisma migration for the app's history",
        description="Write DIR/<UTC timestamp>_<name>/migration.sql holding exactly the DDL "
        "the backfill runs for the database's dialect (and DIR/migration_lock.toml when "
        "missing), then print the `npx prisma migrate resolve --applied` command that records "
        "it as applied. The database is only read: refused (exit 3) when its V2 tables are "
        "not in Prisma's shape.",
    )  # fmt: skip
    migration.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="DIR",
        help="the app's Prisma migrations folder, e.g. prisma/migrations",
    )
    migration.add_argument(
        "--name", default="add_messaging_v2", help="migration name (default add_messaging_v2)"
    )
    migration.set_defaults(handler=_prisma_migration, render=prisma.format_next_step)


def _add_rollback(sub: argparse._SubParsersAction, parents: Parents) -> None:
    undo = add_command(
        sub, "rollback", [parents.common, parents.database, parents.datetime],
        help="remove exactly the rows that backfill runs created",
        description="In one transaction, remove the messages_v2 rows in the selected runs' "
        "lineage (never any other row), their lineage and quarantine, and the conversations "
        "they created that now hold no other message or notification; recompute the unread "
        "counts and lastMessageAt of every conversation that lost messages. The rolled-back "
        "runs are marked rolled_back and the rollback is recorded as a run. Legacy tables, "
        "native messages and notifications are never touched. Choose --run RUN_ID or --all.",
    )  # fmt: skip
    undo.add_argument("--run", metavar="RUN_ID", help="the backfill run to roll back")
    undo.add_argument(
        "--all",
        dest="all_runs",
        action="store_true",
        help="roll back every backfill run that still has rows (lineage, quarantine, "
        "created conversations)",
    )
    undo.add_argument(
        "--dry-run",
        action="store_true",
        help="print what would be removed and write nothing at all",
    )
    undo.set_defaults(handler=_rollback, render=format_rollback)


def _demo(args: argparse.Namespace) -> dict[str, Any]:
    from devtools.demo import write_sqlite

    folder: Path = args.dir
    folder.mkdir(parents=True, exist_ok=True)
    database = folder / "dev.db"
    target = demo_target(args)
    for stale in (database, target.sidecar_path):
        if stale is not None and stale.exists():
            stale.unlink()
    stats = write_sqlite(database, messages=args.messages, seed=args.seed)
    logging.getLogger("v2_backfill").info(
        "demo database written: %s (%s)", database, stats.describe()
    )
    summary = run_backfill(backfill_config(args, target), debug=args.debug)
    return {**summary, "demo": {"database": str(database), **stats.to_dict()}}


def _prisma_migration(args: argparse.Namespace) -> dict[str, Any]:
    return prisma.write_migration(target_of(args), args.out, args.name).summary()


def _rollback(args: argparse.Namespace) -> dict[str, Any]:
    undone = rollback(target_of(args), args.run, all_runs=args.all_runs, dry_run=args.dry_run)
    return undone.to_dict()


def demo_target(args: argparse.Namespace) -> DatabaseTarget:
    """The database `demo` (re)creates and backfills: DIR/dev.db."""
    return parse_database_url(f"file:{(args.dir / 'dev.db').resolve()}")


def _add_server(sub: argparse._SubParsersAction, parents: Parents) -> None:
    server = add_command(
        sub, "server", [parents.common],
        help="show, start or stop the local Prefect server the CLI runs its flows on",
        description="Without PREFECT_API_URL the CLI runs its flows on a local Prefect server "
        "of its own, started in the background on first use and reused; it stops after "
        f"${prefect_server.IDLE_ENV} (default {prefect_server.DEFAULT_IDLE}) unused, or here.",
    )  # fmt: skip
    server.add_argument("action", choices=["status", "start", "stop"])
    server.set_defaults(
        handler=lambda args: services.server_command(args.action),
        render=prefect_server.format_status,
    )
