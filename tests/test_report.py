"""The run report: HTML structure and escaping, markdown and table artifacts, files on disk.

The HTML is parsed with the standard library's `HTMLParser`; `test_report_in_chromium.py` opens
written pages in headless Chromium with no network.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from tests.report_example import INJECTED, example_report
from v2_backfill.quality.report import (
    NOTHING_PUBLISHED,
    checks_table,
    render_html,
    render_markdown,
    write_report,
)

SECTION_IDS = [
    "run", "figures", "changes", "checks", "attribution", "review", "quarantine", "splits", "docs",
]  # fmt: skip


@pytest.fixture
def report() -> dict[str, Any]:
    """A realistic report: a failing critical check with examples, a warning, hostile text."""
    return example_report()


class Collector(HTMLParser):
    """Every start tag with its attributes, and the page's text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def with_attr(self, name: str) -> list[dict[str, str | None]]:
        return [attrs for _, attrs in self.tags if name in attrs]


def parse(page: str) -> Collector:
    collector = Collector()
    collector.feed(page)
    collector.close()
    return collector


def data_values(page: Collector) -> list[tuple[str | None, str | None]]:
    return [(attrs["data-key"], attrs.get("data-value")) for attrs in page.with_attr("data-key")]


def test_html_has_every_section_in_order(report):
    page = parse(render_html(report))
    ids = [attrs["id"] for tag, attrs in page.tags if tag == "section"]
    assert ids == SECTION_IDS


@pytest.mark.parametrize(
    "part", ["figures", "changes_after_snapshot", "attribution_by_rule", "quarantined_by_reason"]
)
def test_html_counts_carry_exact_data_values(report, part):
    values = data_values(parse(render_html(report)))
    for key, count in report[part].items():
        assert (key, str(count)) in values


def test_html_formats_figures_with_thousands_separators(report):
    page = render_html(report)
    assert 'data-key="legacy_messages" data-value="2000">2,000<' in page
    assert 'data-key="thread_window_ms" data-value="7200000">2h<' in page


def test_html_check_rows_and_badges(report):
    page = parse(render_html(report))
    rows = {attrs["data-check"]: attrs["data-success"] for attrs in page.with_attr("data-check")}
    assert rows == {c["name"]: str(c["success"]).lower() for c in report["checks"]}
    badges = [attrs["class"] for tag, attrs in page.tags if "badge" in (attrs.get("class") or "")]
    assert badges == ["badge fail", "badge pass", "badge warn"]


def test_html_shows_at_most_20_examples_with_union_of_columns(report):
    page = render_html(report)
    assert "showing 20 of 25 examples" in page
    assert ">m19<" in page and ">m20<" not in page
    assert "<th>problem</th>" in page
    assert "SQL error: no such column: &quot;q.reason&quot; &lt;near&gt;" in page


@pytest.mark.parametrize(
    ("gate", "verdict", "css"),
    [
        ({"passed": False, "failed": ["x"], "warnings": []}, "FAILED", "fail"),
        ({"passed": True, "failed": [], "warnings": ["y"]}, "PASSED WITH WARNINGS", "warn"),
        ({"passed": True, "failed": [], "warnings": []}, "PASSED", "pass"),
    ],
)
def test_html_verdict_banner(report, gate, verdict, css):
    report["gate"] = gate
    page = parse(render_html(report))
    (banner,) = page.with_attr("data-verdict")
    assert banner["data-verdict"] == verdict
    assert banner["class"] == f"banner {css}"
    assert verdict in page.text


def page_text(page: str) -> str:
    """The body's text as a reader sees it: every text chunk, one space between."""
    body = parse(page.split("<body>", 1)[1])
    return " ".join(chunk.strip() for chunk in body.text if chunk.strip())


def test_html_of_a_failed_run_says_nothing_was_published(report):
    text = page_text(render_html(report))
    assert NOTHING_PUBLISHED in text
    assert "What this run would have published" in text and "Headline figures" not in text
    assert "would have migrated 1,939 messages" in text
    assert "would have created 40 conversations" in text
    assert "would have quarantined 61 messages" in text
    assert "read 2,000 legacy messages" in text  # what it read, it did read
    assert "1,939 messages migrated" not in text and "40 conversations created" not in text


def test_html_of_an_unknown_figure_of_a_failed_run(report):
    report["figures"] = {"messages_reviewed": 3}
    assert "would have had 3 messages reviewed" in page_text(render_html(report))


