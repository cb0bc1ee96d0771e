"""The HTML report's building blocks: sections, tables of figures and rows, bar charts, and
how a value shows in a cell. Every value is escaped with `html.escape`; each displayed figure
carries its key and exact value (`data-key`, `data-value`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from html import escape
from typing import Any

from v2_backfill.quality.report_words import number, raw

_CHART_CHAR_WIDTH = 8
_CHART_GAP = 8
_CHART_BAR_WIDTH = 380
_CHART_ROW_HEIGHT = 26

NONE = '<p class="none">(none)</p>'
"""What an empty table or list shows."""


def section(section_id: str, title: str, body: str) -> str:
    """A titled `<section>` of the page, its id the anchor the contents link to."""
    return f'<section id="{section_id}">\n<h2>{escape(title)}</h2>\n{body}\n</section>\n'


def table_head(columns: Iterable[str]) -> str:
    """A table's header row, one labelled cell per column."""
    return "<thead><tr>" + "".join(f"<th>{key_label(c)}</th>" for c in columns) + "</tr></thead>"


def key_value_table(
    values: Mapping[str, Any], label: str, display: Callable[[Any], str] = number
) -> str:
    """A two-column table; each value cell carries `data-key` and the raw `data-value`."""
    if not values:
        return NONE
    rows = "".join(key_value_row(key, key, value, display) for key, value in values.items())
    return f"<table>{table_head([label, 'value'])}<tbody>{rows}</tbody></table>"


def key_value_row(name: str, key: str, value: Any, display: Callable[[Any], str]) -> str:
    """A row headed `name`, its value shown by `display`, tagged with `key` and the raw value."""
    return (
        f'<tr><th scope="row">{key_label(name)}</th>'
        f"<td{num_class(value)}{data_attrs(key, value)}>{escape(display(value))}</td></tr>"
    )


def rows_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """A table of dict rows, one column per key in `columns`; missing values show as a dash."""
    body = "".join(
        "<tr>"
        + "".join(f"<td{num_class(row.get(c))}>{cell_text(row.get(c))}</td>" for c in columns)
        + "</tr>"
        for row in rows
    )
    table = f'<table class="rows wide">{table_head(columns)}<tbody>{body}</tbody></table>'
    return f'<div class="scroll">{table}</div>'


def bar_chart(counts: Mapping[str, int], title: str) -> str:
    """A horizontal bar chart as inline SVG: label, bar and count per entry, the label and
    count columns wide enough for the longest of each."""
    top = max(counts.values()) or 1
    labels = max(len(name) for name in counts) * _CHART_CHAR_WIDTH + _CHART_GAP
    values = max(len(number(count)) for count in counts.values()) * _CHART_CHAR_WIDTH
    width = labels + _CHART_BAR_WIDTH + _CHART_GAP + values
    height = _CHART_ROW_HEIGHT * len(counts)
    bars = []
    for index, (name, count) in enumerate(counts.items()):
        middle = index * _CHART_ROW_HEIGHT + _CHART_ROW_HEIGHT / 2
        length = round(_CHART_BAR_WIDTH * count / top, 1)
        bars.append(
            f'<text x="{labels - _CHART_GAP}" y="{middle}" text-anchor="end">'
            f"{key_label(name)}</text>"
            f'<rect x="{labels}" y="{middle - 8}" width="{length}" height="16" rx="2"/>'
            f'<text x="{labels + length + 6}" y="{middle}">{number(count)}</text>'
        )
    return (
        f'<svg class="chart" role="img" aria-label="{escape(title)}" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}">'
        f"<title>{escape(title)}</title>{''.join(bars)}</svg>"
    )


def cell_text(value: Any) -> str:
    """Escaped text for a table cell; missing values show as an em dash."""
    return '<span class="none">—</span>' if value is None else escape(raw(value))


def data_attrs(key: str, value: Any) -> str:
    """`data-key` and the exact `data-value` of a displayed figure, for machines and tests."""
    return f' data-key="{escape(key)}" data-value="{escape(raw(value))}"'


def num_class(value: Any) -> str:
    """The class attribute that right-aligns a number's cell (empty for any other value)."""
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    return ' class="num"' if is_number else ""


def showing(shown: int, total: int, noun: str) -> str:
    """A note that a table shows only the first `shown` of `total` rows (empty when all)."""
    if total <= shown:
        return ""
    return f'<p class="muted">showing {number(shown)} of {number(total)} {escape(noun)}</p>'


def union_keys(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    """Every key of the rows, in first-seen order."""
    return list(dict.fromkeys(key for row in rows for key in row))


def key_label(key: str) -> str:
    """A key as a header label: escaped, underscores as spaces."""
    return escape(key.replace("_", " "))
