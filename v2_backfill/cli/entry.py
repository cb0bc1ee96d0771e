"""The entry point: parse, dispatch to the command's handler, print, map errors to exit codes.

Exit codes: 0 ok; 1 data-quality failure (nothing published); 2 usage or connection error;
3 preflight failure (nothing written). A run that was audited prints its summary whatever its
verdict; with --json only JSON goes to stdout (the summary, or an `error` object when no
summary exists), progress and Prefect's logs go to stderr.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import traceback
from collections.abc import Sequence

from v2_backfill import services, signals
from v2_backfill.cli import review_commands, run_commands, sync_commands, tool_commands
from v2_backfill.cli.options import Parents, root_parser
from v2_backfill.cli.render import Render, print_json, print_summary
from v2_backfill.cli.running import target_of
from v2_backfill.config import DatabaseTarget
from v2_backfill.disk_full import explain_disk_full, shorten_gx_failures
from v2_backfill.errors import DataQualityError, UsageError, V2BackfillError, known_cause

RECORDING = ("backfill", "sync", "validate", "rollback", "review")
"""The commands that record runs on their database (and mark one `interrupted` when stopped)."""


def build_parser() -> argparse.ArgumentParser:
    """The command line, with every subcommand and option documented; each command's parser
    holds its `handler` (args -> summary) and its `render` (summary -> text)."""
    parser, sub = root_parser()
    parents = Parents()
    for group in (run_commands, sync_commands, tool_commands, review_commands):
        group.add_commands(sub, parents)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `v2-backfill` console script: a command that runs flows goes to the
    background server's warm worker when one can take it (`v2_backfill.warm`), else runs
    here."""
    return _main(sys.argv[1:] if argv is None else list(argv), delegate=True)


def run(argv: Sequence[str]) -> int:
    """Run the command `argv` in this process (the warm worker's child does)."""
    return _main(list(argv), delegate=False)


def _main(argv: list[str], *, delegate: bool) -> int:
    try:
        args = build_parser().parse_args(argv)
    except UsageError as exc:  # no options parsed: --json is looked for in the raw arguments
        return _fail(exc, as_json="--json" in argv, debug=False, render=None)
    configure_logging(args.debug)
    if not args.debug:
        shorten_gx_failures()
    dask_address, dry_run = getattr(args, "dask_address", None), getattr(args, "dry_run", False)
    try:
        service = getattr(args, "service", args.command)
        with signals.interruptible():
            code = services.run_warm(service, argv, dry_run=dry_run) if delegate else None
            if code is not None:
                return code
            with services.ready(service, dask_address=dask_address, dry_run=dry_run):
                summary = args.handler(args)
    except signals.Interrupted as stop:
        stopped = signals.stopped(stop, _run_target(args))
        return _fail(stopped, as_json=args.json, debug=False, render=None)
    except Exception as exc:  # ours or unexpected: a short message and an exit code
        full = explain_disk_full(exc, _run_target(args), getattr(args, "report_dir", None))
        return _fail(full or exc, as_json=args.json, debug=args.debug, render=args.render)
    print_summary(summary, args.render, as_json=args.json)
    return 0


def _run_target(args: argparse.Namespace) -> DatabaseTarget | None:
    """The database a command records its runs on; None for one that records none (or
    whose database URL is unusable)."""
    if args.command == "demo":
        return tool_commands.demo_target(args)
    if args.command not in RECORDING or getattr(args, "dry_run", False):
        return None
    try:
        return target_of(args)
    except V2BackfillError:
        return None


def _fail(exc: Exception, *, as_json: bool, debug: bool, render: Render | None) -> int:
    """Report a failure and return its exit code: the error on stderr; on stdout the run's
    summary when it carries one (a failed gate), else with --json an `error` object."""
    if debug:
        traceback.print_exception(exc, file=sys.stderr)
    known = known_cause(exc)
    if known is None:  # an unexpected failure: still a short message, code 2
        code, message, hint = 2, str(exc), "run again with --debug for the traceback"
        print(f"v2-backfill: {type(exc).__name__}: {exc}", file=sys.stderr)
        if not debug:
            print(f"  ({hint})", file=sys.stderr)
    else:
        code, message, hint = known.exit_code, known.message, known.hint
        print(f"v2-backfill: error: {known}", file=sys.stderr)
    if isinstance(known, DataQualityError) and known.summary is not None and render is not None:
        print_summary(known.summary, render, as_json=as_json)
    elif as_json:
        print_json({"error": {"code": code, "message": message, "hint": hint}})
    return code


def configure_logging(debug: bool) -> None:
    """Logging to stderr (debug or not), and the Prefect settings the CLI gives before
    Prefect is imported (it reads them, and the root logger's handlers, at import)."""
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.DEBUG if debug else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("v2_backfill").setLevel(logging.DEBUG if debug else logging.INFO)
    os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "v2_backfill")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # the temporary Prefect server may start slowly on a busy two-core machine
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
