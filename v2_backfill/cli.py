"""`v2-backfill`: a thin shell over the core — parse, call, print, map errors to exit codes.

Exit codes: 0 ok; 1 data-quality failure (nothing published); 2 usage or connection error;
3 preflight failure (nothing written). A run that was audited prints its summary whatever its
verdict; with --json only JSON goes to stdout (the summary, or an `error` object when no
summary exists), progress and Prefect's logs go to stderr.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any, NoReturn, TypeVar

from v2_backfill import backfill, config, prisma, sync
from v2_backfill.config import (
    DEFAULT_LOCK_TIMEOUT,
    BackfillConfig,
    DatabaseTarget,
    Fallback,
    Tolerances,
    database_url_from,
    parse_database_url,
    without_password,
)
from v2_backfill.db import open_database
from v2_backfill.errors import DataQualityError, UsageError, V2BackfillError
from v2_backfill.lock import run_lock
from v2_backfill.preview import format_preview, preview
from v2_backfill.rollback import format_rollback, rollback

EXIT_CODES = """exit codes:
  0  success
  1  data-quality failure: a critical check failed (backfill, sync: nothing was published;
     validate: the published state is wrong); see the report
  2  usage or connection error (bad option, unknown URL, unreachable or read-only database,
     database locked by another writer beyond --lock-timeout, unusable bookkeeping file,
     another run in progress, preview not approved, a sync or validate before any backfill)
  3  preflight failure: legacy tables/columns missing or V2 tables not in Prisma's shape;
     nothing was written
"""

T = TypeVar("T")


def _argument(parse: Callable[[str], T]) -> Callable[[str], T]:
    """An argparse type from a parser of the core: its UsageError becomes argparse's error."""

    def convert(text: str) -> T:
        try:
            return parse(text)
        except UsageError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return convert


parse_duration_ms = _argument(config.parse_duration_ms)
parse_share = _argument(config.parse_share)
parse_report_dir = _argument(config.parse_report_dir)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}")
    return value


