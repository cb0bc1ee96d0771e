"""The review page (`index.html` of an export) in real headless Chromium, driven by Playwright.

Debian's Chromium is launched through its executable path (`chromium_path`: the test fails,
never skips, without it); pages are opened as file:// with no network. `decide_in_page` is
the reviewer's part for other tests: it decides segments by click and returns the
downloaded `decisions.csv`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.test_report import OFFLINE, chromium_path
from v2_backfill.review_queue.frames import (
    CANDIDATE_COLUMNS,
    DECISION_COLUMNS,
    PROPERTY_COLUMNS,
    QUEUE_COLUMNS,
    THREAD_COLUMNS,
    ReviewQueue,
)
from v2_backfill.review_queue.page import gap_text, render_review_page

INJECTED = """</td></tr><script>window.injected = 1</script>"quoted" & 'single' <b>bold</b>"""
"""A user's excerpt that would run a script, close the table or quote out of an attribute."""

ODD_SEGMENT = 'seg "3", odd'
"""A segment id that needs escaping in HTML attributes and quoting in CSV."""

CURRENT = re.compile(r"\bcurrent\b")

PROPERTIES = [
    ("t1", "p1", "12 Oak Street", "Springfield"),
    ("t1", "p2", "48 Elm Avenue", "Springfield"),
    ("t1", "p3", "7 Pine Road", "Shelbyville"),
    ("t2", "p4", "3 Harbour View", "Portside"),
    ("t2", "p5", "90 Cliff Lane", None),
]
SEGMENTS = [  # segment, conversation, timeline, candidates best first as (property, confidence)
    ("seg-1", "c1", "t1", [("p2", 0.61), ("p1", 0.3), ("p3", None)]),
    ("seg-2", "c1", "t1", [("p1", 0.55), ("p2", 0.2), ("p3", None)]),
    (ODD_SEGMENT, "c2", "t2", [("p4", 0.7), ("p5", 0.2)]),
    ("seg-4", "c2", "t2", [("p5", 0.5), ("p4", None)]),
]


def example_queue(segments: list = SEGMENTS, excerpt: str = "which one was it?") -> ReviewQueue:
    """Per segment two quarantined messages, and a thread of one message before, the two, and
    one after (the second segment's own second message is `excerpt`)."""
    streets = {property_id: street for _, property_id, street, _ in PROPERTIES}
    queue, candidates, thread = [], [], []
    for number, (segment, conversation, timeline, choices) in enumerate(segments):
        own = [
            (f"m{number}a", "is it still free?"),
            (f"m{number}b", excerpt if number == 1 else "ok"),
        ]
        for message_id, text in own:
            queue.append(
                (message_id, conversation, timeline, segment, "no_evidence", "no address named",
                 "; ".join(p for p, _ in choices), "2025-01-02T03:04:05.678Z", "client", text)
            )  # fmt: skip
        for rank, (property_id, confidence) in enumerate(choices, start=1):
            candidates.append((segment, rank, property_id, confidence, streets[property_id]))
        around = [(f"m{number}-before", "hello", False, 7_500_000)]
        around += [(message_id, text, True, 45_000) for message_id, text in own]
        around += [(f"m{number}-after", "thanks", False, 93_600_000)]
        for message_id, text, in_segment, gap in around:
            thread.append(
                (segment, message_id, "2025-01-02T03:04:05.678Z", "agent", text, in_segment, gap)
            )
    thread[0] = (*thread[0][:-1], None)  # the conversation's first message: no gap
    return ReviewQueue(
        queue=pd.DataFrame(queue, columns=list(QUEUE_COLUMNS)),
        candidates=pd.DataFrame(candidates, columns=list(CANDIDATE_COLUMNS)),
        thread=pd.DataFrame(thread, columns=list(THREAD_COLUMNS)),
        properties=pd.DataFrame(PROPERTIES, columns=list(PROPERTY_COLUMNS)),
    )


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's headless Chromium under Playwright, with no network."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path(), args=list(OFFLINE))
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1000, "height": 420}, accept_downloads=True)
    yield context.new_page()
    context.close()


