"""`preview` (= `backfill --dry-run`) on both dialects: the plan is the real run's, and
nothing is written anywhere."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from tests.factory import AppDatabase
from tests.test_backfill_runs import busy_timeline
from tests.test_sync_decisions import DIALECTS, generated
from v2_backfill.cli import main


def footprint(app: AppDatabase) -> object:
    """Everything a dry run could have touched: SQLite files' bytes, or PostgreSQL's schemas
    and tables."""
    if app.dialect == "sqlite":
        folder = app.target.sqlite_path.parent
        return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    with app.db.connect() as conn:
        return sorted(
            conn.execute(
                sa.text(
                    "SELECT table_schema, table_name FROM information_schema.tables "
                    "WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
                )
            ).all()
        ) + [(t, app.table_dump(t)) for t in ("messages", "conversations")]


@pytest.mark.parametrize("v2_exists", [False, True], ids=["v2-missing", "v2-present"])
def test_preview_is_the_plan_of_the_real_run_and_writes_nothing(
    app, run_backfill, capsys, monkeypatch, tmp_path, v2_exists
):
    monkeypatch.chdir(tmp_path)
    busy_timeline(app)
    if v2_exists:
        app.create_v2_tables()
    before = footprint(app)

    assert main(["preview", "--db", app.url, "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert footprint(app) == before
    assert main(["backfill", "--dry-run", "--db", app.url]) == 0
    text = capsys.readouterr().out
    assert "nothing was written" in text and "messages to copy: 3" in text
    assert footprint(app) == before

    assert bool(plan["ddl"]) is not v2_exists
    summary = run_backfill(app.url)
    steps = plan["plan"]
    assert steps["messages_to_copy"] == summary["messages_copied"] == 3
    assert steps["messages_to_copy_by_rule"] == summary["attribution_by_rule"]
    assert steps["messages_to_quarantine_by_reason"] == summary["quarantined_by_reason"]
    assert steps["conversations_to_create"] == summary["conversations_created"]
    samples = steps["samples"]["quarantine"]["orphan_message"]
    assert samples[0]["excerpt"] == "orphan"


def test_drift_is_reported_line_by_line_and_extra_indexes_can_be_allowed(app, capsys):
    busy_timeline(app)
    app.create_v2_tables()
    app.execute('CREATE INDEX "messages_v2_extra_idx" ON messages_v2 ("createdAt")', {})

    assert main(["preview", "--db", app.url]) == 3
    err = capsys.readouterr().err
    assert "messages_v2 index messages_v2_extra_idx is not in Prisma's schema" in err

    assert main(["preview", "--db", app.url, "--allow-extra-indexes"]) == 0
    assert "extra index messages_v2_extra_idx allowed" in capsys.readouterr().out


@pytest.mark.parametrize(("answer", "code"), [("n", 2), ("y", 0)])
def test_backfill_on_a_terminal_asks_for_approval(
    app, prefect_server, capsys, monkeypatch, tmp_path, answer, code
):
    monkeypatch.chdir(tmp_path)
    busy_timeline(app)
    monkeypatch.setattr("v2_backfill.cli.run_commands._interactive", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt: answer)

    args = ["backfill", "--db", app.url, "--quarantine-fail", "100%"]
    assert main(args) == code
    assert "messages to copy: 3" in capsys.readouterr().out
    with app.db.connect() as conn:
        created = "messages_v2" in app.db.app_tables(conn)
    assert created is (answer == "y")
    if created:
        assert app.scalar("SELECT COUNT(*) FROM messages_v2") == 3


TEXT_RULES = ("address_mention", "mls_mention", "listing_link", "topic_run")
NEW_REASONS = ("conflicting_evidence", "low_confidence")


def assert_examples(plan: dict, text: str, rule: str, streets: dict[str, str]) -> None:
    """Up to SAMPLES examples of a text rule, each with its excerpt, street line, confidence
    and deciding evidence, in the JSON and in the text."""
    examples = plan["samples"]["copy"][rule]
    assert plan["messages_to_copy_by_rule"][rule] >= len(examples) == 3, rule
    for example in examples:
        assert example["excerpt"] and example["street"] == streets[example["property_id"]]
        assert 0 < example["confidence"] <= 1
        assert example["evidence"].split()[0] in ("message", "feedback", "client_analytics")
        assert (
            f"-> {example['property_id']} ({example['street']}): {example['excerpt']!r} "
            f"(confidence {example['confidence']:.3f}, by {example['evidence']})"
        ) in text


def previewed(app: AppDatabase, capsys: pytest.CaptureFixture, *options: str) -> tuple[dict, str]:
    """The preview's plan (--json) and its text."""
    assert main(["preview", "--db", app.url, "--json", *options]) == 0
    plan = json.loads(capsys.readouterr().out)["plan"]
    assert main(["preview", "--db", app.url, *options]) == 0
    return plan, capsys.readouterr().out


@pytest.mark.parametrize("dialect", DIALECTS)
def test_preview_shows_each_text_rule_with_examples_of_its_evidence(
    dialect, tmp_path, request, run_backfill, capsys
):
    pg = lambda: request.getfixturevalue("pg_database")  # noqa: E731
    with generated(dialect, tmp_path, pg, "previewed") as app:
        plan, text = previewed(app, capsys)
        # activity_context places at 0.85, below the default minimum confidence
        lenient, lenient_text = previewed(app, capsys, "--min-confidence", "0.85")
        summary = run_backfill(app.url)
        streets = {r[0]: r[1].split(",")[0] for r in app.rows("SELECT id, address FROM properties")}

    assert plan["messages_to_copy_by_rule"] == summary["attribution_by_rule"]
    assert plan["messages_to_quarantine_by_reason"] == summary["quarantined_by_reason"]
    for rule in TEXT_RULES:
        assert_examples(plan, text, rule, streets)
    assert_examples(lenient, lenient_text, "activity_context", streets)
    for reason in NEW_REASONS:
        examples = plan["samples"]["quarantine"][reason]
        assert len(examples) == 3 and all(e["detail"] and e["excerpt"] for e in examples), reason
        assert f"    {reason:<32}{plan['messages_to_quarantine_by_reason'][reason]}" in text
        assert f": {examples[0]['excerpt']!r} ({examples[0]['detail']})" in text
    assert all(e["detail"].startswith("best candidate ")
               for e in plan["samples"]["quarantine"]["low_confidence"])  # fmt: skip
    set_based = plan["samples"]["copy"]["conversation_property"][0]
    assert set_based["confidence"] is None and set_based["evidence"] is None