class _Parser(argparse.ArgumentParser):
    """argparse, its usage errors raised as UsageError: reported like every other error
    (with --json, as an `error` object)."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        raise UsageError(message, hint=f"see `{self.prog} --help`")


def build_parser() -> argparse.ArgumentParser:
    """The command line, with every subcommand and option documented."""
    parser = _Parser(
        prog="v2-backfill",
        description="Move Property Sync's legacy messaging into the V2 per-property schema.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--json",
        action="store_true",
        help="print the summary (also of a failed gate), or the error, as JSON on stdout",
    )
    common.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")

    rules = argparse.ArgumentParser(add_help=False)
    rules.add_argument(
        "--thread-window",
        type=parse_duration_ms,
        default=2 * 3_600_000,
        metavar="DURATION",
        help="the longest silence inside a topic run of a shared conversation: the upper "
        "bound of each conversation's own threshold (default 2h; e.g. 90m, 30s)",
    )
    rules.add_argument(
        "--min-confidence",
        type=parse_share,
        default=BackfillConfig.min_confidence,
        metavar="CONFIDENCE",
        help="quarantine text-rule placements less confident than this (default 0.97; 0.9 or 90%%)",
    )
    rules.add_argument(
        "--fallback",
        choices=[f.value for f in Fallback],
        default=Fallback.QUARANTINE.value,
        help="shared messages with no evidence: quarantine them (default) or give them to "
        "the timeline's primary property",
    )
    rules.add_argument(
        "--chunk-size",
        type=_positive_int,
        default=5000,
        metavar="N",
        help="rows per chunk when streaming shared conversations' messages (default 5000)",
    )
    rules.add_argument(
        "--partitions",
        type=_positive_int,
        default=1,
        metavar="N",
        help="split the text rules into N buckets of timelines, one task each, run in parallel "
        "(default 1: serial; preview always runs them serially)",
    )
    rules.add_argument(
        "--dask-address",
        metavar="tcp://HOST:PORT",
        help="run the text rules' tasks on this Dask scheduler (default: Prefect's thread pool)",
    )

    gate = argparse.ArgumentParser(add_help=False)
    gate.add_argument(
        "--report-dir",
        type=parse_report_dir,
        metavar="DIR",
        help="where the run's report goes: index.html, summary.json, GX Data Docs "
        "(default reports/<run id>/)",
    )
    gate.add_argument(
        "--quarantine-warn",
        type=parse_share,
        default=Tolerances.quarantine_warn_share,
        metavar="SHARE",
        help="warn when more than this share of legacy messages is quarantined (default 5%%)",
    )
    gate.add_argument(
        "--quarantine-fail",
        type=parse_share,
        default=Tolerances.quarantine_fail_share,
        metavar="SHARE",
        help="fail the gate when more than this share is quarantined (default 25%%)",
    )
    database = argparse.ArgumentParser(add_help=False)
    database.add_argument(
        "--db",
        metavar="URL",
        help="the app's database: file:./dev.db, sqlite:///path, or "
        "postgresql://user@host:5432/db?schema=public (default: $DATABASE_URL)",
    )
    database.add_argument(
        "--lock-timeout",
        type=parse_duration_ms,
        default=DEFAULT_LOCK_TIMEOUT,
        metavar="DURATION",
        help="how long to wait for a lock another writer holds on the database before giving "
        f"up with exit 2 (default {DEFAULT_LOCK_TIMEOUT}; e.g. 2m, 10s)",
    )

    shape = argparse.ArgumentParser(add_help=False)
    shape.add_argument(
        "--allow-extra-indexes",
        action="store_true",
        help="accept indexes on the V2 tables that Prisma does not generate (noted, not drift)",
    )

    run = sub.add_parser(
        "backfill",
        parents=[common, database, rules, gate, shape],
        help="backfill the V2 tables from the legacy ones",
        description="Create the V2 tables if missing, split shared conversations by property, "
        "copy every legacy message (or quarantine it with a reason), recompute unread counts. "
        "The result is written to staging, audited by the data-quality gate and published in "
        "one transaction only if the gate passes. Safe to re-run: a second run changes nothing. "
        "On an interactive terminal it shows the preview first and asks for approval.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument(
        "--dry-run", action="store_true", help="only show the preview (same as `preview`)"
    )
    run.add_argument(
        "--yes", action="store_true", help="do not ask for approval on an interactive terminal"
    )
    sub.add_parser(
        "preview",
        parents=[common, database, rules, shape],
        help="show what a backfill would do, writing nothing anywhere",
        description="Run the backfill's steps inside a transaction that is rolled back and "
        "print the plan: the DDL that would run (only for what is missing), any drift from "
        "Prisma's shape, the conversations to create and to reuse, the messages to copy by rule "
        "and to quarantine by reason, with examples. Writes nothing: not the app's tables, "
        "not the bookkeeping store, not the SQLite sidecar file.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub.add_parser(
        "validate",
        parents=[common, database, gate, shape],
        help="run the data-quality checks on the current V2 state and write the report",
        description="Audit the published V2 tables against legacy and the pipeline's lineage "
        "(reconciliation by id, uniqueness, references, domains, content checksums, unread "
        "counts, encodings, native rows) and write the report. Writes nothing to the app's "
        "tables. Exit 0 when every critical check passes, 1 otherwise.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )

    changes = argparse.ArgumentParser(add_help=False)
    changes.add_argument(
        "--lookback",
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
    run_sync = sub.add_parser(
        "sync",
        parents=[common, database, changes, gate, shape],
        help="bring V2 up to date with the legacy changes since the last run",
        description="Read the legacy rows created or updated since the last successful run "
        "(a cursor per table, minus --lookback), place them with the backfill's rules, "
        "upsert them (read state only ever turns read; legacy edits carry over), recount the "
        "conversations touched, audit that slice with the data-quality gate and publish it "
        "with the new cursors in one transaction. --reconcile re-examines every legacy message "
        "and reports hard deletes (removed from V2 only with --propagate-deletes). Needs a "
        "backfill first.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run_sync.add_argument(
        "--reconcile",
        action="store_true",
        help="re-examine every legacy message and find hard deletes (the daily pass)",
    )
    run_sync.add_argument(
        "--propagate-deletes",
        action="store_true",
        help="with --reconcile: remove from V2 the rows the pipeline created for messages "
        "deleted in legacy (never any other row)",
    )
    run_sync.add_argument(
        "--chunk-size",
        type=_positive_int,
        default=5000,
        metavar="N",
        help="rows per chunk when streaming shared conversations' messages (default 5000)",
    )
    serve = sub.add_parser(
        "serve",
        parents=[common, database, changes],
        help="serve the sync and the daily reconcile as Prefect deployments on schedules",
        description="Register two Prefect deployments of the incremental_sync flow, `sync` "
        "(every --cron) and `reconcile` (every --reconcile-cron), each with a concurrency "
        "limit of 1, and run their flow runs in this process until interrupted. Runs show "
        "in the Prefect UI of $PREFECT_API_URL. The database URL stays in this process's "
        "environment, not in the deployments' parameters.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
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

    demo = sub.add_parser(
        "demo",
        parents=[common, rules, gate],
        help="generate a realistic legacy SQLite database and backfill it",
        description="(Re)create DIR/dev.db with several agents and timelines, shared and "
        "property-specific conversations, addresses in several spellings and a few broken "
        "rows, in Prisma's encodings; then backfill it.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    demo.add_argument("--dir", type=Path, default=Path("demo"), help="folder (default ./demo)")
    demo.add_argument(
        "--messages", type=_positive_int, default=2000, help="legacy messages (default 2000)"
    )
    demo.add_argument("--seed", type=int, default=7, help="random seed (default 7)")

    migration = sub.add_parser(
        "prisma-migration",
        parents=[common, database],
        help="write the V2 tables' DDL as a Prisma migration for the app's history",
        description="Write DIR/<UTC timestamp>_<name>/migration.sql holding exactly the DDL "
        "the backfill runs for the database's dialect (and DIR/migration_lock.toml when "
        "missing), then print the `npx prisma migrate resolve --applied` command that records "
        "it as applied. The database is only read: refused (exit 3) when its V2 tables are "
        "not in Prisma's shape.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
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

    undo = sub.add_parser(
        "rollback",
        parents=[common, database],
        help="remove exactly the rows that backfill runs created",
        description="In one transaction, remove the messages_v2 rows in the selected runs' "
        "lineage (never any other row), their lineage and quarantine, and the conversations "
        "they created that now hold no other message or notification; recompute the unread "
        "counts and lastMessageAt of every conversation that lost messages. The rolled-back "
        "runs are marked rolled_back and the rollback is recorded as a run. Legacy tables, "
        "native messages and notifications are never touched. Choose --run RUN_ID or --all.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `v2-backfill` console script."""
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        args = build_parser().parse_args(argv)
    except UsageError as exc:  # no options parsed: --json is looked for in the raw arguments
        return _fail(exc, as_json="--json" in argv, debug=False)
    _configure_logging(args.debug)
    try:
        summary = _dispatch(args)
    except Exception as exc:  # ours or unexpected: a short message and an exit code
        return _fail(exc, as_json=args.json, debug=args.debug)
    _print_summary(summary, as_json=args.json)
    return 0


