"""The review workflow end to end in a real browser: `review export` writes the page, a
reviewer decides segments in headless Chromium, `review apply` of the downloaded file places
exactly those messages."""

from __future__ import annotations

import json

from tests.test_review import exported, review
from tests.test_review_page import browser, decide_in_page

__all__ = ["browser", "exported"]  # the fixtures


def test_decisions_made_in_the_page_are_applied(app, exported, browser, tmp_path, capsys):
    ids, out = exported
    downloaded = decide_in_page(
        browser, out / "index.html", {ids["b1"]: ids["elm"], ids["c1"]: "quarantine"}, tmp_path
    )
    capsys.readouterr()

    assert review("apply", "--db", app.url, str(downloaded), "--reviewer", "ann", "--json") == 0
    applied = json.loads(capsys.readouterr().out)

    assert applied["gate_passed"] and applied["review"]["decisions_placed"] == 2
    assert app.placement(ids["b1"]) == (ids["elm"], "reviewer")
    assert app.placement(ids["b2"]) == (ids["elm"], "reviewer")
    assert app.placement(ids["c1"]) == (None, None)
    reasons = app.rows("SELECT legacy_message_id, reason FROM v2_backfill.quarantine")
    assert [tuple(r) for r in reasons] == [(ids["c1"], "reviewer")]
