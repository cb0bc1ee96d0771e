"""Reviewer-facing renderings of a run's report dictionary (the content of `summary.json`).

`write_report` writes `summary.json` and the page of `report_html.render_html` into a run's
report folder, and rewrites the GX Data Docs beside them to render offline
(`v2_backfill.quality.data_docs`): the whole folder opens without a network.
`render_markdown` and `checks_table` feed Prefect artifacts. Standard library only.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from v2_backfill.quality import data_docs
from v2_backfill.quality.report_html import render_html
from v2_backfill.quality.report_words import (
    BADGES,
    NOTHING_PUBLISHED,
    check_result,
    number,
    seconds,
    unpublished,
    verdict,
    would_have,
)

__all__ = ["NOTHING_PUBLISHED", "checks_table", "render_html", "render_markdown", "write_report"]


def checks_table(report: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per check (check, severity, result, unexpected), for a Prefect table artifact."""
    return [
        {
            "check": check["name"],
            "severity": check["severity"],
            "result": check_result(check),
            "unexpected": check["unexpected_count"],
        }
        for check in report["checks"]
    ]


def render_markdown(report: dict[str, Any]) -> str:
    """A compact markdown summary of the run, for a Prefect markdown artifact."""
    run = report["run"]
    checks = [
        [row["check"], row["severity"], BADGES[row["result"]], number(row["unexpected"])]
        for row in checks_table(report)
    ]
    if unpublished(report):
        figures = [
            f"**{NOTHING_PUBLISHED}**",
            "## Figures (would have; nothing was published)",
            _markdown_would_have(report["figures"]),
        ]
    else:
        figures = ["## Figures", _markdown_counts(report["figures"], "figure")]
    notes = ["## Preflight notes", *(f"- {note}" for note in run["notes"])] if run["notes"] else []
    command = run["rollback_command"]
    rollback = [f"Undo it: `{command}`"] if command else []
    parts = [
        f"# v2-backfill {run['kind']} run: {verdict(report)}",
        f"**{verdict(report)}**: run `{run['run_id']}` on `{run['database']}` "
        f"{run['status']} in {seconds(run['duration_seconds'])}.",
        *rollback,
        *notes,
        *figures,
        "## Legacy changes after the snapshot (left to the next sync)",
        _markdown_counts(report["changes_after_snapshot"], "change"),
        "## Checks",
        _markdown_table(["check", "severity", "result", "unexpected"], checks),
        "## Attribution by rule",
        _markdown_counts(report["attribution_by_rule"], "rule"),
        "## Quarantined by reason",
        _markdown_counts(report["quarantined_by_reason"], "reason"),
    ]
    return "\n\n".join(parts) + "\n"


def write_report(report: dict[str, Any], report_dir: Path) -> Path:
    """Write `summary.json` and `index.html` into `report_dir` (created if needed), and make
    the Data Docs in its `gx/` folder, if any, render offline (`data_docs.make_offline`).

    Other files in the folder are left alone. Returns the path of `index.html`.
    """
    report_dir.mkdir(parents=True, exist_ok=True)
    summary = json.dumps(report, indent=2, sort_keys=True, default=str) + "\n"
    (report_dir / "summary.json").write_text(summary, encoding="utf-8")
    index = report_dir / "index.html"
    index.write_text(render_html(report), encoding="utf-8")
    if report["data_docs"]:
        data_docs.make_offline((report_dir / report["data_docs"]).parent)
    return index


def _markdown_counts(counts: Mapping[str, Any], label: str) -> str:
    rows = [[key, number(value)] for key, value in counts.items()]
    return _markdown_table([label, "count"], rows) if rows else "(none)"


def _markdown_would_have(figures: Mapping[str, Any]) -> str:
    lines = []
    for key, value in figures.items():
        before, after = would_have(key, value)
        lines.append(f"- {before} {number(value)} {after}")
    return "\n".join(lines)


def _markdown_table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    def line(cells: Iterable[str]) -> str:
        return "| " + " | ".join(str(cell).replace("|", "\\|") for cell in cells) + " |"

    return "\n".join([line(header), line("---" for _ in header), *map(line, rows)])
