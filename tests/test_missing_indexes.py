"""`--create-missing-indexes` on both dialects: the Prisma indexes existing V2 tables lack are
created in the publishing transaction (a failed gate leaves none), a rerun creates nothing, and
without the flag preflight's note says what Prisma reports as drift and how to fix it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.factory import AppDatabase
from tests.test_backfill_runs import busy_timeline
from v2_backfill.cli import main
from v2_backfill.config import BackfillConfig, Tolerances, parse_database_url
from v2_backfill.errors import DataQualityError

OPTIONAL = "messages_v2_conversationId_senderType_isRead_idx"
REQUIRED = "messages_v2_senderId_idx"
STATEMENTS = {
    OPTIONAL: f'CREATE INDEX "{OPTIONAL}" ON "messages_v2"("conversationId", "senderType", '
    '"isRead")',
    REQUIRED: f'CREATE INDEX "{REQUIRED}" ON "messages_v2"("senderId")',
}
"""What Prisma's drift check prints for each index when it is absent."""


def indexes(app: AppDatabase) -> set[str]:
    with app.db.connect() as conn:
        found = sa.inspect(conn).get_indexes("messages_v2", schema=app.db.app_schema)
    return {index["name"] for index in found}


@pytest.fixture
def lacking(app: AppDatabase) -> AppDatabase:
    """V2 tables made by the pipeline's DDL, then two of Prisma's indexes dropped by hand: the
    optional one (the dev fixture lacks it) and one every V2 database must have."""
    busy_timeline(app)
    app.create_v2_tables()
    for name in (OPTIONAL, REQUIRED):
        app.execute(f'DROP INDEX "{name}"', {})
    return app


def test_missing_indexes_are_created_and_a_rerun_creates_none(lacking, run_backfill):
    first = run_backfill(lacking.url, create_missing_indexes=True)

    assert sorted(first["indexes_created"]) == sorted([OPTIONAL, REQUIRED])
    assert {OPTIONAL, REQUIRED} <= indexes(lacking)
    assert first["messages_copied"] == 3
    second = run_backfill(lacking.url, create_missing_indexes=True)
    assert second["indexes_created"] == [] and second["notes"] == []
    assert second["messages_copied"] == 0


def test_a_failed_gate_leaves_no_index_behind(lacking, prefect_server, tmp_path):
    from flows.backfill import backfill

    config = BackfillConfig(  # 2 of 5 messages quarantined: 40%, above the 0% allowed
        target=parse_database_url(lacking.url), report_dir=tmp_path / "report",
        tolerances=Tolerances(0.0, 0.0), create_missing_indexes=True,
    )  # fmt: skip

    state = backfill(config, return_state=True)

    assert state.is_failed()
    assert isinstance(state.result(raise_on_failure=False), DataQualityError)
    assert not {OPTIONAL, REQUIRED} & indexes(lacking)
    assert lacking.scalar("SELECT COUNT(*) FROM messages_v2") == 0


def test_preview_lists_the_indexes_it_would_create(lacking, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["preview", "--db", lacking.url, "--create-missing-indexes", "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["indexes_to_create"] == STATEMENTS
    assert plan["ddl"] == []

    assert main(["preview", "--db", lacking.url, "--create-missing-indexes"]) == 0
    text = capsys.readouterr().out
    assert "DDL that would run (indexes the V2 tables lack, as the run publishes):" in text
    assert all(f"    {statement};" in text for statement in STATEMENTS.values())
    assert indexes(lacking).isdisjoint(STATEMENTS)  # preview wrote nothing


def test_without_the_flag_the_note_says_what_prisma_reports(app, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    busy_timeline(app)
    app.create_v2_tables()
    app.execute(f'DROP INDEX "{OPTIONAL}"', {})

    assert main(["preview", "--db", app.url, "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)

    where = f" in schema {app.db.app_schema}" if app.db.app_schema else ""
    assert plan["indexes_to_create"] == {}
    assert plan["notes"] == [
        f"messages_v2: index {OPTIONAL} on (conversationId, senderType, isRead) is absent, "
        f"and Prisma reports it as drift: {STATEMENTS[OPTIONAL]}. To fix it, run the backfill "
        f"with --create-missing-indexes, or run that statement{where}"
    ]


def test_a_required_index_missing_is_drift_without_the_flag(lacking, capsys):
    assert main(["preview", "--db", lacking.url]) == 3
    assert (
        f"messages_v2 index {REQUIRED} is missing: Prisma reports it as drift "
        f"({STATEMENTS[REQUIRED]}); --create-missing-indexes creates it"
    ) in capsys.readouterr().err


def test_an_index_of_the_same_name_but_another_shape_is_drift(app, capsys):
    busy_timeline(app)
    app.create_v2_tables()
    app.execute(f'DROP INDEX "{OPTIONAL}"', {})
    app.execute(f'CREATE INDEX "{OPTIONAL}" ON messages_v2 ("conversationId")', {})

    assert main(["preview", "--db", app.url, "--create-missing-indexes"]) == 3
    err = capsys.readouterr().err
    assert f"messages_v2 index {OPTIONAL}: columns is ('conversationId',)" in err


@pytest.mark.sqlite
def test_the_dev_fixture_gets_its_missing_index(fixture_db: Path, run_backfill):
    url = f"file:{fixture_db}"
    summary = run_backfill(url, create_missing_indexes=True)

    assert summary["indexes_created"] == [OPTIONAL]
    app = AppDatabase(url)
    try:
        assert OPTIONAL in indexes(app)
    finally:
        app.dispose()