def _dispatch(args: argparse.Namespace) -> dict[str, Any]:
    if args.command == "demo":
        return _run_demo(args)
    if args.command == "prisma-migration":
        return prisma.write_migration(_target(args), args.out, args.name).summary()
    if args.command == "rollback":
        return rollback(
            _target(args), args.run, all_runs=args.all_runs, dry_run=args.dry_run
        ).to_dict()
    if args.command == "sync":
        return _run_sync(_sync_request(args), debug=args.debug)
    if args.command == "serve":
        return _serve(args)
    config = _config(args, _target(args))
    if args.command == "validate":
        return _run_validate(config, debug=args.debug)
    if args.command == "preview" or args.dry_run:
        return preview(config)
    if not args.yes and not args.json and _interactive():
        print(format_preview(preview(config)))
        if not _approved("Run this backfill? [y/N] "):
            raise UsageError("not approved: nothing was written", hint="run again when ready")
    return _run_backfill(config, debug=args.debug)


def _target(args: argparse.Namespace) -> DatabaseTarget:
    """The database of `--db` (or $DATABASE_URL), with the `--lock-timeout` its sessions use."""
    return parse_database_url(database_url_from(args.db), lock_timeout_ms=args.lock_timeout)


def _approved(question: str) -> bool:
    """Whether the person at the terminal answers yes; the end of input (Ctrl-D) is a no."""
    try:
        answer = input(question)
    except EOFError:
        print()  # the prompt's line ends here, not in the error that follows
        return False
    return answer.strip().lower() in ("y", "yes")


