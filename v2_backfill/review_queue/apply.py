"""`v2-backfill review apply`: a reviewers' decisions file checked whole, then made a batch.

`read_batch` reads the file (`frames.DECISION_COLUMNS`, or `audit_sample.csv` with its
decisions filled) and checks every line against the database before anything is written: an
unknown message or segment, a property of another timeline, an unknown decision, two lines
disagreeing about one message, a message no longer where the file says → `UsageError` naming
every bad line. Lines already applied (the same decision or label stored) are counted, not
applied again. The batch is then applied by the `review` flow, as a run of kind `review`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd

from v2_backfill.db import Database
from v2_backfill.errors import UsageError

PLACEABLE_REASONS = frozenset({
    "no_property_evidence", "ambiguous_address_mention", "conflicting_evidence",
    "low_confidence", "reviewer",
})  # fmt: skip
"""The quarantine reasons of the text rules (and a reviewer's): a reviewer may place those
messages. The others are faults in the data; such a message may only be left in quarantine."""

DETERMINISTIC_RULES = frozenset({"conversation_property", "single_property_timeline", "reviewer"})
"""Placements that are not heuristic: never sampled, never labelled."""

LABELS = ("correct", "wrong")


class Known(NamedTuple):
    """A legacy message as the bookkeeping has it (see `sql/common/review_known.sql`)."""

    message_id: str
    timeline_id: str | None
    segment: str | None
    reason: str | None
    property_id: str | None
    rule: str | None
    decided: bool
    decided_property: str | None
    label: str | None


@dataclass(frozen=True)
class ReviewBatch:
    """The valid new decisions and labels of one file."""

    file: str
    reviewer: str
    decisions: tuple[tuple[str, str | None, str | None], ...] = ()
    """(message id, property id or None for quarantine, segment)."""
    labels: tuple[tuple[str, str, str, str], ...] = ()
    """(message id, rule, placed property id, `correct` / `wrong`)."""
    unchanged: int = 0
    """Messages the file names whose decision or label is already stored."""

    def summary(self) -> dict[str, Any]:
        """The batch's figures for the run's summary."""
        placed = sum(1 for _, property_id, _ in self.decisions if property_id is not None)
        return {
            "file": self.file,
            "reviewer": self.reviewer,
            "decisions_placed": placed,
            "decisions_quarantined": len(self.decisions) - placed,
            "labels_correct": sum(1 for *_, label in self.labels if label == "correct"),
            "labels_wrong": sum(1 for *_, label in self.labels if label == "wrong"),
            "unchanged": self.unchanged,
        }


@dataclass
class _Check:
    """What the lines say so far: the outcome per message with the line saying it, problems."""

    known: dict[str, Known]
    timeline_of: dict[str, str]
    segments: dict[str, list[str]]
    wanted: dict[str, tuple[tuple[str, str | None], int]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    unchanged: set[str] = field(default_factory=set)

    def bad(self, line: int, text: str) -> None:
        self.problems.append(f"line {line}: {text}")

    def want(self, line: int, message_id: str, outcome: tuple[str, str | None]) -> None:
        earlier = self.wanted.get(message_id)
        if earlier is not None and earlier[0] != outcome:
            self.bad(line, f"disagrees with line {earlier[1]} about message {message_id}")
        elif earlier is None:
            self.wanted[message_id] = (outcome, line)


def read_batch(db: Database, path: Path, reviewer: str) -> ReviewBatch:
    """Check the decisions file `path` whole against the database; the batch of what it
    changes. Raises `UsageError` naming every bad line (nothing is written either way)."""
    rows = _read_csv(path)
    with db.connect() as conn:
        known = {r.message_id: Known(*r) for r in db.query(conn, "review_known")}
        timeline_of = {r.property_id: r.timeline_id for r in db.query(conn, "property_timelines")}
    segments: dict[str, list[str]] = {}
    for k in known.values():
        if k.segment is not None:
            segments.setdefault(k.segment, []).append(k.message_id)
    check = _Check(known, timeline_of, segments)
    for line, row in rows:
        _check_line(check, line, row)
    if check.problems:
        raise UsageError(
            f"{path}: {len(check.problems)} bad line(s), nothing was written:\n  "
            + "\n  ".join(check.problems),
            hint="fix those lines (or clear their decision) and apply the file again",
        )
    return _batch(check, str(path), reviewer)


def _read_csv(path: Path) -> list[tuple[int, dict[str, str]]]:
    """The file's rows with their line numbers (the header is line 1), blank decisions left
    out."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except FileNotFoundError as exc:
        raise UsageError(f"no such decisions file: {path}", hint="name a CSV file") from exc
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path} is not a CSV file: {exc}", hint="name a CSV file") from exc
    if "decision" not in frame or not {"message_id", "segment"} & set(frame.columns):
        raise UsageError(
            f"{path}: line 1 has no 'decision' column, or neither 'message_id' nor 'segment'",
            hint="use the columns of decisions.csv, queue.csv or audit_sample.csv",
        )
    records = frame.to_dict("records")
    return [(i + 2, r) for i, r in enumerate(records) if r["decision"].strip()]


