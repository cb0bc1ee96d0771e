"""The incremental sync on real SQLite files and a real PostgreSQL schema: after a backfill the
old app keeps writing (new messages, edits, read receipts, deletes, new properties and
conversations) and so does the V2 app (native messages, read receipts); a sync must bring V2
to exactly the expected state, a second sync must change nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.factory import HOUR, MINUTE, T0, AppDatabase
from tests.test_backfill_runs import V2
from v2_backfill.errors import UsageError

DAY = 24 * HOUR
T1 = T0 + DAY
"""When the old app writes again, after the backfill."""
LEGACY = ("users", "clients", "timelines", "properties", "conversations", "messages")
BOOKKEEPING = ("lineage", "quarantine", "created_conversations", "replacements")


def rollout(app: AppDatabase) -> dict[str, str]:
    """A timeline with two houses, a property thread and a shared thread, backfilled soon."""
    agent, client, timeline = app.household()
    cecil = app.property(timeline, "1052 Cecil Ave", position=1)
    oak = app.property(timeline, "426 E Oak St", position=2)
    own = app.conversation(timeline, agent, client, cecil)
    shared = app.conversation(timeline, agent, client)
    return {
        "agent": agent, "client": client, "timeline": timeline, "cecil": cecil, "oak": oak,
        "own": own, "shared": shared,
        "welcome": app.message(own, agent, "welcome", created=T0),
        "roof": app.message(own, client, "is the roof new?", sender_type="client",
                            created=T0 + 3),
        "oak_question": app.message(shared, client, "426 East Oak Street?",
                                    sender_type="client", created=T0 + 1),
        "follow_up": app.message(shared, agent, "yes, free saturday", created=T0 + 2),
    }  # fmt: skip


def conversation_of(app: AppDatabase, property_id: str) -> tuple:
    """(id, unreadAgentCount, unreadClientCount, lastMessageAt) of the property's conversation."""
    rows = app.rows(
        'SELECT id, "unreadAgentCount", "unreadClientCount", "lastMessageAt" '
        'FROM property_conversations WHERE "propertyId" = :p',
        p=property_id,
    )
    return tuple(rows[0]) if rows else ()


def v2_message(app: AppDatabase, message_id: str) -> tuple:
    """(conversationId, content, isRead, readAt) of a messages_v2 row, or ()."""
    rows = app.rows(
        'SELECT "conversationId", content, "isRead", "readAt" FROM messages_v2 WHERE id = :id',
        id=message_id,
    )
    return (rows[0][0], rows[0][1], bool(rows[0][2]), rows[0][3]) if rows else ()


def dumps(app: AppDatabase, tables: tuple[str, ...], schema: str = "") -> dict[str, list[tuple]]:
    """Every row of each table, ordered."""
    prefix = f"{schema}." if schema else ""
    return {
        table: [tuple(r) for r in app.rows(f"SELECT * FROM {prefix}{table} ORDER BY 1")]
        for table in tables
    }


def old_app_writes(app: AppDatabase, ids: dict[str, str]) -> dict[str, str]:
    """The old app after the backfill: inserts, an edit, a read receipt, a hard delete, a new
    property with its own conversation."""
    new = {
        "see_you": app.message(ids["own"], ids["client"], "see you at 5", sender_type="client",
                               created=T1),
        "about_cecil": app.message(ids["shared"], ids["agent"], "and 1052 Cecil Ave?",
                                   created=T1 + 1),
    }  # fmt: skip
    app.execute(
        'UPDATE messages SET content = :c, "updatedAt" = :u WHERE id = :id',
        {"c": "is the roof new? (2019?)", "u": app.ts(T1 + 2), "id": ids["roof"]},
    )
    app.execute(
        'UPDATE messages SET "isRead" = :r, "readAt" = :at, "updatedAt" = :at WHERE id = :id',
        {"r": True, "at": app.ts(T1 + 3), "id": ids["welcome"]},
    )
    app.execute("DELETE FROM messages WHERE id = :id", {"id": ids["follow_up"]})
    pine = app.property(ids["timeline"], "77 Pine Rd", position=3, created_ms=T1)
    pine_thread = app.conversation(ids["timeline"], ids["agent"], ids["client"], pine)
    new["pine"] = pine
    new["pine_hello"] = app.message(pine_thread, ids["client"], "hello pine",
                                    sender_type="client", created=T1 + 4)  # fmt: skip
    return new


