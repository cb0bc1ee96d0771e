"""How the commands print their summaries: as text for a person, or as JSON on stdout."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

Render = Callable[[dict[str, Any]], str]
"""A command's summary as text."""


def print_summary(summary: dict[str, Any], render: Render, *, as_json: bool) -> None:
    """Print a summary: with `as_json` as JSON, else as `render` words it."""
    if as_json:
        print_json(summary)
    else:
        print(render(summary))


def print_json(value: dict[str, Any]) -> None:
    """One JSON object on stdout, keys sorted."""
    json.dump(value, sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")


def format_run(summary: dict[str, Any]) -> str:
    """A backfill's or a sync's summary as a short human-readable report."""
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
        if summary.get("indexes_created"):
            lines.append(f"  V2 indexes created:       {', '.join(summary['indexes_created'])}")
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


def format_validation(summary: dict[str, Any]) -> str:
    """A validation's outcome: the published state's figures and the gate's verdict."""
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
