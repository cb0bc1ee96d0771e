"""Reviewer-facing renderings of a run's report dictionary (the content of `summary.json`).

`render_html` builds one self-contained HTML page (inline CSS and SVG, nothing fetched from the
network), `render_markdown` and `checks_table` feed Prefect artifacts, and `write_report`
writes `summary.json` and `index.html` into a run's report folder. Standard library only:
every value taken from the report is escaped with `html.escape`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from html import escape
from pathlib import Path
from typing import Any

from v2_backfill.quality import EXAMPLES

QUARANTINE_COLUMNS = (
    "legacy_message_id",
    "legacy_conversation_id",
    "reason",
    "detail",
    "sender_type",
    "created_at",
    "excerpt",
)
SPLIT_COLUMNS = ("property_id", "address", "conversation_id", "messages")

_BADGES = {"pass": "PASS", "fail": "FAIL", "warn": "WARN"}
_VERDICT_CLASSES = {"PASSED": "pass", "FAILED": "fail", "PASSED WITH WARNINGS": "warn"}

# Horizontal bar charts: label column, longest bar and row height, in SVG user units.
_CHART_LABEL_WIDTH = 230
_CHART_BAR_WIDTH = 380
_CHART_VALUE_WIDTH = 80
_CHART_ROW_HEIGHT = 26

_NONE = '<p class="none">(none)</p>'

NOTHING_PUBLISHED = (
    "Nothing was published: the data-quality gate failed, so the V2 tables are exactly as they "
    "were before this run. The figures, attribution, quarantine and splits below are what it "
    "would have published."
)
"""Said under the verdict of a backfill or sync whose gate failed."""

# A figure of a run that published nothing, as the words before and after its number.
_WOULD_HAVE = {
    "legacy_messages": ("read", "legacy messages"),
    "messages_migrated": ("would have migrated", "messages"),
    "messages_quarantined": ("would have quarantined", "messages"),
    "property_conversations": ("would have left V2 with", "property conversations"),
    "messages_copied": ("would have copied", "messages"),
    "messages_updated": ("would have updated", "messages"),
    "messages_already_migrated": ("found", "messages already migrated"),
    "conversations_created": ("would have created", "conversations"),
    "conversations_reused": ("would have reused", "conversations"),
    "replacements_found": ("found", "re-placements"),
    "replacements_applied": ("would have applied", "re-placements"),
}

_CSS = """
:root { --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --stripe: #f6f8fa;
  --pass: #1a7f37; --pass-bg: #dafbe1; --fail: #cf222e; --fail-bg: #ffebe9;
  --warn: #9a6700; --warn-bg: #fff8c5; --bar: #0969da; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1100px; padding: 24px 32px 64px; color: var(--fg);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  sans-serif; }
h1 { font-size: 26px; margin: 0 0 16px; }
h2 { font-size: 20px; margin: 0 0 12px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
h3 { font-size: 16px; margin: 20px 0 8px; }
section { margin: 36px 0; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  font-size: 13px; }
table { border-collapse: collapse; margin: 8px 0; font-size: 14px; }
th, td { border: 1px solid var(--line); padding: 5px 10px; text-align: left;
  vertical-align: top; }
th { background: #eef1f4; font-weight: 600; }
tbody tr:nth-child(even) { background: var(--stripe); }
table.checks > tbody:nth-of-type(even) { background: var(--stripe); }
table.checks > tbody > tr { background: transparent; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.wide { width: 100%; }
.scroll { overflow-x: auto; }
.muted, .none { color: var(--muted); }
.banner { padding: 18px 24px; border-radius: 8px; font-size: 32px; font-weight: 700;
  letter-spacing: 0.04em; margin-bottom: 8px; border: 2px solid; }
.banner.pass { color: var(--pass); background: var(--pass-bg); }
.banner.fail { color: var(--fail); background: var(--fail-bg); }
.banner.warn { color: var(--warn); background: var(--warn-bg); }
.badge { display: inline-block; min-width: 48px; text-align: center; padding: 1px 8px;
  border-radius: 12px; font-size: 12px; font-weight: 700; color: #fff; }
.badge.pass { background: var(--pass); }
.badge.fail { background: var(--fail); }
.badge.warn { background: var(--warn); }
.pair { display: flex; flex-wrap: wrap; gap: 8px 40px; align-items: flex-start; }
.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(190px, 1fr));
  gap: 12px; }
.figure { border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px;
  background: var(--stripe); }
.figure-value { font-size: 28px; font-weight: 700; font-variant-numeric: tabular-nums; }
.figure-label { color: var(--muted); font-size: 13px; }
.figure.would-have { border-style: dashed; background: #fff; }
.figure.would-have .figure-value { color: var(--muted); }
.unpublished { font-weight: 600; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr));
  gap: 0 32px; align-items: start; }
.examples > td { padding: 4px 10px 12px 32px; border-top: none; }
.examples table { width: auto; font-size: 13px; margin: 4px 0; background: #fff; }
.error { color: var(--fail); white-space: pre-wrap; margin: 4px 0; }
.chart { display: block; max-width: 100%; height: auto; margin: 8px 0; }
.chart rect { fill: var(--bar); }
.chart text { font-size: 13px; fill: var(--fg); dominant-baseline: central; }
.split { margin: 0 0 20px; }
.split h3 { margin-bottom: 2px; }
@media print {
  body { max-width: none; padding: 0; font-size: 11px; }
  section { break-inside: auto; margin: 20px 0; }
  tr, .split, .chart, .figure { break-inside: avoid; }
  .banner, .badge, .figure, th, tbody tr, .chart rect { print-color-adjust: exact;
    -webkit-print-color-adjust: exact; }
}
"""


# --- values and outcomes ----------------------------------------------------------------------


def _raw(value: Any) -> str:
    """A scalar as it appears in `data-value`: exact, no formatting."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _number(value: Any) -> str:
    """Integers with thousands separators; anything else as text."""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return "—" if value is None else _raw(value)


def _seconds(value: float) -> str:
    return f"{value:,.1f} s"


def _text(value: Any) -> str:
    """Escaped text for a table cell; missing values show as an em dash."""
    return '<span class="none">—</span>' if value is None else escape(_raw(value))


def _verdict(report: Mapping[str, Any]) -> str:
    """`FAILED`, `PASSED WITH WARNINGS` or `PASSED`, from the report's gate."""
    gate = report["gate"]
    if not gate["passed"]:
        return "FAILED"
    return "PASSED WITH WARNINGS" if gate["warnings"] else "PASSED"


def _unpublished(report: Mapping[str, Any]) -> bool:
    """Whether the report is of a backfill or sync whose gate failed: nothing was published,
    its figures are what it would have published (those of `validate` are the published
    state, whatever its verdict)."""
    return not report["gate"]["passed"] and report["run"]["kind"] != "validate"


def _would_have(key: str) -> tuple[str, str]:
    """The words before and after the number of an unpublished run's figure: with them it
    reads `would have migrated 271 messages`."""
    return _WOULD_HAVE.get(key, ("would have had", key.replace("_", " ")))


def _check_result(check: Mapping[str, Any]) -> str:
    """A check's outcome: `pass`, or `fail` (critical) / `warn` (warning) when it failed."""
    if check["success"]:
        return "pass"
    return "fail" if check["severity"] == "critical" else "warn"


# --- public API ------------------------------------------------------------------------------


def checks_table(report: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per check (check, severity, result, unexpected), for a Prefect table artifact."""
    return [
        {
            "check": check["name"],
            "severity": check["severity"],
            "result": _check_result(check),
            "unexpected": check["unexpected_count"],
        }
        for check in report["checks"]
    ]


def render_markdown(report: dict[str, Any]) -> str:
    """A compact markdown summary of the run, for a Prefect markdown artifact."""
    run = report["run"]
    checks = [
        [row["check"], row["severity"], _BADGES[row["result"]], _number(row["unexpected"])]
        for row in checks_table(report)
    ]
    if _unpublished(report):
        figures = [
            f"**{NOTHING_PUBLISHED}**",
            "## Figures (would have; nothing was published)",
            _markdown_would_have(report["figures"]),
        ]
    else:
        figures = ["## Figures", _markdown_counts(report["figures"], "figure")]
    parts = [
        f"# v2-backfill {run['kind']} run: {_verdict(report)}",
        f"**{_verdict(report)}**: run `{run['run_id']}` on `{run['database']}` "
        f"{run['status']} in {_seconds(run['duration_seconds'])}.",
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


def render_html(report: dict[str, Any]) -> str:
    """The whole report as one self-contained HTML5 page (no scripts, nothing remote)."""
    run = report["run"]
    title = f"v2-backfill {run['kind']} {run['run_id']}: {_verdict(report)}"
    sections = [
        _run_section(report),
        _figures_section(report["figures"], would_have=_unpublished(report)),
        _changes_section(report["changes_after_snapshot"]),
        _checks_section(report["checks"]),
        _attribution_section(report),
        _quarantine_section(report),
        _splits_section(report),
        _docs_section(report["data_docs"]),
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f"<h1>v2-backfill report</h1>\n{''.join(sections)}</body>\n</html>\n"
    )


def write_report(report: dict[str, Any], report_dir: Path) -> Path:
    """Write `summary.json` and `index.html` into `report_dir` (created if needed).

    Other files in the folder (such as the `gx/` Data Docs) are left alone. Returns the path
    of `index.html`.
    """
    report_dir.mkdir(parents=True, exist_ok=True)
    summary = json.dumps(report, indent=2, sort_keys=True, default=str) + "\n"
    (report_dir / "summary.json").write_text(summary, encoding="utf-8")
    index = report_dir / "index.html"
    index.write_text(render_html(report), encoding="utf-8")
    return index


# --- sections --------------------------------------------------------------------------------


def _run_section(report: Mapping[str, Any]) -> str:
    run, gate = report["run"], report["gate"]
    result = _verdict(report)
    note = f'<p class="unpublished">{escape(NOTHING_PUBLISHED)}</p>' if _unpublished(report) else ""
    details = {
        "run id": run["run_id"],
        "kind": run["kind"],
        "database": run["database"],
        "status": run["status"],
        "started": run["started_at"],
        "finished": run["finished_at"],
        "duration": _seconds(run["duration_seconds"]),
    }
    body = (
        f'<div class="banner {_VERDICT_CLASSES[result]}" data-verdict="{escape(result)}">'
        f"{escape(result)}</div>"
        + note
        + _gate_list("Failed checks", gate["failed"])
        + _gate_list("Warnings", gate["warnings"])
        + '<div class="grid"><div>'
        + _key_value_table(details, "run")
        + "</div><div><h3>Parameters</h3>"
        + _key_value_table(run["parameters"], "parameter")
        + "<h3>Step timings</h3>"
        + _key_value_table(run["step_seconds"], "step", _seconds)
        + "</div></div>"
    )
    return _section("run", "Run", body)


def _figures_section(figures: Mapping[str, Any], *, would_have: bool) -> str:
    """One card per figure: its number and label; for a run that published nothing, the
    number between the words of `_would_have` (`would have migrated` / 271 / `messages`)."""
    cards = "".join(_figure_card(key, value, would_have) for key, value in figures.items())
    body = f'<div class="figures">{cards}</div>' if cards else _NONE
    title = "What this run would have published" if would_have else "Headline figures"
    return _section("figures", title, body)


def _figure_card(key: str, value: Any, would_have: bool) -> str:
    number = f'<div class="figure-value"{_data_attrs(key, value)}>{escape(_number(value))}</div>'
    if not would_have:
        return f'<div class="figure">{number}<div class="figure-label">{_label(key)}</div></div>'
    before, after = _would_have(key)
    return (
        f'<div class="figure would-have"><div class="figure-label">{escape(before)}</div>'
        f'{number}<div class="figure-label">{escape(after)}</div></div>'
    )


def _changes_section(changes: Mapping[str, int]) -> str:
    note = (
        "<p>The run judged legacy as of one snapshot. What the app wrote to legacy after it "
        "is not part of this run: the next <code>v2-backfill sync</code> carries it.</p>"
    )
    return _section(
        "changes",
        "Legacy changes after the snapshot",
        note + _key_value_table(changes, "change", _number),
    )


def _gate_list(label: str, names: Sequence[str]) -> str:
    if not names:
        return ""
    items = ", ".join(f"<code>{escape(name)}</code>" for name in names)
    return f"<p><strong>{escape(label)}:</strong> {items}</p>"


def _checks_section(checks: Sequence[Mapping[str, Any]]) -> str:
    if not checks:
        return _section("checks", "Checks", _NONE)
    head = _head(["check", "description", "severity", "result", "unexpected"])
    bodies = "".join(_check_rows(check) for check in checks)
    table = f'<div class="scroll"><table class="checks wide">{head}{bodies}</table></div>'
    return _section("checks", "Checks", table)


def _check_rows(check: Mapping[str, Any]) -> str:
    result = _check_result(check)
    success = "true" if check["success"] else "false"
    row = (
        f'<tr data-check="{escape(check["name"])}" data-success="{success}">'
        f"<td><code>{escape(check['name'])}</code></td>"
        f"<td>{_text(check['description'])}</td><td>{_text(check['severity'])}</td>"
        f'<td><span class="badge {result}">{_BADGES[result]}</span></td>'
        f'<td class="num">{_number(check["unexpected_count"])}</td></tr>'
    )
    details = _check_details(check) if result != "pass" else ""
    if details:
        row += f'<tr class="examples"><td colspan="5">{details}</td></tr>'
    return f"<tbody>{row}</tbody>"


def _check_details(check: Mapping[str, Any]) -> str:
    error = check["error"]
    details = f'<p class="error">SQL error: {_text(error)}</p>' if error else ""
    examples = check["examples"]
    if examples:
        shown = examples[:EXAMPLES]
        details += _showing(len(shown), len(examples), "examples")
        details += _rows_table(shown, _union_keys(shown))
    return details


def _attribution_section(report: Mapping[str, Any]) -> str:
    body = _counts_block("Attribution by rule", report["attribution_by_rule"], "rule")
    body += _counts_block("Quarantine by reason", report["quarantined_by_reason"], "reason")
    return _section("attribution", "Attribution and quarantine", body)


def _counts_block(title: str, counts: Mapping[str, int], label: str) -> str:
    heading = f"<h3>{escape(title)}</h3>"
    if not counts:
        return heading + _NONE
    ordered = dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
    table, chart = _key_value_table(ordered, label), _bar_chart(ordered, title)
    return f'{heading}<div class="pair">{table}{chart}</div>'


def _quarantine_section(report: Mapping[str, Any]) -> str:
    messages = report["quarantined_messages"]
    body = _showing(len(messages), report["quarantined_messages_total"], "messages")
    body += _rows_table(messages, QUARANTINE_COLUMNS) if messages else _NONE
    return _section("quarantine", "Quarantined messages", body)


def _splits_section(report: Mapping[str, Any]) -> str:
    splits = report["splits"]
    body = _showing(len(splits), report["splits_total"], "shared conversations")
    body += "".join(_split_block(split) for split in splits) if splits else _NONE
    return _section("splits", "Shared conversations split by property", body)


def _split_block(split: Mapping[str, Any]) -> str:
    properties = split["properties"]
    summary = (
        f"{_number(split['messages'])} messages, {_number(split['quarantined'])} quarantined, "
        f"split into {_number(len(properties))} property conversations"
    )
    legacy_id = escape(_raw(split["legacy_conversation_id"]))
    return (
        f'<div class="split" data-legacy-conversation="{legacy_id}">'
        f"<h3>Legacy conversation <code>{legacy_id}</code></h3>"
        f'<p class="muted">{summary}</p>{_rows_table(properties, SPLIT_COLUMNS)}</div>'
    )


def _docs_section(data_docs: str | None) -> str:
    if data_docs:
        body = (
            f'<p><a href="{escape(data_docs)}">Great Expectations Data Docs</a> '
            f"(<code>{escape(data_docs)}</code>)</p>"
        )
    else:
        body = '<p class="none">Data Docs: not built.</p>'
    return _section("docs", "Data Docs", body)


# --- building blocks -------------------------------------------------------------------------


def _section(section_id: str, title: str, body: str) -> str:
    return f'<section id="{section_id}">\n<h2>{escape(title)}</h2>\n{body}\n</section>\n'


def _head(columns: Iterable[str]) -> str:
    return "<thead><tr>" + "".join(f"<th>{_label(c)}</th>" for c in columns) + "</tr></thead>"


def _key_value_table(
    values: Mapping[str, Any], label: str, display: Callable[[Any], str] = _number
) -> str:
    """A two-column table; each value cell carries `data-key` and the raw `data-value`."""
    if not values:
        return _NONE
    rows = "".join(
        f'<tr><th scope="row">{_label(key)}</th>'
        f"<td{_num_class(value)}{_data_attrs(key, value)}>{escape(display(value))}</td></tr>"
        for key, value in values.items()
    )
    return f"<table>{_head([label, 'value'])}<tbody>{rows}</tbody></table>"


def _rows_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """A table of dict rows, one column per key in `columns`; missing values show as a dash."""
    body = "".join(
        "<tr>"
        + "".join(f"<td{_num_class(row.get(c))}>{_text(row.get(c))}</td>" for c in columns)
        + "</tr>"
        for row in rows
    )
    table = f'<table class="wide">{_head(columns)}<tbody>{body}</tbody></table>'
    return f'<div class="scroll">{table}</div>'


def _bar_chart(counts: Mapping[str, int], title: str) -> str:
    """A horizontal bar chart as inline SVG: label, bar and count per entry."""
    top = max(counts.values()) or 1
    width = _CHART_LABEL_WIDTH + _CHART_BAR_WIDTH + _CHART_VALUE_WIDTH
    height = _CHART_ROW_HEIGHT * len(counts)
    bars = []
    for index, (name, count) in enumerate(counts.items()):
        middle = index * _CHART_ROW_HEIGHT + _CHART_ROW_HEIGHT / 2
        length = round(_CHART_BAR_WIDTH * count / top, 1)
        bars.append(
            f'<text x="{_CHART_LABEL_WIDTH - 8}" y="{middle}" text-anchor="end">'
            f"{_label(name)}</text>"
            f'<rect x="{_CHART_LABEL_WIDTH}" y="{middle - 8}" width="{length}" height="16" rx="2"/>'
            f'<text x="{_CHART_LABEL_WIDTH + length + 6}" y="{middle}">{_number(count)}</text>'
        )
    return (
        f'<svg class="chart" role="img" aria-label="{escape(title)}" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}">'
        f"<title>{escape(title)}</title>{''.join(bars)}</svg>"
    )


def _data_attrs(key: str, value: Any) -> str:
    """`data-key` and the exact `data-value` of a displayed figure, for machines and tests."""
    return f' data-key="{escape(key)}" data-value="{escape(_raw(value))}"'


def _num_class(value: Any) -> str:
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    return ' class="num"' if is_number else ""


def _showing(shown: int, total: int, noun: str) -> str:
    if total <= shown:
        return ""
    return f'<p class="muted">showing {_number(shown)} of {_number(total)} {escape(noun)}</p>'


def _union_keys(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    """Every key of the rows, in first-seen order."""
    return list(dict.fromkeys(key for row in rows for key in row))


def _label(key: str) -> str:
    return escape(key.replace("_", " "))


def _markdown_counts(counts: Mapping[str, Any], label: str) -> str:
    rows = [[key, _number(value)] for key, value in counts.items()]
    return _markdown_table([label, "count"], rows) if rows else "(none)"


def _markdown_would_have(figures: Mapping[str, Any]) -> str:
    lines = []
    for key, value in figures.items():
        before, after = _would_have(key)
        lines.append(f"- {before} {_number(value)} {after}")
    return "\n".join(lines)


def _markdown_table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    def line(cells: Iterable[str]) -> str:
        return "| " + " | ".join(str(cell).replace("|", "\\|") for cell in cells) + " |"

    return "\n".join([line(header), line("---" for _ in header), *map(line, rows)])
