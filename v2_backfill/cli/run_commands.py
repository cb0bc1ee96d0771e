"""The commands of a backfill: `backfill`, `preview`, `validate`."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from v2_backfill import session
from v2_backfill.cli.options import Parents, add_command
from v2_backfill.cli.render import format_run, format_validation
from v2_backfill.cli.running import run_flow, target_of
from v2_backfill.config import BackfillConfig, DatabaseTarget, Fallback, Tolerances
from v2_backfill.errors import UsageError
from v2_backfill.preview import format_preview, preview


def add_commands(sub: argparse._SubParsersAction, parents: Parents) -> None:
    """Add the backfill's commands to the command line."""
    run = add_command(
        sub, "backfill",
        [parents.common, parents.database, *parents.run_rules, parents.gate, parents.shape,
         parents.indexes],
        help="backfill the V2 tables from the legacy ones",
        description="Create the V2 tables if missing, split shared conversations by property, "
        "copy every legacy message (or quarantine it with a reason), recompute unread counts. "
        "The result is written to staging, audited by the data-quality gate and published in "
        "one transaction only if the gate passes. Safe to re-run: a second run changes nothing. "
        "On an interactive terminal it shows the preview first and asks for approval.",
    )  # fmt: skip
    run.add_argument(
        "--dry-run", action="store_true", help="only show the preview (same as `preview`)"
    )
    run.add_argument(
        "--yes", action="store_true", help="do not ask for approval on an interactive terminal"
    )
    run.set_defaults(handler=_backfill, render=_format_backfill)
    add_command(
        sub, "preview",
        [parents.common, parents.database, *parents.run_rules, parents.shape, parents.indexes],
        help="show what a backfill would do, writing nothing anywhere",
        description="Run the backfill's steps inside a transaction that is rolled back and "
        "print the plan: the DDL that would run (only for what is missing), any drift from "
        "Prisma's shape, the conversations to create and to reuse, the messages to copy by rule "
        "and to quarantine by reason, with examples. Writes nothing: not the app's tables, "
        "not the bookkeeping store, not the SQLite sidecar file.",
    ).set_defaults(handler=_preview, render=format_preview)  # fmt: skip
    add_command(
        sub, "validate", [parents.common, parents.database, parents.gate, parents.shape],
        help="run the data-quality checks on the current V2 state and write the report",
        description="Audit the published V2 tables against legacy and the pipeline's lineage "
        "(reconciliation by id, uniqueness, references, domains, content checksums, unread "
        "counts, encodings, native rows) and write the report. Writes nothing to the app's "
        "tables. Exit 0 when every critical check passes, 1 otherwise.",
    ).set_defaults(handler=_validate, render=format_validation)  # fmt: skip


def backfill_config(args: argparse.Namespace, target: DatabaseTarget) -> BackfillConfig:
    """The run's configuration from the flags its command has (the others keep defaults)."""
    given = vars(args)
    return BackfillConfig(
        target=target,
        thread_window_ms=given.get("thread_window", BackfillConfig.thread_window_ms),
        min_confidence=given.get("min_confidence", BackfillConfig.min_confidence),
        fallback=Fallback(given.get("fallback", BackfillConfig.fallback)),
        chunk_size=given.get("chunk_size", BackfillConfig.chunk_size),
        partitions=given.get("partitions", BackfillConfig.partitions),
        dask_address=given.get("dask_address"),
        tolerances=Tolerances(
            given.get("quarantine_warn", Tolerances.quarantine_warn_share),
            given.get("quarantine_fail", Tolerances.quarantine_fail_share),
        ),
        report_dir=given.get("report_dir"),
        allow_extra_indexes=given.get("allow_extra_indexes", False),
        create_missing_indexes=given.get("create_missing_indexes", False),
    )


def _backfill(args: argparse.Namespace) -> dict[str, Any]:
    config = backfill_config(args, target_of(args))
    if args.dry_run:
        return preview(config)
    if not args.yes and not args.json and _interactive():
        print(format_preview(preview(config)))
        if not _approved("Run this backfill? [y/N] "):
            raise UsageError("not approved: nothing was written", hint="run again when ready")
    return run_backfill(config, debug=args.debug)


def _format_backfill(summary: dict[str, Any]) -> str:
    """A backfill's summary, or its preview's (`--dry-run`)."""
    return format_preview(summary) if summary.get("kind") == "preview" else format_run(summary)


def run_backfill(config: BackfillConfig, *, debug: bool) -> dict[str, Any]:
    """Run the `backfill` flow on `config`, its session prepared first."""
    opening = session.opened(config, writes=True)
    return run_flow("flows.backfill:run_backfill", config, opening, debug=debug)


def _preview(args: argparse.Namespace) -> dict[str, Any]:
    return preview(backfill_config(args, target_of(args)))


def _validate(args: argparse.Namespace) -> dict[str, Any]:
    config = backfill_config(args, target_of(args))
    opening = session.opened(config, unpublished=session.no_backfill_yet(config.target, "validate"))
    return run_flow("flows.validate:validate", config, opening, debug=args.debug)


def _interactive() -> bool:
    """Whether a person is at the terminal to approve the preview."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def _approved(question: str) -> bool:
    """Whether the person at the terminal answers yes; the end of input (Ctrl-D) is a no."""
    try:
        answer = input(question)
    except EOFError:
        print()  # the prompt's line ends here, not in the error that follows
        return False
    return answer.strip().lower() in ("y", "yes")