def _config(args: argparse.Namespace, target: Any) -> BackfillConfig:
    rules = {
        key: getattr(args, key)
        for key in (
            "thread_window",
            "min_confidence",
            "fallback",
            "chunk_size",
            "partitions",
            "dask_address",
        )  # fmt: skip
        if hasattr(args, key)
    }
    defaults = Tolerances()
    return BackfillConfig(
        target=target,
        thread_window_ms=rules.get("thread_window", BackfillConfig.thread_window_ms),
        min_confidence=rules.get("min_confidence", BackfillConfig.min_confidence),
        fallback=Fallback(rules.get("fallback", BackfillConfig.fallback)),
        chunk_size=rules.get("chunk_size", BackfillConfig.chunk_size),
        partitions=rules.get("partitions", BackfillConfig.partitions),
        dask_address=rules.get("dask_address"),
        tolerances=Tolerances(
            getattr(args, "quarantine_warn", defaults.quarantine_warn_share),
            getattr(args, "quarantine_fail", defaults.quarantine_fail_share),
        ),
        report_dir=getattr(args, "report_dir", None),
        allow_extra_indexes=getattr(args, "allow_extra_indexes", False),
    )


def _run_backfill(config: BackfillConfig, *, debug: bool = False) -> dict[str, Any]:
    _check(config, writes=True)  # bad input fails here, fast, before Prefect starts
    from flows.backfill import run_backfill  # Prefect is imported only when a flow runs

    if not debug:
        _hide_tracebacks(("prefect.flow_runs", "prefect.task_runs"))
    return run_backfill(config)


def _run_validate(config: BackfillConfig, *, debug: bool = False) -> dict[str, Any]:
    _check(config, after_backfill="validate")
    from flows.validate import validate

    if not debug:
        _hide_tracebacks(("prefect.flow_runs", "prefect.task_runs"))
    return validate(config)


def _check(
    config: BackfillConfig, *, after_backfill: str | None = None, writes: bool = False
) -> None:
    """Connect and run the preflight checks without writing anything; for a run that
    `writes`, also check that the database is writable and that no other run holds it; for
    a command that comes `after_backfill` (its name), that a backfill has run."""
    db = open_database(config.target, bookkeeping=False)
    try:
        report = backfill.preflight(db, allow_extra_indexes=config.allow_extra_indexes)
        if after_backfill and (report.create_v2_tables or not db.has_bookkeeping()):
            raise UsageError(
                f"no backfill has run on {config.target.describe()}: nothing to {after_backfill}",
                hint="run `v2-backfill backfill` first",
            )
        if writes:
            db.check_writable()
            if db.has_bookkeeping():
                _check_not_running(config)
    finally:
        db.dispose()


def _sync_request(args: argparse.Namespace) -> sync.SyncRequest:
    return sync.SyncRequest(
        db=args.db, lookback=args.lookback, reconcile=args.reconcile,
        propagate_deletes=args.propagate_deletes, replace=args.replace,
        report_dir=str(args.report_dir) if args.report_dir else None,
        quarantine_warn=str(args.quarantine_warn), quarantine_fail=str(args.quarantine_fail),
        allow_extra_indexes=args.allow_extra_indexes, chunk_size=args.chunk_size,
        lock_timeout=f"{args.lock_timeout}ms",
    )  # fmt: skip