def v2_app_writes(app: AppDatabase, ids: dict[str, str]) -> str:
    """The V2 app meanwhile, keeping its counts as it goes: a native message in Cecil's
    conversation; the client reads the Oak question in V2 (still unread in legacy) and, later
    than legacy says, the welcome."""
    cecil_conversation = conversation_of(app, ids["cecil"])[0]
    oak_conversation = conversation_of(app, ids["oak"])[0]
    native = app.insert(
        "messages_v2",
        {"id": "cnativev2message000000001", "conversationId": cecil_conversation,
         "senderId": ids["client"], "senderType": "CLIENT", "content": "typed in V2",
         "type": "TEXT", "isRead": False, "createdAt": app.ts(T1 + 5),
         "updatedAt": app.ts(T1 + 5)},
    )  # fmt: skip
    bump = 'UPDATE property_conversations SET "{counter}" = "{counter}" + :by WHERE id = :id'
    app.execute(bump.format(counter="unreadAgentCount"), {"by": 1, "id": cecil_conversation})
    for message_id, at in ((ids["oak_question"], T1 + 6), (ids["welcome"], T1 + 7)):
        app.execute(
            'UPDATE messages_v2 SET "isRead" = :r, "readAt" = :at, "updatedAt" = :at '
            "WHERE id = :id",
            {"r": True, "at": app.ts(at), "id": message_id},
        )
    app.execute(bump.format(counter="unreadAgentCount"), {"by": -1, "id": oak_conversation})
    app.execute(bump.format(counter="unreadClientCount"), {"by": -1, "id": cecil_conversation})
    return native


def assert_synced(app: AppDatabase, ids: dict[str, str], new: dict[str, str], native: str) -> None:
    """V2 as a sync must leave it after `old_app_writes` and `v2_app_writes`."""
    cecil, oak = conversation_of(app, ids["cecil"]), conversation_of(app, ids["oak"])
    pine = conversation_of(app, new["pine"])
    assert app.placement(new["see_you"]) == (ids["cecil"], "conversation_property")
    assert app.placement(new["about_cecil"]) == (ids["cecil"], "address_mention")
    assert app.placement(new["pine_hello"]) == (new["pine"], "conversation_property")
    # a legacy edit flows through; a legacy read receipt applies; read stays read with the
    # earliest readAt, whichever side read first
    assert v2_message(app, ids["roof"])[1] == "is the roof new? (2019?)"
    assert v2_message(app, ids["welcome"])[2:] == (True, app.ts(T1 + 3))
    assert v2_message(app, ids["oak_question"])[2:] == (True, app.ts(T1 + 6))
    # a plain sync does not see the hard delete: the copy stays until the reconcile
    assert v2_message(app, ids["follow_up"])[0] == oak[0]
    assert v2_message(app, native) == (cecil[0], "typed in V2", False, None)
    # recounted from every message, native ones included: (unread CLIENT, unread AGENT)
    assert cecil[1:3] == (3, 1)  # roof, see you, the native one; about cecil
    assert oak[1:3] == (0, 1)  # the follow-up (the app counted its own read receipt)
    assert pine[1:3] == (1, 0)
    assert cecil[3] == app.ts(T1 + 5)


