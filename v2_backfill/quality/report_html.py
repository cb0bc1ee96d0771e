"""The report as one self-contained HTML page: inline CSS and SVG, nothing fetched, no script.

Every value taken from the report is escaped with `html.escape`; each displayed figure carries
its key and exact value (`data-key`, `data-value`) for machines and tests.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path
from typing import Any

from v2_backfill.quality import EXAMPLES
from v2_backfill.quality.report_blocks import (
    NONE,
    bar_chart,
    cell_text,
    data_attrs,
    key_value_row,
    key_value_table,
    rows_table,
    section,
    showing,
    table_head,
    union_keys,
)
from v2_backfill.quality.report_style import CSS
from v2_backfill.quality.report_words import (
    BADGES,
    NOTHING_PUBLISHED,
    check_result,
    counted,
    duration_ms,
    number,
    raw,
    seconds,
    singular,
    unpublished,
    verdict,
    would_have,
)

QUARANTINE_COLUMNS = (
    "excerpt",
    "sender_type",
    "created_at",
    "reason",
    "detail",
    "legacy_message_id",
    "legacy_conversation_id",
)
"""The quarantine table's columns: what a reviewer reads first leads (in print, too)."""
SPLIT_COLUMNS = ("property_id", "address", "conversation_id", "messages")

_VERDICT_CLASSES = {"PASSED": "pass", "FAILED": "fail", "PASSED WITH WARNINGS": "warn"}

# Horizontal bar charts, in SVG user units (1 unit = 1 CSS px at full width): the label
# column is as wide as the longest label at `_CHART_CHAR_WIDTH` a character (an upper bound
# of the 13px font's), then the longest bar, then room for the count.


REVIEW_COLUMNS = ("reason", "decided", "pending", "segments")
PRECISION_COLUMNS = ("rule", "sample_size", "correct", "precision", "wilson_low", "wilson_high")


def render_html(report: dict[str, Any]) -> str:
    """The whole report as one self-contained HTML5 page (no scripts, nothing remote)."""
    run = report["run"]
    title = f"v2-backfill {run['kind']} {run['run_id']}: {verdict(report)}"
    sections = [
        _run_section(report),
        _figures_section(report["figures"], would_have=unpublished(report)),
        _changes_section(report["changes_after_snapshot"]),
        _checks_section(report["checks"]),
        _attribution_section(report),
        _review_section(report),
        _quarantine_section(report),
        _splits_section(report),
        _docs_section(report["data_docs"]),
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        f"<h1>v2-backfill report</h1>\n{''.join(sections)}</body>\n</html>\n"
    )


# --- sections --------------------------------------------------------------------------------


def _run_section(report: Mapping[str, Any]) -> str:
    run, gate = report["run"], report["gate"]
    result = verdict(report)
    note = f'<p class="unpublished">{escape(NOTHING_PUBLISHED)}</p>' if unpublished(report) else ""
    details = {
        "run id": run["run_id"],
        "kind": run["kind"],
        "database": run["database"],
        "status": run["status"],
        "started": run["started_at"],
        "finished": run["finished_at"],
        "duration": seconds(run["duration_seconds"]),
    }
    body = (
        f'<div class="banner {_VERDICT_CLASSES[result]}" data-verdict="{escape(result)}">'
        f"{escape(result)}</div>"
        + note
        + _gate_list("Failed checks", gate["failed"])
        + _gate_list("Warnings", gate["warnings"])
        + '<div class="grid"><div>'
        + key_value_table(details, "run")
        + _rollback_block(run)
        + _notes_block(run["notes"])
        + "</div><div><h3>Parameters</h3>"
        + _parameters_table(run["parameters"])
        + "<h3>Step timings</h3>"
        + key_value_table(run["step_seconds"], "step", seconds)
        + "</div></div>"
    )
    return section("run", "Run", body)


def _rollback_block(run: Mapping[str, Any]) -> str:
    """How to undo the run: the exact command, or why there is nothing to undo."""
    if run["kind"] == "validate":
        return ""
    command = run["rollback_command"]
    if command is None:
        return '<h3>Rollback</h3><p class="none">Nothing to roll back: nothing was published.</p>'
    return (
        '<h3>Rollback</h3><p class="rollback">To undo this run (dry run first with '
        f"<code>--dry-run</code>):<br><code>{escape(command)}</code>"
        "</p>"
    )


