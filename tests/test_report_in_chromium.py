"""The report as headless Chromium renders it, with no network: layout, and a real backfill's
report folder (the page and GX's Data Docs)."""

from __future__ import annotations

import json
import re
import shlex

from tests.test_report import chromium_path, dump_dom, report
from v2_backfill import cli
from v2_backfill.quality.report import render_html, write_report

__all__ = ["report"]  # the fixture


def test_report_renders_in_headless_chromium(report, tmp_path):
    index = write_report(report, tmp_path / "report")
    dom = dump_dom(chromium_path(), index)
    assert "FAILED" in dom
    assert "1,939" in dom
    assert 'id="splits"' in dom


def test_bar_chart_labels_fit_in_headless_chromium(report, tmp_path):
    """Chromium lays the page out: every chart text lies inside its chart (none cut off)."""
    report["quarantined_by_reason"] = {"conversation_property_in_other_timeline": 1_000_000}
    page = render_html(report).replace("</body>", f"<script>{MEASURE_CHARTS}</script></body>")
    (tmp_path / "charts.html").write_text(page, encoding="utf-8")
    dom = dump_dom(chromium_path(), tmp_path / "charts.html")
    assert 'id="measured">[]<' in dom, dom[dom.index('id="measured"') :][:500]


MEASURE_CHARTS = """
const outside = [];
for (const svg of document.querySelectorAll("svg.chart")) {
  const width = svg.viewBox.baseVal.width;
  for (const text of svg.querySelectorAll("text")) {
    const box = text.getBBox();
    if (box.x < 0 || box.x + box.width > width) outside.push(text.textContent);
  }
}
const out = document.createElement("pre");
out.id = "measured";
out.textContent = JSON.stringify(outside);
document.body.append(out);
"""


def test_quarantine_columns_fit_a_narrow_page_in_headless_chromium(report, tmp_path):
    """At a printed page's width every quarantine column lies inside the page."""
    report["quarantined_messages"][0]["legacy_message_id"] = "c" + "x" * 60
    page = render_html(report).replace("</body>", f"<script>{MEASURE_QUARANTINE}</script></body>")
    (tmp_path / "narrow.html").write_text(page, encoding="utf-8")
    dom = dump_dom(chromium_path(), tmp_path / "narrow.html", "--window-size=700,1000")
    assert 'id="measured">[]<' in dom, dom[dom.index('id="measured"') :][:500]


MEASURE_QUARANTINE = """
const edge = document.documentElement.clientWidth;
const outside = [...document.querySelectorAll("#quarantine th, #quarantine td")]
  .filter((cell) => cell.getBoundingClientRect().right > edge)
  .map((cell) => cell.textContent.slice(0, 30));
const out = document.createElement("pre");
out.id = "measured";
out.textContent = JSON.stringify(outside);
document.body.append(out);
"""


def test_backfill_report_folder_renders_offline(app, run_backfill, tmp_path, capsys):
    """A real backfill's report folder: the page and GX's Data Docs reference nothing remote
    and render in Chromium with no network; the run section holds the start-up, the preflight
    notes and the exact rollback command."""
    from tests.test_backfill_runs import busy_timeline

    busy_timeline(app)
    app.create_v2_tables()
    app.execute("CREATE INDEX extra_content_index ON messages_v2 (content)", {})
    summary = run_backfill(app.url, report_dir=tmp_path / "report", allow_extra_indexes=True)

    folder = tmp_path / "report"
    remote = re.compile(r"<(?:script|link|img)\b[^>]*\b(?:src|href)=\"(?:https?:)?//", re.I)
    pages = sorted(folder.rglob("*.html"))
    assert [page for page in pages if remote.search(page.read_text(encoding="utf-8"))] == []
    run = json.loads((folder / "summary.json").read_text(encoding="utf-8"))["run"]
    assert {"start-up", "preflight", "create V2 tables", "audit"} <= set(run["step_seconds"])
    assert run["notes"] == summary["notes"] != []
    command = shlex.split(run["rollback_command"])
    assert command[0] == "v2-backfill"
    assert cli.main([*command[1:], "--dry-run", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["runs_rolled_back"] == [summary["run_id"]]
    chromium = chromium_path()
    index = dump_dom(chromium, folder / "index.html")
    assert "PASSED" in index and run["notes"][0] in index and "rollback --db" in index
    docs = dump_dom(chromium, folder / "gx" / "index.html")
    assert "v2_messages" in docs and "legacy_reconciliation" in docs and "<td>" in docs
    (validation,) = (folder / "gx" / "validations" / "v2_messages").rglob("*.html")
    assert 'href="' + validation.relative_to(folder / "gx").as_posix() in docs
    assert "Succeeded" in dump_dom(chromium, validation)
