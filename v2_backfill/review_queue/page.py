"""The review page (`index.html` of an export): one self-contained HTML page, nothing fetched.

Every block is rendered here once, as plain DOM: one `<section class="segment">` per segment
with its thread, reason, the timeline's properties and a button per candidate. The inline
script (`page_script.SCRIPT`) only reads those elements' `data-` attributes, keeps the
decisions in the browser's local storage and writes `decisions.csv`. Every text from the data
is escaped with `html.escape` (excerpts are user text).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from html import escape
from typing import Any

import pandas as pd

from v2_backfill.quality.report_style import CSS
from v2_backfill.review_queue.frames import DECISION_COLUMNS, ReviewQueue
from v2_backfill.review_queue.page_script import PAGE_CSS, SCRIPT

QUARANTINE = "quarantine"
"""The decision of "leave in quarantine" (key `0` or `q`)."""

STORAGE_PREFIX = "v2-backfill-review:"
"""The local-storage key is this prefix and `export_key` of the queue."""

_GAP_UNITS = (("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1_000))


def render_review_page(queue: ReviewQueue) -> str:
    """The whole review page of one export as one HTML5 document (inline CSS and script)."""
    segments = _segment_order(queue.queue)
    by_segment = {
        "queue": _grouped(queue.queue, "segment"),
        "candidates": _grouped(queue.candidates.sort_values("rank", kind="stable"), "segment"),
        "thread": _grouped(queue.thread, "segment"),
    }
    properties = _grouped(queue.properties, "timeline_id")
    blocks = [
        _segment_block(number, segment, by_segment, properties)
        for number, segment in enumerate(segments, start=1)
    ]
    title = f"Review queue: {len(segments):,} segments, {len(queue.queue):,} messages"
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{escape(title)}</title>",
            f"<style>{CSS}{PAGE_CSS}</style>",
            "</head>",
            f'<body data-storage-key="{escape(STORAGE_PREFIX + export_key(segments))}"'
            f' data-columns="{escape(",".join(DECISION_COLUMNS))}">',
            f"<h1>{escape(title)}</h1>",
            _toolbar(len(segments)),
            "\n".join(blocks) if blocks else '<p class="none">(nothing in quarantine)</p>',
            f"<script>{SCRIPT}</script>",
            "</body>",
            "</html>",
        ]
    )


def export_key(segments: Iterable[str]) -> str:
    """What tells one export's decisions from another's in local storage: a hash of its
    segment ids, in page order."""
    return hashlib.sha256("\n".join(segments).encode()).hexdigest()[:16]


def gap_text(ms: Any) -> str:
    """A silence between two messages, human-readable in its two largest units: `2h 5m`,
    `3d 4h`, `45s`; below a second `< 1s`; empty when there is none (the first message)."""
    if _missing(ms):
        return ""
    remaining = int(ms)
    parts = []
    for unit, size in _GAP_UNITS:
        if remaining >= size:
            parts.append(f"{remaining // size}{unit}")
            remaining %= size
        elif parts:
            break
        if len(parts) == 2:
            break
    return " ".join(parts) or "< 1s"


def _toolbar(total: int) -> str:
    return (
        '<div class="toolbar">'
        f'<span class="progress"><span id="decided">0</span> / <span id="total">{total:,}</span>'
        " decided</span>"
        '<label>Reviewer <input id="reviewer" type="text" autocomplete="off"></label>'
        '<button type="button" id="download">Download decisions.csv</button>'
        '<span class="muted keys"><kbd>1</kbd>–<kbd>9</kbd> candidate · <kbd>0</kbd>/<kbd>q</kbd>'
        " leave in quarantine · <kbd>j</kbd>/<kbd>k</kbd> next / previous</span>"
        '<span id="status" role="status"></span>'
        "</div>"
    )


def _segment_block(
    number: int,
    segment: str,
    by_segment: dict[str, dict[str, list[Any]]],
    properties: dict[str, list[Any]],
) -> str:
    messages = by_segment["queue"][segment]
    first = messages[0]
    timeline = properties.get(str(first.timeline_id), [])
    candidates = by_segment["candidates"].get(segment, [])
    thread = by_segment["thread"].get(segment, [])
    head = (
        f"<h2>{number:,}. Segment <code>{escape(segment)}</code>"
        f' <span class="muted">{len(messages):,} message{"" if len(messages) == 1 else "s"}'
        f" · conversation <code>{escape(_text(first.legacy_conversation_id))}</code>"
        f" · timeline <code>{escape(_text(first.timeline_id))}</code></span></h2>"
    )
    return (
        f'<section class="segment" id="segment-{number}" data-segment="{escape(segment)}">'
        f"{head}{_reasons(messages)}{_thread(thread)}"
        f"{_choices(candidates, timeline)}{_properties(timeline)}</section>"
    )


def _reasons(messages: list[Any]) -> str:
    pairs = dict.fromkeys((_text(row.reason), _text(row.detail)) for row in messages)
    items = "".join(
        f"<li><strong>{escape(reason)}</strong>{': ' + escape(detail) if detail else ''}</li>"
        for reason, detail in pairs
    )
    return f'<ul class="reasons">{items}</ul>'


def _thread(thread: list[Any]) -> str:
    if not thread:
        return '<p class="none">(no thread)</p>'
    rows = []
    for message in thread:
        css = ' class="in-segment"' if bool(message.in_segment) else ""
        rows.append(
            f'<tr{css}><td class="num gap">{escape(gap_text(message.gap_ms))}</td>'
            f'<td class="when" title="{escape(_text(message.sent_at))}">'
            f"{escape(_when(message.sent_at))}</td>"
            f'<td class="sender">{escape(_text(message.sender_type))}</td>'
            f'<td class="excerpt">{escape(_text(message.excerpt))}</td></tr>'
        )
    return (
        '<table class="thread wide"><thead><tr><th>gap</th><th>sent (UTC)</th><th>sender</th>'
        f"<th>message</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _choices(candidates: list[Any], timeline: list[Any]) -> str:
    cities = {row.property_id: row.city for row in timeline}
    buttons = [
        _candidate_button(key, candidate, cities.get(candidate.property_id))
        for key, candidate in enumerate(candidates, start=1)
    ]
    buttons.append(
        f'<button type="button" class="choice quarantine" data-decision="{QUARANTINE}">'
        "<kbd>0</kbd> leave in quarantine</button>"
    )
    return f'<div class="choices">{"".join(buttons)}</div>'


def _candidate_button(key: int, candidate: Any, city: Any) -> str:
    """The `key`-th candidate's button: its address, confidence and id (keys 1..9 pick it)."""
    property_id = escape(_text(candidate.property_id))
    address = ", ".join(part for part in (_text(candidate.street_line), _text(city)) if part)
    confidence = (
        "no confidence"
        if _missing(candidate.confidence)
        else f"confidence {float(candidate.confidence):.2f}"
    )
    shortcut = f"<kbd>{key}</kbd> " if key <= 9 else ""
    return (
        f'<button type="button" class="choice" data-decision="{property_id}">'
        f"{shortcut}{escape(address or '(no address)')}"
        f' <span class="muted">{confidence} · <code>{property_id}</code></span></button>'
    )


