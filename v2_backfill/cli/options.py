"""The command line's parser: the root, the option groups the commands share (each defined
once, as an argparse parent), and the argument types that wrap the core's parsers."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import NoReturn, TypeVar

from v2_backfill import config
from v2_backfill.config import DEFAULT_LOCK_TIMEOUT, Fallback, SqliteDatetime, Tolerances
from v2_backfill.errors import UsageError

EXIT_CODES = """exit codes:
  0  success
  1  data-quality failure: a critical check failed (backfill, sync: nothing was published;
     validate: the published state is wrong); see the report
  2  usage or connection error (bad option, unknown URL, unreachable or read-only database,
     database locked by another writer beyond --lock-timeout, unusable bookkeeping file,
     another run in progress, preview not approved, a sync or validate before any backfill,
     a Prefect API or Dask scheduler that does not answer, a full disk)
  3  preflight failure: legacy tables/columns missing or V2 tables not in Prisma's shape;
     nothing was written
  130, 143  stopped by SIGINT (Ctrl-C), SIGTERM: the run is recorded interrupted
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


def positive_int(text: str) -> int:
    """A whole number above 0."""
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


class Parents:
    """The option groups several commands share, each defined once."""

    def __init__(self) -> None:
        self.common = _group()
        self.common.add_argument(
            "--json",
            action="store_true",
            help="print the summary (also of a failed gate), or the error, as JSON on stdout",
        )
        self.common.add_argument(
            "--debug", action="store_true", help="show tracebacks and debug logs"
        )
        self.database = _database_options()
        self.rules = _rules_options()
        self.chunks = _group()
        self.chunks.add_argument(
            "--chunk-size",
            type=positive_int,
            default=config.BackfillConfig.chunk_size,
            metavar="N",
            help="rows per chunk when streaming shared conversations' messages (default 5000)",
        )
        self.scaling = _scaling_options()
        self.run_rules = [self.rules, self.chunks, self.scaling]
        """The text rules' options and how they run, in the order `--help` lists them."""
        self.gate = _gate_options()
        extra_indexes = _group()
        extra_indexes.add_argument(
            "--allow-extra-indexes",
            action="store_true",
            help="accept indexes on the V2 tables that Prisma does not generate (noted, not drift)",
        )
        self.datetime = _group()
        """`--sqlite-datetime` alone: for a command that writes DateTimes without checking the
        V2 tables' shape (rollback)."""
        self.datetime.add_argument(
            "--sqlite-datetime",
            choices=[e.value for e in SqliteDatetime],
            help="SQLite: the DateTime encoding the V2 app writes (INTEGER epoch ms, or ISO-8601 "
            "TEXT as Prisma's libsql adapter and Prisma 7 write it); default: the one its native "
            "V2 rows hold, epoch-ms when there are none; needed when they disagree",
        )
        self.shape = argparse.ArgumentParser(add_help=False, parents=[extra_indexes, self.datetime])
        """What a command that checks the V2 tables' shape accepts of it."""
        self.indexes = _group()
        self.indexes.add_argument(
            "--create-missing-indexes",
            action="store_true",
            help="create the Prisma indexes that existing V2 tables lack, in the publishing "
            "transaction (PostgreSQL: holds a SHARE lock on the table while each is built)",
        )


def _group() -> argparse.ArgumentParser:
    return argparse.ArgumentParser(add_help=False)


def _database_options() -> argparse.ArgumentParser:
    database = _group()
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
    return database


def _rules_options() -> argparse.ArgumentParser:
    rules = _group()
    rules.add_argument(
        "--thread-window",
        type=parse_duration_ms,
        default=config.BackfillConfig.thread_window_ms,
        metavar="DURATION",
        help="the longest silence inside a topic run of a shared conversation: the upper "
        "bound of each conversation's own threshold (default 2h; e.g. 90m, 30s)",
    )
    rules.add_argument(
        "--min-confidence",
        type=parse_share,
        default=config.BackfillConfig.min_confidence,
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
    return rules


def _scaling_options() -> argparse.ArgumentParser:
    scaling = _group()
    scaling.add_argument(
        "--partitions",
        type=positive_int,
        default=1,
        metavar="N",
        help="split the text rules into N buckets of timelines, one task each, run in parallel "
        "(default 1: serial; preview always runs them serially)",
    )
    scaling.add_argument(
        "--dask-address",
        metavar="tcp://HOST:PORT",
        help="run the text rules' tasks on this Dask scheduler (default: Prefect's thread pool)",
    )
    return scaling


def _gate_options() -> argparse.ArgumentParser:
    gate = _group()
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
    gate.add_argument(
        "--min-estimated-precision",
        type=parse_share,
        default=Tolerances.min_estimated_precision,
        metavar="SHARE",
        help="fail the gate when a heuristic rule's precision estimated from the reviewers' "
        "audit labels has a 95%% Wilson lower bound below this (default 0: off)",
    )
    return gate


def root_parser() -> tuple[argparse.ArgumentParser, argparse._SubParsersAction]:
    """The `v2-backfill` parser and the subparsers its commands are added to."""
    parser = _Parser(
        prog="v2-backfill",
        description="Move Property Sync's legacy messaging into the V2 per-property schema.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    return parser, parser.add_subparsers(dest="command", required=True, metavar="COMMAND")


def add_command(
    sub: argparse._SubParsersAction,
    name: str,
    parents: list[argparse.ArgumentParser],
    *,
    help: str,
    description: str,
) -> argparse.ArgumentParser:
    """A subcommand, with the exit codes under its help."""
    return sub.add_parser(
        name,
        parents=parents,
        help=help,
        description=description,
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