def _run_sync(request: sync.SyncRequest, *, debug: bool = False) -> dict[str, Any]:
    target, _ = request.resolve()  # bad values fail here, before Prefect starts
    _check(
        BackfillConfig(target=target, allow_extra_indexes=request.allow_extra_indexes),
        after_backfill="sync",
        writes=True,
    )
    from flows.sync import incremental_sync

    if not debug:
        _hide_tracebacks(("prefect.flow_runs", "prefect.task_runs"))
    # the flow's parameters are stored by Prefect: the password stays in this process (`resolve`
    # registered it with the target), or in $DATABASE_URL when --db is left out
    return incremental_sync(**asdict(request) | {"db": request.db and without_password(request.db)})


def _serve(args: argparse.Namespace) -> dict[str, Any]:
    url = database_url_from(args.db)
    lock_timeout = f"{args.lock_timeout}ms"
    request = sync.SyncRequest(
        db=url, lookback=args.lookback, replace=args.replace, lock_timeout=lock_timeout
    )
    target, _ = request.resolve()
    _check(BackfillConfig(target=target), after_backfill="sync")
    from flows.deployments import serve_deployments

    os.environ["DATABASE_URL"] = url  # for the flow runs; never in the deployments
    serve_deployments(
        sync_cron=args.cron,
        reconcile_cron=args.reconcile_cron,
        lookback=args.lookback,
        replace=args.replace,
        propagate_deletes=args.propagate_deletes,
        lock_timeout=lock_timeout,
    )
    return {"kind": "serve", "database": target.describe(), "stopped": True}