def _properties(timeline: list[Any]) -> str:
    if not timeline:
        return '<p class="none">(the timeline has no properties)</p>'
    items = "".join(
        f"<li><code>{escape(_text(row.property_id))}</code> {escape(_text(row.street_line))}"
        f"{', ' + escape(_text(row.city)) if _text(row.city) else ''}</li>"
        for row in timeline
    )
    return f'<h3>The timeline\'s properties</h3><ul class="properties">{items}</ul>'


def _segment_order(queue: pd.DataFrame) -> list[str]:
    """Segments as they first appear in the queue."""
    return [str(segment) for segment in pd.unique(queue["segment"])]


def _grouped(frame: pd.DataFrame, column: str) -> dict[str, list[Any]]:
    """`frame`'s rows (named tuples) by `column`, each group in the frame's order: one pass over
    plain tuples, so the page stays linear in the queue's size."""
    groups: dict[str, list[Any]] = defaultdict(list)
    for row in frame.itertuples(index=False):
        groups[str(getattr(row, column))].append(row)
    return groups


def _when(sent_at: Any) -> str:
    """`2025-01-02T03:04:05.678Z` as `2025-01-02 03:04:05`."""
    return _text(sent_at)[:19].replace("T", " ")


def _missing(value: Any) -> bool:
    """None, NaN, NA or the empty string: a cell with nothing in it."""
    if isinstance(value, str):
        return value == ""
    return value is None or bool(pd.isna(value))


def _text(value: Any) -> str:
    return "" if _missing(value) else str(value)