def write_page(queue: ReviewQueue, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    index = folder / "index.html"
    index.write_text(render_review_page(queue), encoding="utf-8")
    return index


def block(page: Page, segment: str):
    """The block of `segment` (found by its `data-segment`, whatever characters it holds)."""
    at = page.evaluate(
        "segment => [...document.querySelectorAll('section.segment')]"
        ".findIndex((block) => block.dataset.segment === segment)",
        segment,
    )
    assert at >= 0, f"no block for segment {segment!r}"
    return page.locator("section.segment").nth(at)


def choice(page: Page, segment: str, decision: str):
    """The button of `segment` that decides `decision` (a property id or `quarantine`)."""
    buttons = block(page, segment).locator("button.choice")
    decisions = buttons.evaluate_all("buttons => buttons.map((button) => button.dataset.decision)")
    assert decision in decisions, f"segment {segment!r} offers no {decision!r}: {decisions}"
    return buttons.nth(decisions.index(decision))


def download_decisions(page: Page, folder: Path) -> Path:
    """Clicks "Download decisions.csv" and saves the file into `folder`."""
    with page.expect_download() as download:
        page.get_by_role("button", name="Download decisions.csv").click()
    path = folder / download.value.suggested_filename
    download.value.save_as(path)
    return path


def decide_in_page(
    browser: Browser, index: Path, decisions: Mapping[str, str], folder: Path
) -> Path:
    """Opens the review page `index` in `browser`, decides each segment of `decisions` (segment
    -> property id or `quarantine`) by clicking its button, and returns the downloaded
    `decisions.csv` (saved into `folder`)."""
    context = browser.new_context(accept_downloads=True)
    try:
        page = context.new_page()
        page.goto(index.as_uri())
        for segment, decision in decisions.items():
            choice(page, segment, decision).click()
        expect(page.locator("#decided")).to_have_text(f"{len(decisions):,}")
        return download_decisions(page, folder)
    finally:
        context.close()


def read_decisions(path: Path) -> list[tuple[str, ...]]:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert tuple(frame.columns) == DECISION_COLUMNS
    return list(frame.itertuples(index=False, name=None))


def pressed(page: Page, segment: str) -> list[str]:
    """The decisions shown as chosen in `segment`'s block."""
    return (
        block(page, segment)
        .locator('button.choice[aria-pressed="true"]')
        .evaluate_all("buttons => buttons.map((button) => button.dataset.decision)")
    )


def test_a_reviewer_decides_by_key_and_click_and_downloads_the_decisions(page, tmp_path):
    index = write_page(example_queue(), tmp_path / "export")
    page.goto(index.as_uri())
    progress = page.locator(".progress")
    expect(progress).to_have_text("0 / 4 decided")
    expect(block(page, "seg-1")).to_have_class(CURRENT)
    expect(block(page, ODD_SEGMENT)).not_to_be_in_viewport()

    page.keyboard.press("1")  # the best candidate; the next segment becomes current
    expect(block(page, "seg-2")).to_have_class(CURRENT)
    page.keyboard.press("j")
    expect(block(page, ODD_SEGMENT)).to_have_class(CURRENT)
    expect(block(page, ODD_SEGMENT)).to_be_in_viewport()
    page.keyboard.press("q")
    page.keyboard.press("k")
    page.keyboard.press("k")
    expect(block(page, "seg-2")).to_have_class(CURRENT)
    expect(block(page, "seg-2")).to_be_in_viewport()
    choice(page, "seg-4", "p4").click()
    expect(progress).to_have_text("3 / 4 decided")
    assert pressed(page, "seg-1") == ["p2"]
    assert pressed(page, ODD_SEGMENT) == ["quarantine"]
    assert pressed(page, "seg-4") == ["p4"]

    page.reload()
    expect(progress).to_have_text("3 / 4 decided")
    assert pressed(page, "seg-1") == ["p2"]
    assert pressed(page, "seg-2") == []
    assert pressed(page, ODD_SEGMENT) == ["quarantine"]
    assert pressed(page, "seg-4") == ["p4"]
    expect(block(page, "seg-2")).to_have_class(CURRENT)  # the first one pending
    page.keyboard.press("k")
    page.keyboard.press("2")  # a change of mind: the second candidate
    page.locator("#reviewer").fill("Ana, QA")
    expect(progress).to_have_text("3 / 4 decided")

    rows = read_decisions(download_decisions(page, tmp_path))
    assert rows == [
        ("", "seg-1", "p1", "", "Ana, QA"),
        ("", ODD_SEGMENT, "quarantine", "", "Ana, QA"),
        ("", "seg-4", "p4", "", "Ana, QA"),
    ]


def test_keys_typed_into_the_reviewer_field_decide_nothing(page, tmp_path):
    page.goto(write_page(example_queue(), tmp_path).as_uri())
    page.locator("#reviewer").press_sequentially("q1j")
    expect(page.locator(".progress")).to_have_text("0 / 4 decided")
    page.locator("h1").click()
    page.keyboard.press("0")
    expect(page.locator(".progress")).to_have_text("1 / 4 decided")
    assert pressed(page, "seg-1") == ["quarantine"]


def test_two_exports_keep_their_decisions_apart(page, tmp_path):
    """A later export of the same database shares segments with an earlier one: neither shows
    nor overwrites the other's decisions."""
    first = write_page(example_queue(), tmp_path / "first")
    later = write_page(example_queue(SEGMENTS[1:]), tmp_path / "later")
    page.goto(first.as_uri())
    page.keyboard.press("j")
    page.keyboard.press("1")
    page.goto(later.as_uri())
    expect(page.locator(".progress")).to_have_text("0 / 3 decided")
    page.keyboard.press("q")
    page.goto(first.as_uri())
    expect(page.locator(".progress")).to_have_text("1 / 4 decided")
    assert pressed(page, "seg-2") == ["p1"]


def test_decide_in_page_downloads_what_was_clicked(browser, tmp_path):
    index = write_page(example_queue(), tmp_path)
    path = decide_in_page(browser, index, {"seg-4": "quarantine", ODD_SEGMENT: "p5"}, tmp_path)
    assert read_decisions(path) == [
        ("", ODD_SEGMENT, "p5", "", ""),
        ("", "seg-4", "quarantine", "", ""),
    ]


def test_the_page_requests_nothing_but_itself(page, tmp_path):
    requested = []

    def only_files(route) -> None:
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            requested.append(route.request.url)
            route.abort()

    page.route("**/*", only_files)
    page.on(
        "request", lambda request: request.url.startswith("file:") or requested.append(request.url)
    )
    page.goto(write_page(example_queue(), tmp_path).as_uri())
    page.keyboard.press("1")
    choice(page, "seg-4", "quarantine").click()
    page.wait_for_load_state("networkidle")
    assert requested == []


def test_excerpts_and_ids_are_shown_as_text_never_run(page, tmp_path):
    segments = [(f"{INJECTED}-{n}", *rest) for n, (_, *rest) in enumerate(SEGMENTS)]
    page.goto(write_page(example_queue(segments, excerpt=INJECTED), tmp_path).as_uri())
    assert page.evaluate("window.injected") is None
    assert page.locator("section.segment b, section.segment script").count() == 0
    expect(page.locator("td.excerpt", has_text="quoted").first).to_have_text(INJECTED)
    assert page.evaluate(
        "[...document.querySelectorAll('section.segment')].map((block) => block.dataset.segment)"
    ) == [segment for segment, *_ in segments]


def test_the_thread_shows_gaps_addresses_and_confidences(page, tmp_path):
    page.goto(write_page(example_queue(), tmp_path).as_uri())
    first = block(page, "seg-1")
    gaps = first.locator("td.gap").all_text_contents()
    assert gaps == ["", "45s", "45s", "1d 2h"]
    assert first.locator("tr.in-segment").count() == 2
    buttons = first.locator("button.choice").all_inner_texts()
    assert buttons[0].startswith("1 48 Elm Avenue, Springfield confidence 0.61")
    assert buttons[2].startswith("3 7 Pine Road, Shelbyville no confidence")
    assert buttons[-1] == "0 leave in quarantine"
    expect(block(page, "seg-4").locator("ul.properties")).to_contain_text("90 Cliff Lane")


@pytest.mark.parametrize(
    ("ms", "text"),
    [
        (None, ""),
        (float("nan"), ""),
        (0, "< 1s"),
        (999, "< 1s"),
        (45_000, "45s"),
        (7_500_000, "2h 5m"),
        (3_605_000, "1h"),
        (93_600_000, "1d 2h"),
        (90_061_000, "1d 1h"),
    ],
)
def test_gaps_read_in_their_two_largest_units(ms, text):
    assert gap_text(ms) == text


def test_a_few_thousand_segments_render_in_seconds_and_stay_usable(page, tmp_path):
    """2,000 segments (8,000 thread rows): rendered in one pass (a filter per segment took
    ~12 ms each), loaded, decided by key."""
    segments = [
        (f"s{n}-{segment}", f"{conversation}-{n}", timeline, choices)
        for n in range(500)
        for segment, conversation, timeline, choices in SEGMENTS
    ]
    queue = example_queue(segments)
    started = time.perf_counter()
    index = write_page(queue, tmp_path)
    assert time.perf_counter() - started < 10
    page.goto(index.as_uri())
    expect(page.locator(".progress")).to_have_text("0 / 2,000 decided")
    for key in "1jq":
        page.keyboard.press(key)
    expect(page.locator(".progress")).to_have_text("2 / 2,000 decided")
    expect(page.locator("section.segment").nth(3)).to_have_class(CURRENT)
    expect(page.locator("section.segment").nth(3)).to_be_in_viewport()
