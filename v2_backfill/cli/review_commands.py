"""`v2-backfill review export | apply | status`: the reviewers' loop over the quarantine."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from v2_backfill import runs, session, sync
from v2_backfill.cli.options import Parents, add_command, positive_int
from v2_backfill.cli.render import format_run
from v2_backfill.cli.running import target_of
from v2_backfill.config import BackfillConfig, Tolerances
from v2_backfill.db import Database


def add_commands(sub: argparse._SubParsersAction, parents: Parents) -> None:
    """Add `review` and its actions to the command line."""
    review = add_command(
        sub, "review", [],
        help="export the quarantine for reviewers, apply their decisions, show the state",
        description="The review loop: `export` writes queue.csv, audit_sample.csv and the "
        "review page; `apply` checks a decisions file whole and applies it as a run of kind "
        "review (gate, report, rollback); `status` prints decided and pending messages.",
    )  # fmt: skip
    actions = review.add_subparsers(dest="action", required=True, metavar="ACTION",
                                    parser_class=type(review))  # fmt: skip
    shared = [parents.common, parents.database, parents.shape]
    export = add_command(
        actions, "export", shared, help="write the review queue",
        description="Write queue.csv, audit_sample.csv and index.html into DIR.",
    )  # fmt: skip
    export.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder")
    export.add_argument("--sample", type=positive_int, default=200,
                        help="heuristic placements in the audit sample (default 200)")  # fmt: skip
    export.add_argument("--seed", type=int, default=1, help="the sample's seed (default 1)")
    export.set_defaults(handler=_export, render=_format_export)
    apply = add_command(actions, "apply", [*shared, parents.gate], help="apply a decisions file",
                        description="Check FILE.csv whole (exit 2 naming every bad line, "
                        "nothing written), then apply it as a run of kind review.")  # fmt: skip
    apply.add_argument("file", type=Path, metavar="FILE.csv")
    apply.add_argument("--reviewer", default="reviewer", help="recorded with each decision")
    apply.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
    apply.set_defaults(handler=_apply, render=_format_apply, service="review-apply")
    status = add_command(actions, "status", shared, help="decided and pending messages",
                         description="Decided / pending messages by reason, segments.")  # fmt: skip
    status.set_defaults(handler=_status, render=_format_status)


def _format_export(summary: dict[str, Any]) -> str:
    lines = [
        f"review queue of {summary['database']} written to {summary['folder']}",
        f"  queue.csv:         {summary['queued_messages']} message(s) in "
        f"{summary['segments']} segment(s)",
        f"  audit_sample.csv:  {summary['audit_sample']} heuristic placement(s)",
        f"  review page:       {summary['page']}",
    ]
    return "\n".join(lines + [f"  note: {note}" for note in summary["notes"]])


def _format_apply(summary: dict[str, Any]) -> str:
    review = summary["review"]
    figures = [
        f"  decisions placing:      {review['decisions_placed']}",
        f"  decisions quarantining: {review['decisions_quarantined']}",
        f"  labels correct / wrong: {review['labels_correct']} / {review['labels_wrong']}",
        f"  unchanged:              {review['unchanged']}",
    ]
    if summary["run_id"] is not None:
        return "\n".join([format_run(summary), "  review:", *figures])
    head = "dry run of" if summary["dry_run"] else "nothing new in"
    return "\n".join([f"{head} {review['file']} on {summary['database']}", *figures])


def _format_status(summary: dict[str, Any]) -> str:
    from v2_backfill.review_queue.status import format_review_status

    return format_review_status(summary)


def _export(args: argparse.Namespace) -> dict[str, Any]:
    from v2_backfill.review_queue.export import export

    with _reading(args) as db:
        return export(db, args.out, sample=args.sample, seed=args.seed)


def _status(args: argparse.Namespace) -> dict[str, Any]:
    from v2_backfill.review_queue.status import review_status

    with _reading(args) as db:
        return review_status(db)


@contextmanager
def _reading(args: argparse.Namespace) -> Iterator[Database]:
    """The database of `--db`, opened and checked as a run's session (no lock taken)."""
    config = BackfillConfig(target=target_of(args), allow_extra_indexes=args.allow_extra_indexes)
    unpublished = session.no_backfill_yet(config.target, "review")
    with session.opened(config, unpublished=unpublished) as run:
        yield run.db


def _apply(args: argparse.Namespace) -> dict[str, Any]:
    from v2_backfill.review_queue.apply import read_batch

    target = target_of(args)
    base = BackfillConfig(target=target, allow_extra_indexes=args.allow_extra_indexes)
    unpublished = session.no_backfill_yet(target, "review")
    run_id = runs.new_run_id()
    with session.prepared(
        run_id, session.opened(base, writes=True, unpublished=unpublished)
    ) as run:
        batch = read_batch(run.db, args.file, args.reviewer)
        figures = {"kind": "review", "database": target.describe(), "dry_run": args.dry_run,
                   "review": batch.summary()}  # fmt: skip
        if args.dry_run or not (batch.decisions or batch.labels):
            return {**figures, "run_id": None}
        tolerances = Tolerances(
            args.quarantine_warn, args.quarantine_fail, args.min_estimated_precision
        )
        rules = sync.backfill_rules(run.db)
        config = sync.SyncConfig(
            target=target, tolerances=tolerances, report_dir=args.report_dir,
            allow_extra_indexes=args.allow_extra_indexes,
        ).run_config(rules)  # fmt: skip
        from flows.review import review

        return review(config, run_id, batch)