def _interactive() -> bool:
    """Whether a person is at the terminal to approve the preview."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def _check_not_running(config: BackfillConfig) -> None:
    """Fail fast when another run holds the lock (the flow takes the lock for real) or the
    bookkeeping store cannot be opened."""
    db = open_database(config.target)
    try:
        with run_lock(db, mark_interrupted=False), db.connect():
            pass
    finally:
        db.dispose()


class _NoTraceback(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info = None
        record.exc_text = None
        return True


def _hide_tracebacks(logger_names: Sequence[str]) -> None:
    """Failures are logged by Prefect with their traceback; without --debug keep one line."""
    for name in logger_names:
        logging.getLogger(name).addFilter(_NoTraceback())


def _run_demo(args: argparse.Namespace) -> dict[str, Any]:
    from devtools.demo import write_sqlite

    folder: Path = args.dir
    folder.mkdir(parents=True, exist_ok=True)
    database = folder / "dev.db"
    target = parse_database_url(f"file:{database.resolve()}")
    for stale in (database, target.sidecar_path):
        if stale is not None and stale.exists():
            stale.unlink()
    stats = write_sqlite(database, messages=args.messages, seed=args.seed)
    logging.getLogger("v2_backfill").info(
        "demo database written: %s (%s)", database, stats.describe()
    )
    summary = _run_backfill(_config(args, target), debug=args.debug)
    return {**summary, "demo": {"database": str(database), **stats.to_dict()}}


def _known_cause(exc: BaseException) -> V2BackfillError | None:
    """The first error in the cause chain that says what went wrong in our terms (a chain
    that loops back on itself is walked once)."""
    seen: BaseException | None = exc
    walked: set[int] = set()
    while seen is not None and id(seen) not in walked:
        if isinstance(seen, V2BackfillError):
            return seen
        walked.add(id(seen))
        seen = seen.__cause__ or seen.__context__
    return None


def _fail(exc: Exception, *, as_json: bool, debug: bool) -> int:
    """Report a failure and return its exit code: the error on stderr; on stdout the run's
    summary when it carries one (a failed gate), else with --json an `error` object."""
    if debug:
        traceback.print_exception(exc, file=sys.stderr)
    known = _known_cause(exc)
    if known is None:  # an unexpected failure: still a short message, code 2
        code, message, hint = 2, str(exc), "run again with --debug for the traceback"
        print(f"v2-backfill: {type(exc).__name__}: {exc}", file=sys.stderr)
        if not debug:
            print(f"  ({hint})", file=sys.stderr)
    else:
        code, message, hint = known.exit_code, known.message, known.hint
        print(f"v2-backfill: error: {known}", file=sys.stderr)
    if isinstance(known, DataQualityError) and known.summary is not None:
        _print_summary(known.summary, as_json=as_json)
    elif as_json:
        _print_json({"error": {"code": code, "message": message, "hint": hint}})
    return code


def _configure_logging(debug: bool) -> None:
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


def _print_summary(summary: dict[str, Any], *, as_json: bool) -> None:
    if as_json:
        _print_json(summary)
    else:
        print(format_summary(summary))


def _print_json(value: dict[str, Any]) -> None:
    json.dump(value, sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")


def format_summary(summary: dict[str, Any]) -> str:
    """The run summary as a short human-readable report."""
    if summary.get("kind") == "validate":
        return _format_validation(summary)
    if summary.get("kind") == "preview":
        return format_preview(summary)
    if summary.get("kind") == "rollback":
        return format_rollback(summary)
    if "migration" in summary:
        return prisma.format_next_step(summary)
    if summary.get("kind") == "serve":
        return f"served the sync deployments of {summary['database']}: stopped"
    sync_kind = summary.get("kind") == "sync"
    title = ("reconciling sync" if summary.get("reconcile") else "sync") if sync_kind else "run"
    lines = [f"{title} {summary['run_id']} on {summary['database']}"]
    if not summary["gate_passed"]:  # nothing published: the summary's counts are all 0
        lines.append("  nothing was published; what the run would have published is in the report")
        return "\n".join(lines + _gate_lines(summary))
    if sync_kind:
        since = summary["read_since"]
        lines.append(
            "  read changes since:       " + (", ".join(f"{t} {at}" for t, at in since.items())
                                              if since else "the beginning (every message)")
        )  # fmt: skip
    else:
        lines.append(
            f"  V2 tables created:        {'yes' if summary['v2_tables_created'] else 'no'}"
        )
    lines += [
        f"  legacy messages:          {summary['legacy_messages']}",
        f"  messages copied:          {summary['messages_copied']}",
        f"  messages updated:         {summary['messages_updated']}",
        f"  already migrated:         {summary['messages_already_migrated']}",
        f"  conversations created:    {summary['conversations_created']}",
        f"  conversations reused:     {summary['conversations_reused']}",
        f"  re-placements found:      {summary['replacements_found']}"
        f" ({summary['replacements_applied']} applied)",
    ]
    if sync_kind and summary.get("reconcile"):
        lines.append(
            f"  deleted in legacy:        {summary['deletions_found']}"
            f" ({summary['deletions_removed']} removed from V2)"
        )
    lines += [
        "  attribution by rule:",
        *_counts(summary["attribution_by_rule"]),
        "  quarantined by reason:",
        *_counts(summary["quarantined_by_reason"]),
    ]
    lines += _gate_lines(summary)
    lines += [f"  note: {note}" for note in summary.get("notes", [])]
    return "\n".join(lines)


def _format_validation(summary: dict[str, Any]) -> str:
    lines = [f"validation {summary['run_id']} on {summary['database']}"]
    lines += [f"  {key.replace('_', ' ') + ':':<26}{value}"
              for key, value in sorted(summary["figures"].items())]  # fmt: skip
    return "\n".join(lines + _gate_lines(summary))


def _gate_lines(summary: dict[str, Any]) -> list[str]:
    verdict = "passed" if summary["gate_passed"] else "FAILED"
    if summary["gate_passed"] and summary["checks_warned"]:
        verdict = "passed with warnings"
    lines = [f"  data-quality gate:        {verdict}"]
    lines += [f"    failed:  {name}" for name in summary["checks_failed"]]
    lines += [f"    warning: {name}" for name in summary["checks_warned"]]
    return lines + [f"  report:                   {summary['report']}"]


def _counts(counts: dict[str, int]) -> list[str]:
    if not counts:
        return ["    (none)"]
    return [f"    {name:<42}{value}" for name, value in sorted(counts.items())]


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