def _notes_block(notes: Sequence[str]) -> str:
    """The preflight's notes: what it found and let pass (an extra index, an absent one)."""
    if not notes:
        return ""
    items = "".join(f"<li>{escape(note)}</li>" for note in notes)
    return f'<h3>Preflight notes</h3><ul class="notes">{items}</ul>'


def _parameters_table(parameters: Mapping[str, Any]) -> str:
    """The run's parameters; a duration in milliseconds (`thread_window_ms`) reads as the
    option takes it (`2h`), under its name without the unit."""
    if not parameters:
        return NONE
    rows = "".join(
        key_value_row(key.removesuffix("_ms"), key, value, duration_ms)
        if key.endswith("_ms")
        else key_value_row(key, key, value, number)
        for key, value in parameters.items()
    )
    return f"<table>{table_head(['parameter', 'value'])}<tbody>{rows}</tbody></table>"


def _figures_section(figures: Mapping[str, Any], *, would_have: bool) -> str:
    """One card per figure: its number and label; for a run that published nothing, the
    number between the words of `would_have` (`would have migrated` / 271 / `messages`)."""
    cards = "".join(_figure_card(key, value, would_have) for key, value in figures.items())
    body = f'<div class="figures">{cards}</div>' if cards else NONE
    title = "What this run would have published" if would_have else "Headline figures"
    return section("figures", title, body)


def _figure_card(key: str, value: Any, unpublished_run: bool) -> str:
    figure = f'<div class="figure-value"{data_attrs(key, value)}>{escape(number(value))}</div>'
    if not unpublished_run:
        label = key.replace("_", " ")
        label = singular(label) if value == 1 else label
        return f'<div class="figure">{figure}<div class="figure-label">{escape(label)}</div></div>'
    before, after = would_have(key, value)
    return (
        f'<div class="figure would-have"><div class="figure-label">{escape(before)}</div>'
        f'{figure}<div class="figure-label">{escape(after)}</div></div>'
    )


def _changes_section(changes: Mapping[str, int]) -> str:
    note = (
        "<p>The run judged legacy as of one snapshot. What the app wrote to legacy after it "
        "is not part of this run: the next <code>v2-backfill sync</code> carries it.</p>"
    )
    return section(
        "changes",
        "Legacy changes after the snapshot",
        note + key_value_table(changes, "change", number),
    )


def _gate_list(label: str, names: Sequence[str]) -> str:
    if not names:
        return ""
    items = ", ".join(f"<code>{escape(name)}</code>" for name in names)
    return f"<p><strong>{escape(label)}:</strong> {items}</p>"


def _checks_section(checks: Sequence[Mapping[str, Any]]) -> str:
    if not checks:
        return section("checks", "Checks", NONE)
    head = table_head(["check", "description", "severity", "result", "unexpected"])
    bodies = "".join(_check_rows(check) for check in checks)
    table = f'<div class="scroll"><table class="checks wide">{head}{bodies}</table></div>'
    return section("checks", "Checks", table)


def _check_rows(check: Mapping[str, Any]) -> str:
    result = check_result(check)
    success = "true" if check["success"] else "false"
    row = (
        f'<tr data-check="{escape(check["name"])}" data-success="{success}">'
        f"<td><code>{escape(check['name'])}</code></td>"
        f"<td>{cell_text(check['description'])}</td><td>{cell_text(check['severity'])}</td>"
        f'<td><span class="badge {result}">{BADGES[result]}</span></td>'
        f'<td class="num">{number(check["unexpected_count"])}</td></tr>'
    )
    details = _check_details(check) if result != "pass" else ""
    if details:
        row += f'<tr class="examples"><td colspan="5">{details}</td></tr>'
    return f"<tbody>{row}</tbody>"


def _check_details(check: Mapping[str, Any]) -> str:
    error = check["error"]
    details = f'<p class="error">SQL error: {cell_text(error)}</p>' if error else ""
    examples = check["examples"]
    if examples:
        shown = examples[:EXAMPLES]
        details += showing(len(shown), len(examples), "examples")
        details += rows_table(shown, union_keys(shown))
    return details


def _attribution_section(report: Mapping[str, Any]) -> str:
    body = _counts_block("Attribution by rule", report["attribution_by_rule"], "rule")
    body += _confidence_block(report.get("attribution_confidence", {}))
    body += _counts_block("Quarantine by reason", report["quarantined_by_reason"], "reason")
    return section("attribution", "Attribution and quarantine", body)


