"""The review page (a placeholder until the page of issue 16 lands): the segments as a list."""

from __future__ import annotations

from html import escape

from v2_backfill.review_queue.frames import ReviewQueue


def render_review_page(queue: ReviewQueue) -> str:
    """A minimal self-contained HTML page listing the queue's segments."""
    items = "".join(f"<li>{escape(str(s))}</li>" for s in queue.queue["segment"].unique())
    head = "<meta charset='utf-8'><title>review</title>"
    return f"<!doctype html><html><head>{head}</head><body><ul>{items}</ul></body></html>\n"
