"""Whole runs on both dialects: re-runs, native rows, and the app writing during a run."""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa

from tests.factory import T0, AppDatabase
from v2_backfill import backfill, runs
from v2_backfill.config import BackfillConfig
from v2_backfill.db import Database, open_database

V2 = ("property_conversations", "messages_v2", "notifications_v2")


def busy_timeline(app: AppDatabase) -> dict[str, str]:
    """A timeline with a property thread, a shared thread that mentions both houses, and junk."""
    agent, client, timeline = app.household()
    cecil = app.property(timeline, "1052 Cecil Ave", position=1)
    oak = app.property(timeline, "426 E Oak St", position=2)
    own = app.conversation(timeline, agent, client, cecil)
    shared = app.conversation(timeline, agent, client)
    app.message(own, agent, "welcome", created=T0)
    app.message(shared, client, "426 East Oak Street?", sender_type="client", created=T0 + 1)
    app.message(shared, agent, "yes, free saturday", created=T0 + 2, read_at=T0 + 3)
    app.message(shared, agent, "nothing to see", created=T0 + 10**9)
    app.message("cnoconversation0000000000", agent, "orphan", check_fks=False)
    return {"agent": agent, "client": client, "timeline": timeline, "cecil": cecil, "oak": oak}


def test_rerun_is_idempotent(app, run_backfill):
    busy_timeline(app)
    first = run_backfill(app.url)
    snapshot = {t: app.table_dump(t) for t in V2}
    bookkeeping = app.rows("SELECT * FROM v2_backfill.lineage ORDER BY legacy_message_id")

    second = run_backfill(app.url)

    assert {t: app.table_dump(t) for t in V2} == snapshot
    assert app.rows("SELECT * FROM v2_backfill.lineage ORDER BY legacy_message_id") == bookkeeping
    assert first["messages_copied"] == 3 and second["messages_copied"] == 0
    assert second["messages_already_migrated"] == 3
    assert second["quarantined_by_reason"] == first["quarantined_by_reason"]


def test_text_rules_results_indexed_once_and_an_older_layout_rebuilt(app, run_backfill):
    busy_timeline(app)
    first = run_backfill(app.url)
    store = open_database(app.target)  # the store attached, as a run sees it
    with store.begin() as conn:  # the layout before: a primary key grown row by row
        conn.execute(sa.text("DROP TABLE v2_backfill.stage_attribution"))
        conn.execute(sa.text(
            "CREATE TABLE v2_backfill.stage_attribution (message_id TEXT PRIMARY KEY, "
            "property_id TEXT, rule TEXT, reason TEXT, detail TEXT, confidence REAL, "
            "evidence TEXT, segment TEXT)"
        ))  # fmt: skip
    store.dispose()

    second = run_backfill(app.url)

    assert second["messages_already_migrated"] == first["messages_copied"] == 3
    assert second["quarantined_by_reason"] == first["quarantined_by_reason"]
    store = open_database(app.target)
    with store.connect() as conn:
        inspector = sa.inspect(conn)
        key = inspector.get_pk_constraint("stage_attribution", schema="v2_backfill")
        indexes = inspector.get_indexes("stage_attribution", schema="v2_backfill")
    assert not key["constrained_columns"]
    assert [(i["name"], i["column_names"], bool(i["unique"])) for i in indexes] == [
        ("stage_attribution_message", ["message_id"], True)
    ]
    with pytest.raises(sa.exc.IntegrityError):  # one result per message, as the key was
        with store.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO v2_backfill.stage_attribution (message_id) VALUES ('m'), ('m')"
            ))  # fmt: skip
    store.dispose()


def test_every_message_in_exactly_one_place(app, run_backfill):
    busy_timeline(app)
    run_backfill(app.url)
    legacy = {r[0] for r in app.rows("SELECT id FROM messages")}
    migrated = {r[0] for r in app.rows("SELECT legacy_message_id FROM v2_backfill.lineage")}
    quarantined = {r[0] for r in app.rows("SELECT legacy_message_id FROM v2_backfill.quarantine")}
    assert migrated | quarantined == legacy
    assert not migrated & quarantined
    assert migrated <= {r[0] for r in app.rows("SELECT id FROM messages_v2")}


def test_native_rows_kept_and_reused(app, run_backfill):
    ids = busy_timeline(app)
    app.create_v2_tables()
    native = app.insert(
        "property_conversations",
        {"id": "cnativeconversation000001", "propertyId": ids["oak"], "timelineId": ids["timeline"],
         "agentId": ids["agent"], "clientId": ids["client"], "status": "CLOSED",
         "unreadAgentCount": 0, "unreadClientCount": 0, "lastMessageAt": app.ts(T0 + 10**10),
         "createdAt": app.ts(T0), "updatedAt": app.ts(T0)},
    )  # fmt: skip
    app.insert(
        "messages_v2",
        {"id": "cnativemessage00000000001", "conversationId": native, "senderId": ids["client"],
         "senderType": "CLIENT", "content": "native hi", "type": "TEXT", "isRead": False,
         "createdAt": app.ts(T0 + 10**10), "updatedAt": app.ts(T0 + 10**10)},
    )  # fmt: skip
    native_message = app.table_dump("messages_v2")

    summary = run_backfill(app.url)

    row = app.rows(
        'SELECT id, status, "unreadAgentCount", "unreadClientCount", "lastMessageAt" '
        'FROM property_conversations WHERE "propertyId" = :p',
        p=ids["oak"],
    )[0]
    # reused: id and status kept; counts from all messages (native unread CLIENT + legacy one)
    assert tuple(row) == (native, "CLOSED", 2, 0, app.ts(T0 + 10**10))
    assert set(native_message) <= set(app.table_dump("messages_v2"))
    assert summary["conversations_reused"] == 1 and summary["conversations_created"] == 1