@pytest.mark.parametrize(
    ("kind", "gate"),
    [
        ("backfill", {"passed": True, "failed": [], "warnings": []}),
        ("sync", {"passed": True, "failed": [], "warnings": ["few_quarantined"]}),
        ("validate", {"passed": False, "failed": ["x"], "warnings": []}),  # the published state
    ],
)
def test_html_of_a_published_state_has_no_would_have(report, kind, gate):
    report["run"]["kind"], report["gate"] = kind, gate
    text = page_text(render_html(report))
    assert "would have" not in text and "Nothing was published" not in text
    assert "Headline figures" in text and "1,939 messages migrated" in text


def test_markdown_of_a_failed_run_says_nothing_was_published(report):
    text = render_markdown(report)
    assert NOTHING_PUBLISHED in text
    assert "- would have migrated 1,939 messages\n" in text
    assert "| messages_migrated |" not in text
    report["gate"] = {"passed": True, "failed": [], "warnings": []}
    text = render_markdown(report)
    assert "would have" not in text and "| messages_migrated | 1,939 |" in text


def test_html_escapes_data(report):
    page = render_html(report)
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;quotes&quot; 🏠" in page
    assert "7 Elm &amp; Ash Rd" in page
    # The parser sees the hostile text as text, never as a tag.
    parsed = parse(page)
    assert "script" not in {tag for tag, _ in parsed.tags}
    assert any(INJECTED in chunk for chunk in parsed.text)


def test_html_is_self_contained(report):
    page = parse(render_html(report))
    assert not [tag for tag, _ in page.tags if tag in {"link", "script", "img", "iframe"}]
    for attrs in page.with_attr("href") + page.with_attr("src"):
        target = attrs.get("href") or attrs.get("src") or ""
        assert not target.startswith(("http://", "https://", "//")), target
    assert "<style>" in render_html(report)


def test_html_bar_charts(report):
    page = parse(render_html(report))
    charts = [attrs for tag, attrs in page.tags if tag == "svg"]
    assert [c["role"] for c in charts] == ["img", "img"]
    assert [c["aria-label"] for c in charts] == ["Attribution by rule", "Quarantine by reason"]
    rects = [tag for tag, _ in page.tags if tag == "rect"]
    assert len(rects) == len(report["attribution_by_rule"]) + len(report["quarantined_by_reason"])


def test_html_empty_counts_say_none(report):
    report["attribution_by_rule"] = {}
    report["quarantined_by_reason"] = {}
    report["estimated_precision"] = {}
    page = render_html(report)
    assert "<svg" not in page
    assert page.count("(none)") == 4  # the three, and the review's state by reason
    assert "No review queue exported yet" in page


def test_html_review_links_the_latest_queue(report, tmp_path):
    page_path = tmp_path / "queue" / "index.html"
    report["review"] = {
        "decided": 1, "pending": 4, "segments": 2,
        "by_reason": {"low_confidence": {"decided": 1, "pending": 4, "segments": 2}},
        "latest_queue": {"exported_at": "2026-12-02T10:00:00.000+00:00", "page": str(page_path),
                         "folder": str(page_path.parent), "queued_messages": 5, "segments": 3,
                         "audit_sample": 10},
    }  # fmt: skip
    page = render_html(report)
    assert f'<a href="{page_path.as_uri()}">' in page
    assert "with 5 messages in 3 segments" in page
    assert "<td>low_confidence</td>" in page


def test_html_review_shows_each_rules_wilson_interval(report):
    page = render_html(report)
    assert '<section id="review">' in page
    for value in ("address_mention", "200", "190", "0.9104", "0.9726"):
        assert f">{value}</td>" in page


def test_html_shows_the_confidence_of_each_text_rule(report):
    page = render_html(report)
    table = page.split("Confidence of the text rules' placements", 1)[1].split("</table>", 1)[0]
    cells = re.findall(r"<t[hd][^>]*>([^<]*)</t[hd]>", table)
    assert cells == ["rule", "lowest", "0.98-0.99", "0.97-0.98",
                     "address_mention", "0.972", "480", "20"]  # fmt: skip
    report["attribution_confidence"] = {}
    assert "Confidence of the text rules' placements</h3>" + "<p" in render_html(report)


def test_html_quarantine_and_splits_say_how_many_are_shown(report):
    page = render_html(report)
    assert "showing 2 of 61 messages" in page
    assert "showing 1 of 5 shared conversations" in page
    assert 'data-legacy-conversation="lc1"' in page
    report["quarantined_messages_total"] = 2
    report["splits_total"] = 1
    assert "showing" not in render_html(report).replace("showing 20 of 25 examples", "")


