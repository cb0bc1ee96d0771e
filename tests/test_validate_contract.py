"""`validate` judges the contract a sync keeps, on both databases: the V2 app's own edits of
migrated messages are kept and reported, not failed; legacy hard deletes a sync has reported
(not propagated) are listed, not failed; a legacy edit that no sync carried still fails."""

from __future__ import annotations

import json
from pathlib import Path

from tests.factory import AppDatabase
from tests.test_sync import T1, rollout, v2_message
from v2_backfill.config import BackfillConfig, Tolerances


def validated(app: AppDatabase, report_dir: Path) -> tuple[dict, dict]:
    """The flow `validate`'s outcome (the failed one too) and its report's `summary.json`."""
    from flows.validate import validate
    from v2_backfill.errors import DataQualityError

    config = BackfillConfig(
        target=app.target, report_dir=report_dir, tolerances=Tolerances(1.0, 1.0)
    )
    try:
        outcome = validate(config)
    except DataQualityError as failed:
        assert failed.summary is not None
        outcome = failed.summary
    return outcome, json.loads((report_dir / "summary.json").read_text(encoding="utf-8"))


def settled_rollout(app: AppDatabase) -> dict[str, str]:
    """`rollout` with a message a day later: the cursors move a day past its messages, so
    `validate` compares them (it leaves the last 5 minutes before the cursor to the next sync)."""
    ids = rollout(app)
    app.message(ids["own"], ids["agent"], "a day later", created=T1)
    return ids


def test_an_edit_by_the_v2_app_is_kept_and_reported(app, run_backfill, run_sync, tmp_path):
    ids = settled_rollout(app)
    run_backfill(app.url)
    app.execute(
        'UPDATE messages_v2 SET content = :c, "updatedAt" = :u WHERE id = :id',
        {"c": "is the roof new? (edited in V2)", "u": app.ts(T1 + 1), "id": ids["roof"]},
    )

    outcome, _ = validated(app, tmp_path / "validate")
    assert outcome["gate_passed"] is True, outcome["checks_failed"]
    assert outcome["changes_after_snapshot"]["edited_in_v2"] == 1

    run_sync(app.url, lookback="0")
    assert v2_message(app, ids["roof"])[1] == "is the roof new? (edited in V2)"
    assert validated(app, tmp_path / "again")[0]["gate_passed"] is True


def test_a_legacy_edit_no_sync_carried_fails(app, run_backfill, tmp_path):
    ids = settled_rollout(app)
    run_backfill(app.url)
    # changed behind the cursors' back: its updatedAt stays a day older than the cursor
    app.execute("UPDATE messages SET content = :c WHERE id = :id",
                {"c": "rewritten in legacy", "id": ids["roof"]})  # fmt: skip

    outcome, _ = validated(app, tmp_path / "validate")
    assert outcome["gate_passed"] is False
    assert "content_matches_legacy" in outcome["checks_failed"]
    assert outcome["changes_after_snapshot"]["edited_in_v2"] == 0


def test_a_reported_legacy_delete_is_listed_not_failed(app, run_backfill, run_sync, tmp_path):
    ids = settled_rollout(app)
    run_backfill(app.url)
    app.execute("DELETE FROM messages WHERE id = :id", {"id": ids["follow_up"]})
    synced = run_sync(app.url, reconcile=True)
    assert synced["deletions_found"] == 1 and synced["deletions_removed"] == 0

    outcome, report = validated(app, tmp_path / "validate")
    assert outcome["gate_passed"] is True, outcome["checks_failed"]
    assert outcome["changes_after_snapshot"]["deleted_messages"] == 1
    assert [(d["legacy_message_id"], d["placed_as"]) for d in report["deleted_in_legacy"]] == [
        (ids["follow_up"], "migrated")
    ]