def _check_line(check: _Check, line: int, row: dict[str, str]) -> None:
    message_id = row.get("message_id", "").strip()
    segment = row.get("segment", "").strip()
    decision = row["decision"].strip()
    chosen = row.get("property_id", "").strip() or None
    word = decision.lower()
    if word in LABELS:
        if not message_id:
            check.bad(line, f"a '{word}' label needs the message_id of an audited placement")
        else:
            _check_label(check, line, message_id, word, chosen)
        return
    if word != "quarantine" and decision not in check.timeline_of:
        check.bad(line, f"unknown decision {decision!r}: a property id of the message's "
                        "timeline, 'quarantine', 'correct' or 'wrong'")  # fmt: skip
        return
    target = None if word == "quarantine" else decision
    if message_id:
        members = [message_id]
    elif segment in check.segments:
        members = check.segments[segment]
    else:
        check.bad(
            line, f"unknown segment {segment!r}" if segment else "names no message_id or segment"
        )
        return
    for member in members:
        _check_decision(check, line, member, target)


def _check_decision(check: _Check, line: int, message_id: str, target: str | None) -> None:
    known = check.known.get(message_id)
    if known is None:
        check.bad(line, f"unknown message {message_id!r}")
        return
    if known.decided:
        if known.decided_property != target:
            where = known.decided_property or "quarantine"
            check.bad(line, f"message {message_id} was already decided ({where})")
        else:
            check.unchanged.add(message_id)
        return
    if known.rule is not None:
        check.bad(line, f"message {message_id} is no longer in quarantine "
                        f"(placed in {known.property_id} by {known.rule})")  # fmt: skip
        return
    if target is not None:
        if known.reason not in PLACEABLE_REASONS:
            check.bad(line, f"message {message_id} cannot be placed: quarantined for "
                            f"{known.reason} (only 'quarantine' applies)")  # fmt: skip
            return
        if check.timeline_of[target] != known.timeline_id:
            check.bad(line, f"property {target} is of another timeline than message "
                            f"{message_id}'s ({known.timeline_id})")  # fmt: skip
            return
    check.want(line, message_id, ("decide", target))


def _check_label(check: _Check, line: int, message_id: str, label: str, chosen: str | None) -> None:
    known = check.known.get(message_id)
    if known is None:
        check.bad(line, f"unknown message {message_id!r}")
        return
    if known.label is not None:
        if known.label != label:
            check.bad(line, f"message {message_id} was already labelled {known.label}")
        else:
            check.unchanged.add(message_id)
        return
    if known.rule is None or known.rule in DETERMINISTIC_RULES:
        where = "in quarantine" if known.rule is None else f"placed by {known.rule}"
        check.bad(line, f"message {message_id} is no longer at a heuristic placement ({where})")
        return
    right = chosen if label == "wrong" and chosen != known.property_id else None
    if label == "correct" and chosen not in (None, known.property_id):
        check.bad(line, f"message {message_id} is no longer at the audited placement "
                        f"{chosen} (now in {known.property_id})")  # fmt: skip
        return
    if right is not None and check.timeline_of.get(right) != known.timeline_id:
        check.bad(line, f"property {right} is of another timeline than message "
                        f"{message_id}'s ({known.timeline_id})")  # fmt: skip
        return
    check.want(line, message_id, (label, right))


def _batch(check: _Check, file: str, reviewer: str) -> ReviewBatch:
    decisions, labels = [], []
    for message_id, ((kind, target), _line) in sorted(check.wanted.items()):
        known = check.known[message_id]
        if kind == "decide":
            decisions.append((message_id, target, known.segment))
            continue
        labels.append((message_id, known.rule or "", known.property_id or "", kind))
        if target is not None:
            decisions.append((message_id, target, None))
    unchanged = len(check.unchanged - set(check.wanted))
    return ReviewBatch(file, reviewer, tuple(decisions), tuple(labels), unchanged)