def test_sync_brings_v2_to_the_expected_state_and_a_second_changes_nothing(
    app, run_backfill, run_sync
):
    ids = rollout(app)
    run_backfill(app.url)
    new = old_app_writes(app, ids)
    native = v2_app_writes(app, ids)
    legacy_before = dumps(app, LEGACY)

    summary = run_sync(app.url)

    assert_synced(app, ids, new, native)
    assert summary["messages_copied"] == 3
    assert summary["messages_updated"] == 2  # the edit and the read receipt
    assert summary["conversations_created"] == 1
    assert summary["gate_passed"] and summary["deletions_found"] == 0
    assert dumps(app, LEGACY) == legacy_before

    settled = (dumps(app, V2), dumps(app, BOOKKEEPING, "v2_backfill"))
    again = run_sync(app.url)
    assert (dumps(app, V2), dumps(app, BOOKKEEPING, "v2_backfill")) == settled
    assert again["messages_copied"] == again["messages_updated"] == 0

    found = run_sync(app.url, reconcile=True)
    assert found["deletions_found"] == 1 and found["deletions_removed"] == 0
    assert (dumps(app, V2), dumps(app, BOOKKEEPING, "v2_backfill")) == settled

    removed = run_sync(app.url, reconcile=True, propagate_deletes=True)
    assert removed["deletions_removed"] == 1
    assert v2_message(app, ids["follow_up"]) == ()
    assert conversation_of(app, ids["oak"])[1:3] == (0, 0)
    assert not app.rows(
        "SELECT 1 FROM v2_backfill.lineage WHERE legacy_message_id = :id", id=ids["follow_up"]
    )
    assert v2_message(app, native)[1:] == ("typed in V2", False, None)
    assert dumps(app, LEGACY) == legacy_before


def test_a_late_commit_inside_the_lookback_is_picked_up(app, run_backfill, run_sync):
    ids = rollout(app)
    run_backfill(app.url)
    run_sync(app.url)
    (watermark,) = app.rows(
        "SELECT updated_at FROM v2_backfill.watermarks WHERE table_name = 'messages'"
    )[0]
    newest = app.db.to_ms(watermark)
    inside = app.message(ids["own"], ids["agent"], "committed late", created=newest - MINUTE)
    outside = app.message(ids["own"], ids["agent"], "very late", created=newest - 10 * MINUTE)

    run_sync(app.url)  # lookback 5 minutes
    assert app.placement(inside) == (ids["cecil"], "conversation_property")
    assert app.placement(outside) == (None, None)

    run_sync(app.url, reconcile=True)
    assert app.placement(outside) == (ids["cecil"], "conversation_property")


def test_a_zero_lookback_reads_exactly_after_the_cursor(app, run_backfill, run_sync):
    ids = rollout(app)
    run_backfill(app.url)
    late = app.message(ids["own"], ids["agent"], "late", created=T0 + 2)
    run_sync(app.url, lookback="0")
    assert app.placement(late) == (None, None)
    newer = app.message(ids["own"], ids["agent"], "newer", created=T1)
    run_sync(app.url, lookback="0")
    assert app.placement(newer) == (ids["cecil"], "conversation_property")


def _stored_messages_cursor(app: AppDatabase) -> tuple[int, str]:
    ((updated, row_id),) = app.rows(
        "SELECT updated_at, row_id FROM v2_backfill.watermarks WHERE table_name = 'messages'"
    )
    return app.db.to_ms(updated), row_id


def _newest_legacy_message(app: AppDatabase) -> tuple[int, str]:
    """(updatedAt, id) of the legacy message updated last, ties to the greatest id in byte order."""
    rows = app.rows('SELECT "updatedAt", id FROM messages')
    updated, row_id = max((app.db.to_ms(u), i.encode()) for u, i in rows)
    return updated, row_id.decode()


def test_a_sync_takes_the_messages_cursor_from_its_changes_else_from_the_table(
    app, run_backfill, run_sync
):
    ids = rollout(app)
    run_backfill(app.url)
    for sender in ("agent", "client"):  # the same updatedAt: the greater id is the cursor
        app.message(ids["shared"], ids[sender], f"from the {sender}", sender_type=sender,
                    created=T0 + HOUR, updated=T0 + 2 * HOUR)  # fmt: skip
    run_sync(app.url, lookback="0")
    assert _stored_messages_cursor(app) == _newest_legacy_message(app)

    run_sync(app.url, lookback="0")  # nothing changed: read from the table, the same cursor
    assert _stored_messages_cursor(app) == _newest_legacy_message(app)