def _confidence_block(rules: Mapping[str, Mapping[str, Any]]) -> str:
    """The text rules' placements per confidence bucket, and the lowest confidence of each."""
    heading = "<h3>Confidence of the text rules' placements</h3>"
    if not rules:
        return heading + NONE
    buckets = sorted({b for rule in rules.values() for b in rule["by_bucket"]}, reverse=True)
    rows = [{"rule": name, "lowest": rule["lowest"], **rule["by_bucket"]}
            for name, rule in sorted(rules.items())]  # fmt: skip
    return heading + rows_table(rows, ["rule", "lowest", *buckets])


def _counts_block(title: str, counts: Mapping[str, int], label: str) -> str:
    heading = f"<h3>{escape(title)}</h3>"
    if not counts:
        return heading + NONE
    ordered = dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
    table, chart = key_value_table(ordered, label), bar_chart(ordered, title)
    return f'{heading}<div class="pair">{table}{chart}</div>'


def _review_section(report: Mapping[str, Any]) -> str:
    """The state of review and each heuristic rule's precision measured from audit labels."""
    review = report.get("review") or {}
    figures = {k: review.get(k, 0) for k in ("decided", "pending", "segments")}
    body = "<h3>Review queue</h3>" + key_value_table(figures, "messages")
    reasons = [{"reason": reason, **v} for reason, v in sorted(review.get("by_reason", {}).items())]
    body += "<h3>By reason</h3>" + (rows_table(reasons, REVIEW_COLUMNS) if reasons else NONE)
    body += _latest_queue(review.get("latest_queue"))
    precision = [{"rule": rule, **e} for rule, e in report.get("estimated_precision", {}).items()]
    body += "<h3>Estimated precision (95% Wilson interval)</h3>"
    body += rows_table(precision, PRECISION_COLUMNS) if precision else NONE
    return section("review", "Review", body)


def _latest_queue(latest: Mapping[str, Any] | None) -> str:
    """A link to the latest exported review page, or how to export one."""
    if latest is None:
        export = "v2-backfill review export --db … --out DIR"
        return f'<p class="none">No review queue exported yet: <code>{escape(export)}</code>.</p>'
    href = escape(Path(latest["page"]).as_uri(), quote=True)
    return (
        f'<p>Latest queue: <a href="{href}">{escape(latest["page"])}</a>, exported '
        f"{escape(latest['exported_at'])} with {number(latest['queued_messages'])} messages in "
        f"{number(latest['segments'])} segments (the figures above are today's).</p>"
    )


def _quarantine_section(report: Mapping[str, Any]) -> str:
    messages = report["quarantined_messages"]
    body = showing(len(messages), report["quarantined_messages_total"], "messages")
    body += rows_table(messages, QUARANTINE_COLUMNS) if messages else NONE
    return section("quarantine", "Quarantined messages", body)


def _splits_section(report: Mapping[str, Any]) -> str:
    splits = report["splits"]
    body = showing(len(splits), report["splits_total"], "shared conversations")
    body += "".join(_split_block(split) for split in splits) if splits else NONE
    return section("splits", "Shared conversations split by property", body)


def _split_block(split: Mapping[str, Any]) -> str:
    properties = split["properties"]
    summary = (
        f"{counted(split['messages'], 'messages')}, {number(split['quarantined'])} quarantined, "
        f"split into {counted(len(properties), 'property conversations')}"
    )
    legacy_id = escape(raw(split["legacy_conversation_id"]))
    return (
        f'<div class="split" data-legacy-conversation="{legacy_id}">'
        f"<h3>Legacy conversation <code>{legacy_id}</code></h3>"
        f'<p class="muted">{escape(summary)}</p>{rows_table(properties, SPLIT_COLUMNS)}</div>'
    )


def _docs_section(data_docs: str | None) -> str:
    if data_docs:
        body = (
            f'<p><a href="{escape(data_docs)}">Great Expectations Data Docs</a> '
            f"(<code>{escape(data_docs)}</code>)</p>"
        )
    else:
        body = '<p class="none">Data Docs: not built.</p>'
    return section("docs", "Data Docs", body)


# --- building blocks -------------------------------------------------------------------------