def staged_run(app: AppDatabase) -> tuple[Database, str]:
    """A backfill run started and its result written into staging, not yet published."""
    db = open_database(app.target)
    run_id = runs.new_run_id()
    runs.start_run(db, run_id, "backfill", {})
    backfill.stage_messages(db, BackfillConfig(target=app.target))
    backfill.attribute_shared_messages(db, BackfillConfig(target=app.target))
    backfill.write_result(db)
    return db, run_id


def test_app_creates_the_conversation_during_the_run(app):
    """The live app inserts the property's conversation after staging, before publishing."""
    ids = busy_timeline(app)
    app.create_v2_tables()
    db, run_id = staged_run(app)  # the plan is staged (and would be audited) before the app acts

    app_conversation = app.insert(
        "property_conversations",
        {"id": "cappmadeconversation00001", "propertyId": ids["cecil"],
         "timelineId": ids["timeline"], "agentId": ids["agent"], "clientId": ids["client"],
         "status": "ACTIVE", "unreadAgentCount": 0, "unreadClientCount": 0,
         "createdAt": app.ts(T0), "updatedAt": app.ts(T0)},
    )  # fmt: skip
    backfill.publish(db, run_id)
    db.dispose()

    rows = app.rows('SELECT id FROM property_conversations WHERE "propertyId" = :p', p=ids["cecil"])
    assert [r[0] for r in rows] == [app_conversation]
    held = app.scalar(
        'SELECT COUNT(*) FROM messages_v2 WHERE "conversationId" = :c', c=app_conversation
    )
    assert held == 1


def published_statements(db: Database, run_id: str) -> list[str]:
    """The statements `backfill.publish` sends to the database, as sent."""
    sent: list[str] = []
    listener = lambda conn, cursor, statement, *rest: sent.append(statement)  # noqa: E731
    sa.event.listen(db.engine, "before_cursor_execute", listener)
    try:
        backfill.publish(db, run_id)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listener)
    return sent


def test_changes_published_only_when_staged(app):
    """A first backfill stages no change to a published message: its publish sends no UPDATE
    of messages_v2 or lineage; a re-run after a legacy read receipt sends them and applies it."""
    busy_timeline(app)
    app.create_v2_tables()
    db, run_id = staged_run(app)
    first = published_statements(db, run_id)
    unread = app.scalar("SELECT id FROM messages WHERE content = 'welcome'")
    app.execute('UPDATE messages SET "isRead" = :r, "readAt" = :at, "updatedAt" = :at '
                "WHERE id = :id", {"r": True, "at": app.ts(T0 + 5), "id": unread})  # fmt: skip
    db.dispose()
    db, run_id = staged_run(app)
    second = published_statements(db, run_id)
    db.dispose()

    updates = ("UPDATE messages_v2 ", "UPDATE v2_backfill.lineage ")
    changed = [next(u for u in updates if s.lstrip().startswith(u)) for s in second
               if s.lstrip().startswith(updates)]  # fmt: skip
    assert not [s for s in first if s.lstrip().startswith(updates)]
    assert changed == list(updates)
    assert app.scalar('SELECT "isRead" FROM messages_v2 WHERE id = :id', id=unread) in (True, 1)


@pytest.mark.postgres
def test_publish_waits_for_the_apps_open_transaction(pg_schema):
    """PostgreSQL: the app's uncommitted insert of the same property's conversation wins."""
    app = AppDatabase(pg_schema).create_legacy_tables().create_v2_tables()
    ids = busy_timeline(app)
    db, run_id = staged_run(app)  # the plan is staged (and would be audited) before the app acts

    import sqlalchemy as sa

    with app.db.begin() as app_tx:  # the app's transaction, open while the backfill publishes
        app_tx.execute(
            sa.text(
                'INSERT INTO property_conversations (id, "propertyId", "timelineId", "agentId", '
                '"clientId", "updatedAt") VALUES (:id, :p, :t, :a, :c, now())'
            ),
            {"id": "cappmadeconversation00002", "p": ids["oak"], "t": ids["timeline"],
             "a": ids["agent"], "c": ids["client"]},
        )  # fmt: skip
        publisher = threading.Thread(target=backfill.publish, args=(db, run_id))
        publisher.start()
        time.sleep(1.0)
        assert publisher.is_alive()  # blocked on the app's row lock, not failed
    publisher.join(timeout=60)
    db.dispose()

    placed = app.rows(
        'SELECT mv."conversationId" FROM messages_v2 mv JOIN property_conversations pc '
        'ON pc.id = mv."conversationId" WHERE pc."propertyId" = :p',
        p=ids["oak"],
    )
    assert {r[0] for r in placed} == {"cappmadeconversation00002"}
    app.dispose()