def test_a_new_property_in_a_single_property_timeline_is_reported_then_replaced(
    app, run_backfill, run_sync
):
    agent, client, timeline = app.household()
    cecil = app.property(timeline, "1052 Cecil Ave", position=1)
    shared = app.conversation(timeline, agent, client)
    ask = app.message(shared, client, "what about 426 E Oak St?", sender_type="client",
                      created=T0)  # fmt: skip
    reply = app.message(shared, agent, "booked for friday", created=T0 + MINUTE)
    run_backfill(app.url)
    assert app.placement(ask) == (cecil, "single_property_timeline")

    oak = app.property(timeline, "426 E Oak St", position=2, created_ms=T1)
    reported = run_sync(app.url)

    assert reported["replacements_found"] == 2 and reported["replacements_applied"] == 0
    assert app.placement(ask) == (cecil, "single_property_timeline")  # never moved silently
    findings = app.rows(
        "SELECT legacy_message_id, from_property_id, to_property_id, rule "
        "FROM v2_backfill.replacements ORDER BY legacy_message_id"
    )
    assert sorted(tuple(r) for r in findings) == sorted(
        [(ask, cecil, oak, "address_mention"), (reply, cecil, oak, "topic_run")]
    )

    replaced = run_sync(app.url, replace=True)

    assert replaced["replacements_applied"] == 2
    assert app.placement(ask) == (oak, "address_mention")
    assert app.placement(reply) == (oak, "topic_run")
    assert conversation_of(app, oak)[1:3] == (1, 1)
    assert conversation_of(app, cecil)[1:3] == (0, 0)
    assert not app.rows("SELECT 1 FROM v2_backfill.replacements")


def test_quarantined_message_with_new_evidence_is_migrated(app, run_backfill, run_sync):
    ids = rollout(app)
    lost = app.message(ids["shared"], ids["client"], "is 77 Pine Rd still free?",
                       sender_type="client", created=T0 + 5 * HOUR)  # fmt: skip
    run_backfill(app.url)
    assert app.rows("SELECT reason FROM v2_backfill.quarantine WHERE legacy_message_id = :id",
                    id=lost)[0][0] == "no_property_evidence"  # fmt: skip

    pine = app.property(ids["timeline"], "77 Pine Rd", position=3, created_ms=T1)
    run_sync(app.url)

    assert app.placement(lost) == (pine, "address_mention")
    assert not app.rows("SELECT 1 FROM v2_backfill.quarantine WHERE legacy_message_id = :id",
                        id=lost)  # fmt: skip


def test_a_sync_before_any_backfill_is_refused(app, run_sync, tmp_path):
    app.create_v2_tables()
    with pytest.raises(UsageError, match="no backfill has published"):
        run_sync(app.url)
    if app.dialect == "sqlite":
        assert not app.target.sidecar_path.exists()


def test_propagate_deletes_needs_reconcile(app, run_backfill, run_sync):
    rollout(app)
    run_backfill(app.url)
    with pytest.raises(UsageError, match="--propagate-deletes needs --reconcile"):
        run_sync(app.url, propagate_deletes=True)


def test_rollback_of_every_run_undoes_the_syncs_too(app, run_backfill, run_sync):
    from v2_backfill.rollback import rollback

    ids = rollout(app)
    app.create_v2_tables()
    before = dumps(app, V2)
    run_backfill(app.url)
    old_app_writes(app, ids)
    run_sync(app.url)

    undone = rollback(app.target, all_runs=True)

    assert len(undone.runs_rolled_back) == 2  # the backfill and the sync
    assert dumps(app, V2) == before
    with pytest.raises(UsageError, match="no backfill has published"):
        run_sync(app.url)


