"""The data-quality gate on both dialects: write - audit - publish, reports, `validate`.

Staging is corrupted by a trigger installed in the bookkeeping store, so the real flow runs
end to end and the corruption happens exactly between the write and the audit.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.factory import AppDatabase
from tests.test_backfill_runs import V2, busy_timeline
from tests.test_report import Collector, chromium_path, dump_dom
from v2_backfill.config import BackfillConfig, Tolerances, parse_database_url
from v2_backfill.db import open_database
from v2_backfill.errors import DataQualityError

LENIENT = Tolerances(1.0, 1.0)


def config(app: AppDatabase, report_dir: Path, **options: object) -> BackfillConfig:
    options.setdefault("tolerances", LENIENT)
    return BackfillConfig(target=parse_database_url(app.url), report_dir=report_dir, **options)


def install_trigger(app: AppDatabase, table: str, event: str, when: str, statement: str) -> None:
    """A row trigger on a staging table running `statement` ({s} = the tables' qualifier)."""
    db = open_database(app.target)
    try:
        with db.begin() as conn:
            db.ensure_bookkeeping(conn)
            if db.dialect == "sqlite":
                conn.exec_driver_sql(
                    f"CREATE TRIGGER v2_backfill.corrupt AFTER {event} ON {table} FOR EACH ROW "
                    f"WHEN {when} BEGIN {statement.format(s='')}; END"
                )
            else:
                conn.exec_driver_sql(
                    "CREATE FUNCTION v2_backfill.corrupt() RETURNS trigger LANGUAGE plpgsql AS "
                    f"$$ BEGIN {statement.format(s='v2_backfill.')}; RETURN NULL; END $$"
                )
                conn.exec_driver_sql(
                    f"CREATE TRIGGER corrupt AFTER {event} ON v2_backfill.{table} FOR EACH ROW "
                    f"WHEN ({when} AND pg_trigger_depth() < 1) "
                    "EXECUTE FUNCTION v2_backfill.corrupt()"
                )
    finally:
        db.dispose()


def message_id(app: AppDatabase, content: str) -> str:
    return app.scalar("SELECT id FROM messages WHERE content = :c", c=content)


CORRUPTIONS = {
    "a message dropped": (
        "stage_v2_messages", "INSERT", "NEW.id = '{victim}'",
        "DELETE FROM {s}stage_v2_messages WHERE id = NEW.id",
        {"every_legacy_message_placed_once", "per_legacy_conversation"},
    ),
    "a count off by one": (
        "stage_conversations", "UPDATE", "NEW.is_new",
        'UPDATE {s}stage_conversations SET "unreadAgentCount" = NEW."unreadAgentCount" + 1 '
        "WHERE id = NEW.id",
        {"unread_counts_match_messages"},
    ),
    "a property given two conversations": (
        "stage_conversations", "UPDATE", "NEW.is_new",
        "INSERT INTO {s}stage_conversations SELECT 'cdup' || substr(id, 5), \"propertyId\", "
        '"timelineId", "agentId", "clientId", status, 0, 0, NULL, "createdAt", "updatedAt", '
        "is_new FROM {s}stage_conversations WHERE id = NEW.id",
        {"unique_conversation_per_property"},
    ),
    "a content byte changed": (
        "stage_v2_messages", "INSERT", "NEW.id = '{victim}'",
        "UPDATE {s}stage_v2_messages SET content = 'welcomE' WHERE id = NEW.id",
        {"content_matches_legacy"},
    ),
}  # fmt: skip


@pytest.mark.parametrize("corruption", CORRUPTIONS)
def test_corrupted_staging_fails_the_gate_and_publishes_nothing(
    app, prefect_server, tmp_path, corruption
):
    from flows.backfill import backfill

    busy_timeline(app)
    app.create_v2_tables()
    before = {table: app.table_dump(table) for table in V2}
    table, event, when, statement, expected = CORRUPTIONS[corruption]
    victim = message_id(app, "welcome")
    install_trigger(app, table, event, when.format(victim=victim), statement)

    state = backfill(config(app, tmp_path / "report"), return_state=True)

    assert state.is_failed()
    error = state.result(raise_on_failure=False)
    assert isinstance(error, DataQualityError)
    assert {table: app.table_dump(table) for table in V2} == before
    assert app.scalar("SELECT COUNT(*) FROM v2_backfill.lineage") == 0
    assert app.scalar("SELECT COUNT(*) FROM v2_backfill.quarantine") == 0
    report = json.loads((tmp_path / "report" / "summary.json").read_text())
    assert report["gate"]["passed"] is False
    assert set(report["gate"]["failed"]) == expected
    assert report["run"]["status"] == "failed"
    status, summary = app.rows("SELECT status, summary FROM v2_backfill.runs")[0]
    assert status == "failed"
    assert json.loads(summary)["checks_failed"] == report["gate"]["failed"]


SYNC_CORRUPTIONS = {
    "a new message dropped": (
        "stage_v2_messages", "INSERT", "NEW.action = 'insert'",
        "DELETE FROM {s}stage_v2_messages WHERE id = NEW.id",
        {"every_legacy_message_placed_once", "per_legacy_conversation"},
    ),
    "a count off by one": (
        "stage_conversations", "UPDATE", "NEW.\"propertyId\" = '{cecil}'",
        'UPDATE {s}stage_conversations SET "unreadAgentCount" = NEW."unreadAgentCount" + 1 '
        "WHERE id = NEW.id",
        {"unread_counts_match_messages"},
    ),
}  # fmt: skip


@pytest.mark.parametrize("corruption", SYNC_CORRUPTIONS)
def test_corrupted_sync_slice_fails_the_gate_and_publishes_nothing(
    app, run_backfill, run_sync, tmp_path, corruption
):
    """The sync's audit reads its materialized slice: a corruption of the staged slice fails
    it, and nothing of the sync is published."""
    from tests.test_sync import T1, rollout

    ids = rollout(app)
    run_backfill(app.url)
    app.message(ids["own"], ids["client"], "see you at 5", sender_type="client", created=T1)
    before = {table: app.table_dump(table) for table in V2}
    lineage = app.rows("SELECT * FROM v2_backfill.lineage ORDER BY legacy_message_id")
    table, event, when, statement, expected = SYNC_CORRUPTIONS[corruption]
    install_trigger(app, table, event, when.format(cecil=ids["cecil"]), statement)

    with pytest.raises(DataQualityError):
        run_sync(app.url, report_dir=str(tmp_path / "sync-report"))

    assert {table: app.table_dump(table) for table in V2} == before
    assert app.rows("SELECT * FROM v2_backfill.lineage ORDER BY legacy_message_id") == lineage
    report = json.loads((tmp_path / "sync-report" / "summary.json").read_text())
    assert set(report["gate"]["failed"]) == expected


def test_clean_run_passes_publishes_and_reports(app, prefect_server, tmp_path):
    from flows.backfill import backfill

    busy_timeline(app)
    state = backfill(config(app, tmp_path / "report"), return_state=True)
    summary = state.result()

    report = json.loads((tmp_path / "report" / "summary.json").read_text())
    assert summary["gate_passed"] is True and report["gate"]["passed"] is True
    assert all(check["success"] for check in report["checks"])
    assert {c["name"] for c in report["checks"]} >= {
        "every_legacy_message_placed_once", "per_legacy_conversation", "content_matches_legacy",
        "legacy_tables_unchanged", "unique_ids", "unique_conversation_per_property",
        "messages_reference_conversations", "conversations_match_property",
        "unread_counts_match_messages", "last_message_at_covers_newest",
        "native_v2_rows_unchanged",
        "status_in_domain", "enums_in_domain", "messages_v2.content_not_null",
    }  # fmt: skip
    assert report["figures"]["messages_copied"] == summary["messages_copied"] == 3
    assert report["figures"]["messages_quarantined"] == 2
    assert report["quarantined_by_reason"] == summary["quarantined_by_reason"]
    assert report["attribution_by_rule"] == summary["attribution_by_rule"]
    assert (tmp_path / "report" / "gx" / "index.html").is_file()
    assert app.scalar("SELECT COUNT(*) FROM messages_v2") == 3
    assert_html_holds_summary_figures(tmp_path / "report")
    assert artifact_keys(state.state_details.flow_run_id) == {
        "backfill-report",
        "backfill-report-checks",
    }


def artifact_keys(flow_run_id: object) -> set[str]:
    """Keys of the Prefect artifacts a flow run created."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
        )
    return {artifact.key for artifact in artifacts}


def assert_html_holds_summary_figures(report_dir: Path) -> None:
    """The page, as headless Chromium renders it, carries every figure of summary.json."""
    report = json.loads((report_dir / "summary.json").read_text())
    page = Collector()
    html = (report_dir / "index.html").read_text(encoding="utf-8")
    html = dump_dom(chromium_path(), report_dir / "index.html")
    assert "PASSED" in html
    page.feed(html)
    values = {
        attrs["data-key"]: attrs["data-value"]
        for attrs in page.with_attr("data-value")
        if attrs.get("data-key")
    }
    for part in ("figures", "attribution_by_rule", "quarantined_by_reason"):
        for key, value in report[part].items():
            assert values[key] == str(value), (part, key)


def test_quarantine_tolerance_warns_then_fails(app, prefect_server, tmp_path):
    from flows.backfill import backfill

    busy_timeline(app)  # 2 of 5 legacy messages end in quarantine: 40%
    with pytest.raises(DataQualityError, match="quarantine_share_limit"):
        backfill(config(app, tmp_path / "strict", tolerances=Tolerances(0.1, 0.3)))
    assert app.scalar("SELECT COUNT(*) FROM messages_v2") == 0

    summary = backfill(config(app, tmp_path / "tolerant", tolerances=Tolerances(0.1, 0.5)))
    assert summary["gate_passed"] is True
    assert summary["checks_warned"] == ["quarantine_share_warning"]


HAND_EDITS = {
    # (an edit of a migrated message's content in V2 is the V2 app's, kept:
    # tests/test_validate_contract.py; a legacy edit that no sync carried is caught)
    "legacy content edited, not carried": (
        "UPDATE messages SET content = content || '!' WHERE id = :victim",
        {"content_matches_legacy"},
    ),
    "message deleted": (
        "DELETE FROM messages_v2 WHERE id = :victim",
        {"every_legacy_message_placed_once"},
    ),
    "count changed": (
        'UPDATE property_conversations SET "unreadClientCount" = "unreadClientCount" + 1 '
        "WHERE id = (SELECT \"conversationId\" FROM messages_v2 WHERE id = :victim)",
        {"unread_counts_match_messages"},
    ),
    "message moved to no conversation": (
        'UPDATE messages_v2 SET "conversationId" = \'cnowhere\' WHERE id = :victim',
        {"every_legacy_message_placed_once", "messages_reference_conversations"},
    ),
}  # fmt: skip


@pytest.mark.parametrize("edit", HAND_EDITS)
def test_validate_catches_a_hand_edit(app, prefect_server, tmp_path, edit):
    from flows.backfill import backfill
    from flows.validate import validate

    busy_timeline(app)
    backfill(config(app, tmp_path / "backfill"))
    clean = validate(config(app, tmp_path / "clean"))
    assert clean["gate_passed"] is True and clean["checks_failed"] == []

    statement, expected = HAND_EDITS[edit]
    victim = message_id(app, "yes, free saturday")  # a read AGENT message
    app.execute(statement, {"victim": victim}, check_fks=False)

    state = validate(config(app, tmp_path / "edited"), return_state=True)

    assert state.is_failed()
    report = json.loads((tmp_path / "edited" / "summary.json").read_text())
    assert set(report["gate"]["failed"]) == expected
    assert report["run"]["kind"] == "validate"