def test_html_data_docs_link(report):
    page = parse(render_html(report))
    assert {"href": "gx/index.html"} in page.with_attr("href")
    report["data_docs"] = None
    assert "not built" in render_html(report)


def test_markdown_summary(report):
    text = render_markdown(report)
    assert "FAILED" in text
    for check in report["checks"]:
        assert check["name"] in text
    assert "| every_legacy_message_placed_once | critical | FAIL | 25 |" in text
    assert "| few_quarantined | warning | WARN | 61 |" in text
    assert "| address_mention | 500 |" in text
    assert "| no_property_evidence | 58 |" in text


def test_checks_table_rows(report):
    assert checks_table(report) == [
        {
            "check": "every_legacy_message_placed_once",
            "severity": "critical",
            "result": "fail",
            "unexpected": 25,
        },
        {"check": "content_unchanged", "severity": "critical", "result": "pass", "unexpected": 0},
        {"check": "few_quarantined", "severity": "warning", "result": "warn", "unexpected": 61},
    ]


def test_write_report_writes_both_files_and_keeps_gx(report, tmp_path):
    report_dir = tmp_path / "reports" / "run1"
    docs = report_dir / "gx" / "index.html"
    docs.parent.mkdir(parents=True)
    docs.write_text("<p>data docs</p>", encoding="utf-8")
    original = copy.deepcopy(report)

    index = write_report(report, report_dir)

    assert index == report_dir / "index.html"
    assert index.read_text(encoding="utf-8") == render_html(report)
    summary = (report_dir / "summary.json").read_text(encoding="utf-8")
    assert summary.endswith("}\n")
    assert json.loads(summary) == original
    assert docs.read_text(encoding="utf-8") == "<p>data docs</p>"


def chromium_path() -> str:
    """Debian's headless Chromium; a test that needs it fails without it (`.ci/run` installs
    it), never skips."""
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("chromium is missing: `apt-get install chromium` (.ci/run does)")
    return chromium


OFFLINE = ("--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND")
"""Chromium flags that leave it no network: every request fails."""


def dump_dom(chromium: str, page: Path, *flags: str) -> str:
    """The DOM of `page` after headless Chromium loaded it (scripts run), with no network."""
    result = subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            *OFFLINE,
            *flags,
            "--dump-dom",
            page.as_uri(),
        ],  # fmt: skip
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout


def test_html_quarantine_table_leads_with_the_excerpt(report):
    page = render_html(report)
    quarantine = page[page.index('<section id="quarantine">') :]
    head = quarantine[quarantine.index("<thead>") : quarantine.index("</thead>")]
    assert parse(head).text[:3] == ["excerpt", "sender type", "created at"]


def test_html_step_timings_never_read_zero(report):
    text = page_text(render_html(report))
    assert "write 40 ms" in text and "stage 1.2 s" in text
    assert "0.0 s" not in text


@pytest.mark.parametrize(
    ("value", "shown"), [(7_200_000, "2h"), (5_400_000, "90m"), (30_000, "30s"), (1_500, "1500ms")]
)
def test_html_parameters_in_milliseconds_read_as_the_option_takes_them(report, value, shown):
    report["run"]["parameters"] = {"thread_window_ms": value}
    assert "thread window " + shown in page_text(render_html(report))


def test_html_one_of_a_thing_is_singular(report):
    report["figures"] = {"property_conversations": 1, "messages_migrated": 2}
    report["gate"] = {"passed": True, "failed": [], "warnings": []}
    report["splits"][0]["properties"] = report["splits"][0]["properties"][:1]
    text = page_text(render_html(report))
    assert "1 property conversation " in text and "1 property conversations" not in text
    assert "2 messages migrated" in text
    assert "split into 1 property conversation" in text
    assert "split into 1 property conversations" not in text


def test_html_and_markdown_show_the_preflight_notes(report):
    note = report["run"]["notes"][0]
    assert f"Preflight notes {note}" in page_text(render_html(report))
    assert f"- {note}" in render_markdown(report)


def test_html_shows_the_rollback_command_of_a_published_run(report):
    assert "Nothing to roll back: nothing was published." in page_text(render_html(report))
    command = "v2-backfill rollback --db file:/srv/app/dev.db --run 20261126T013000Z-ab12cd"
    report["run"]["rollback_command"] = command
    report["gate"] = {"passed": True, "failed": [], "warnings": []}
    assert command in page_text(render_html(report))
    assert f"`{command}`" in render_markdown(report)
    report["run"]["kind"] = "validate"
    assert "rollback" not in page_text(render_html(report)).lower()