def test_rolling_back_a_sync_restores_its_cursors_so_the_next_sync_copies_again(
    app, run_backfill, run_sync, tmp_path
):
    from v2_backfill.rollback import rollback

    ids = rollout(app)
    run_backfill(app.url)
    cursors = dumps(app, ("watermarks",), "v2_backfill")
    late = app.message(ids["own"], ids["agent"], "late", created=T1)
    synced = run_sync(app.url, lookback="0")
    assert app.placement(late) == (ids["cecil"], "conversation_property")

    rollback(app.target, synced["run_id"])

    assert app.placement(late) == (None, None)
    assert dumps(app, ("watermarks",), "v2_backfill") == cursors  # as the backfill left them
    run_sync(app.url, lookback="0")
    assert app.placement(late) == (ids["cecil"], "conversation_property")
    assert_validates(app, tmp_path / "validate")


def test_rolling_back_a_sync_lets_the_next_one_place_again_what_new_facts_placed(
    app, run_backfill, run_sync, tmp_path
):
    from v2_backfill.rollback import rollback

    ids = rollout(app)
    lost = app.message(ids["shared"], ids["client"], "is 77 Pine Rd still free?",
                       sender_type="client", created=T0 + 5 * HOUR)  # fmt: skip
    run_backfill(app.url)
    pine = app.property(ids["timeline"], "77 Pine Rd", position=3, created_ms=T1)
    synced = run_sync(app.url, lookback="0")
    assert app.placement(lost) == (pine, "address_mention")

    rollback(app.target, synced["run_id"])

    assert app.placement(lost) == (None, None)
    run_sync(app.url, lookback="0")
    assert app.placement(lost) == (pine, "address_mention")
    assert_validates(app, tmp_path / "validate")


def assert_validates(app: AppDatabase, report_dir: Path) -> None:
    """The flow `validate` passes on the published state."""
    from flows.validate import validate
    from v2_backfill.config import BackfillConfig, Tolerances

    checked = validate(
        BackfillConfig(target=app.target, report_dir=report_dir, tolerances=Tolerances(1.0, 1.0))
    )
    assert checked["gate_passed"] is True, checked["checks_failed"]


def test_a_change_in_a_long_shared_thread_places_its_run_again_only(app, run_backfill, run_sync):
    agent, client, timeline = app.household()
    cecil = app.property(timeline, "1052 Cecil Ave", position=1)
    app.property(timeline, "426 E Oak St", position=2)
    shared = app.conversation(timeline, agent, client)
    earlier = [app.message(shared, agent, f"news {n}", created=T0 - n * DAY) for n in range(1, 6)]
    mention = app.message(shared, agent, "1052 Cecil Ave?", created=T0)
    follow = app.message(shared, client, "nice", sender_type="client", created=T0 + 30 * MINUTE)
    run_backfill(app.url, min_confidence=0.9)  # two houses 20 minutes apart: confidence < 0.97
    assert app.placement(follow) == (cecil, "topic_run")

    # committed late: sent between the two, named another house; it now leads the thread
    switch = app.message(shared, client, "what about 426 E Oak St?", sender_type="client",
                         created=T0 + 20 * MINUTE, updated=T1)  # fmt: skip
    summary = run_sync(app.url)

    assert summary["legacy_messages"] == 3  # the new one and the rest of its topic run
    oak = app.rows("SELECT id FROM properties WHERE address = '426 E Oak St'")[0][0]
    assert app.placement(switch) == (oak, "address_mention")
    assert app.placement(mention) == (cecil, "address_mention")  # placed again, the same
    assert app.placement(follow) == (cecil, "topic_run")  # reported, not moved
    assert [tuple(r) for r in app.rows(
        "SELECT legacy_message_id, to_property_id, rule FROM v2_backfill.replacements"
    )] == [(follow, oak, "topic_run")]  # fmt: skip
    assert all(app.placement(m)[0] is None for m in earlier)  # no evidence, untouched
