"""The backfill flow on real SQLite files and a real PostgreSQL schema: every rule and edge case."""

from __future__ import annotations

import json

import pytest

from tests.factory import HOUR, MINUTE, T0, AppDatabase


def quarantine_reason(app: AppDatabase, message_id: str) -> str | None:
    rows = app.rows(
        "SELECT reason FROM v2_backfill.quarantine WHERE legacy_message_id = :id", id=message_id
    )
    return rows[0][0] if rows else None


def test_conversation_property_and_single_property_timeline(app, run_backfill):
    agent, client, timeline = app.household()
    house = app.property(timeline, "1052 Cecil Ave, Louisville, KY 40211")
    own = app.conversation(timeline, agent, client, house)
    shared = app.conversation(timeline, agent, client)
    m1 = app.message(own, agent, "hello", created=T0)
    m2 = app.message(shared, client, "is it still free?", sender_type="client", created=T0 + 1)

    summary = run_backfill(app.url)

    assert app.placement(m1) == (house, "conversation_property")
    assert app.placement(m2) == (house, "single_property_timeline")
    assert summary["conversations_created"] == 1
    assert summary["messages_copied"] == 2
    assert summary["attribution_by_rule"] == {
        "conversation_property": 1,
        "single_property_timeline": 1,
    }


@pytest.mark.parametrize(
    "text",
    [
        "What about 1052 Cecil Avenue?",
        "1052 cecil ave. looks great",
        "Loved 1052 CECIL AVE, Louisville KY 40211!!",
        "tour of 1052 Cecil Ave tomorrow",
    ],
)
def test_address_mention_spellings(app, run_backfill, text):
    agent, client, timeline = app.household()
    cecil = app.property(timeline, "1052 Cecil Ave, Louisville, KY 40211", position=1)
    app.property(timeline, "1100 Ellison Ave, Louisville, KY 40204", position=2)
    shared = app.conversation(timeline, agent, client)
    message = app.message(shared, agent, text)

    run_backfill(app.url)

    assert app.placement(message) == (cecil, "address_mention")


def test_topic_runs_switch_split_and_quarantine(app, run_backfill):
    agent, client, timeline = app.household()
    cecil = app.property(timeline, "1052 Cecil Ave, Louisville, KY 40211", position=1)
    oak = app.property(timeline, "426 E Oak St, Louisville, KY 40203", position=2)
    shared = app.conversation(timeline, agent, client)
    first = app.message(shared, agent, "Have a look at 1052 Cecil Ave", created=T0)
    follow = app.message(shared, client, "love the kitchen", sender_type="client",
                         created=T0 + 5 * MINUTE)  # fmt: skip
    switch = app.message(shared, agent, "and 426 East Oak Street?", created=T0 + 40 * MINUTE)
    follow2 = app.message(shared, client, "even nicer", sender_type="client",
                          created=T0 + 50 * MINUTE)  # fmt: skip
    late = app.message(shared, client, "any news?", sender_type="client",
                       created=T0 + 50 * MINUTE + 2 * HOUR + 1)  # fmt: skip
    both = app.message(shared, agent, "1052 Cecil Ave or 426 E Oak St?", created=T0 + 9 * HOUR)
    after_both = app.message(shared, client, "hmm", sender_type="client", created=T0 + 9 * HOUR + 1)

    summary = run_backfill(app.url)

    assert app.placement(first) == (cecil, "address_mention")
    assert app.placement(follow) == (cecil, "topic_run")
    assert app.placement(switch) == (oak, "address_mention")
    assert app.placement(follow2) == (oak, "topic_run")
    assert app.placement(late) == (None, None)
    assert quarantine_reason(app, late) == "no_property_evidence"
    assert quarantine_reason(app, both) == "ambiguous_address_mention"
    assert quarantine_reason(app, after_both) == "no_property_evidence"
    assert summary["quarantined_by_reason"] == {
        "ambiguous_address_mention": 1,
        "no_property_evidence": 2,
    }


def test_evidence_after_mls_link_and_activity(app, run_backfill):
    agent, client, timeline = app.household()
    cecil = app.property(timeline, "1052 Cecil Ave", position=1)
    oak = app.property(timeline, "426 E Oak St", position=2)
    app.execute(
        'UPDATE properties SET "mlsId" = :mls, "listingUrl" = :url WHERE id = :id',
        {"mls": "1634567", "url": "https://www.flexmls.com/share/Cmm4c/426-E-Oak-St", "id": oak},
    )
    app.insert("feedback", {
        "id": "fb1", "feedback": "like", "clientName": "Ann Lee", "clientEmail": "a@example.test",
        "clientId": client, "viewedAt": app.ts(T0 + 9 * HOUR), "createdAt": app.ts(T0 + 9 * HOUR),
        "updatedAt": app.ts(T0 + 9 * HOUR), "propertyId": cecil,
    })  # fmt: skip
    shared = app.conversation(timeline, agent, client)
    greeting = app.message(shared, client, "Good morning!", created=T0)
    named = app.message(shared, client, "Is 1052 Cecil Ave still free?", created=T0 + MINUTE)
    mls = app.message(shared, agent, "What about MLS #1634567?", created=T0 + 3 * HOUR)
    link = app.message(shared, agent, "https://www.flexmls.com/share/Cmm4c", created=T0 + 6 * HOUR)
    rated = app.message(shared, client, "So, what next?", created=T0 + 9 * HOUR + 10 * MINUTE)
    too_late = app.message(shared, client, "Hello?", created=T0 + 12 * HOUR)

    summary = run_backfill(app.url, min_confidence=0.8)

    assert app.placement(greeting) == (cecil, "topic_run")
    assert app.placement(named) == (cecil, "address_mention")
    assert app.placement(mls) == (oak, "mls_mention")
    assert app.placement(link) == (oak, "listing_link")
    assert app.placement(rated) == (cecil, "activity_context")
    assert quarantine_reason(app, too_late) == "no_property_evidence"
    assert summary["quarantined_by_reason"] == {"no_property_evidence": 1}


def test_report_shows_the_text_rules_confidence(app, run_backfill, tmp_path):
    agent, client, timeline = app.household()
    app.property(timeline, "1052 Cecil Ave, Louisville, KY 40211", position=1)
    app.property(timeline, "426 E Oak St, Louisville, KY 40203", position=2)
    shared = app.conversation(timeline, agent, client)
    app.message(shared, agent, "Have a look at 1052 Cecil Ave", created=T0)
    app.message(shared, client, "love the kitchen", sender_type="client", created=T0 + MINUTE)

    run_backfill(app.url, report_dir=tmp_path / "report")

    report = json.loads((tmp_path / "report" / "summary.json").read_text())
    assert report["attribution_confidence"] == {
        "address_mention": {"by_bucket": {"0.98-0.99": 1}, "lowest": 0.98},
        "topic_run": {"by_bucket": {"0.99-1": 1}, "lowest": 0.993},
    }
    assert (
        "Confidence of the text rules' placements"
        in (tmp_path / "report" / "index.html").read_text()
    )


def test_min_confidence_quarantines_with_the_best_candidate(app, run_backfill):
    agent, client, timeline = app.household()
    cecil = app.property(timeline, "1052 Cecil Ave", position=1)
    app.property(timeline, "1100 Ellison Ave", position=2)
    shared = app.conversation(timeline, agent, client)
    app.message(shared, agent, "1052 Cecil Ave it is", created=T0)
    follow = app.message(shared, agent, "anything else?", created=T0 + 100 * MINUTE)

    run_backfill(app.url)

    (detail,) = app.rows(
        "SELECT detail FROM v2_backfill.quarantine WHERE legacy_message_id = :id", id=follow
    )[0]
    assert quarantine_reason(app, follow) == "low_confidence"
    assert detail.startswith(f"best candidate {cecil} by topic_run, confidence 0.9")


def test_thread_window_is_configurable(app, run_backfill):
    agent, client, timeline = app.household()
    cecil = app.property(timeline, "1052 Cecil Ave", position=1)
    app.property(timeline, "1100 Ellison Ave", position=2)
    shared = app.conversation(timeline, agent, client)
    app.message(shared, agent, "1052 Cecil Ave it is", created=T0)
    follow = app.message(shared, agent, "anything else?", created=T0 + 3 * HOUR)

    run_backfill(app.url, thread_window_ms=4 * HOUR, min_confidence=0.9)

    assert app.placement(follow) == (cecil, "topic_run")


def test_primary_property_fallback(app, run_backfill):
    agent, client, timeline = app.household()
    app.property(timeline, "1100 Ellison Ave", position=2, created_ms=T0 - 10)
    primary = app.property(timeline, "1052 Cecil Ave", position=1, created_ms=T0)
    shared = app.conversation(timeline, agent, client)
    vague = app.message(shared, agent, "hi there")

    from v2_backfill.config import Fallback

    summary = run_backfill(app.url, fallback=Fallback.PRIMARY_PROPERTY)

    assert app.placement(vague) == (primary, "primary_property")
    assert summary["quarantined_by_reason"] == {}


def test_broken_rows_have_defined_outcomes(app, run_backfill):
    agent, client, timeline = app.household()
    house = app.property(timeline, "1052 Cecil Ave")
    other_agent, other_client, other_timeline = app.household()
    foreign = app.property(other_timeline, "9 Elm St")
    good = app.conversation(timeline, agent, client, house)
    orphan = app.message("cmissingconversation00000", agent, "lost", check_fks=False)
    missing_prop = app.conversation(timeline, agent, client, "cnosuchproperty0000000000",
                                    check_fks=False)  # fmt: skip
    m_missing_prop = app.message(missing_prop, agent, "about a deleted house")
    wrong_timeline = app.conversation(timeline, agent, client, foreign)
    m_wrong_timeline = app.message(wrong_timeline, agent, "mixed up")
    no_timeline = app.conversation("cnosuchtimeline0000000000", agent, client, check_fks=False)
    m_no_timeline = app.message(no_timeline, agent, "where am I")
    bot = app.message(good, "cstranger0000000000000000", "beep", sender_type="bot")
    derived = app.message(good, client, "derived", sender_type="system")

    summary = run_backfill(app.url)

    assert quarantine_reason(app, orphan) == "orphan_message"
    assert quarantine_reason(app, m_missing_prop) == "conversation_property_missing"
    assert quarantine_reason(app, m_wrong_timeline) == "conversation_property_in_other_timeline"
    assert quarantine_reason(app, m_no_timeline) == "timeline_missing"
    assert quarantine_reason(app, bot) == "unknown_sender"
    assert app.placement(derived) == (house, "conversation_property")
    assert app.scalar('SELECT "senderType" FROM messages_v2 WHERE id = :id', id=derived) == "CLIENT"
    assert sum(summary["quarantined_by_reason"].values()) == 5
    assert other_agent and other_client  # the second household only owns the foreign property


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("agent", "AGENT"), ("Agent", "AGENT"), (" client ", "CLIENT"), ("CLIENT", "CLIENT")],
)
def test_sender_type_normalised(app, run_backfill, raw, expected):
    agent, client, timeline = app.household()
    house = app.property(timeline, "1052 Cecil Ave")
    conversation = app.conversation(timeline, agent, client, house)
    message = app.message(conversation, agent, "x", sender_type=raw)

    run_backfill(app.url)

    assert app.scalar('SELECT "senderType" FROM messages_v2 WHERE id = :id', id=message) == expected


def test_merges_several_conversations_and_several_shared_ones(app, run_backfill):
    agent, client, timeline = app.household()
    cecil = app.property(timeline, "1052 Cecil Ave", position=1)
    app.property(timeline, "1100 Ellison Ave", position=2)
    own = app.conversation(timeline, agent, client, cecil)
    shared_a = app.conversation(timeline, agent, client)
    shared_b = app.conversation(timeline, agent, client)
    m_own = app.message(own, agent, "own thread", created=T0)
    m_a = app.message(
        shared_a, client, "1052 Cecil Ave please", sender_type="client", created=T0 + 1
    )
    m_b = app.message(shared_b, client, "1052 cecil avenue again", sender_type="client",
                      created=T0 + 2)  # fmt: skip

    summary = run_backfill(app.url)

    conversations = {app.placement(m)[0] for m in (m_own, m_a, m_b)}
    assert conversations == {cecil}
    assert app.scalar("SELECT COUNT(*) FROM property_conversations") == 1
    assert (
        app.scalar(
            'SELECT "unreadAgentCount" FROM property_conversations WHERE "propertyId" = :p', p=cecil
        )
        == 2
    )
    assert summary["conversations_created"] == 1


def test_inactive_conversation_archived_and_soft_deleted_client_migrated(app, run_backfill):
    agent = app.user()
    gone = app.client(agent, active=False)
    timeline = app.timeline(agent, gone)
    house = app.property(timeline, "1052 Cecil Ave")
    conversation = app.conversation(timeline, agent, gone, house, active=False)
    message = app.message(conversation, gone, "bye", sender_type="client")

    run_backfill(app.url)

    assert app.placement(message) == (house, "conversation_property")
    assert (
        app.scalar('SELECT status FROM property_conversations WHERE "propertyId" = :p', p=house)
        == "ARCHIVED"
    )


def test_content_byte_for_byte_and_timestamps_to_the_ms(app, run_backfill):
    agent, client, timeline = app.household()
    house = app.property(timeline, "1052 Cecil Ave")
    conversation = app.conversation(timeline, agent, client, house)
    texts = [
        "emoji 🏡🔑 and ünïcödé",
        "quotes ' \" ` and \\ backslash",
        "line one\nline two\r\nline three\ttab",
        "x" * 100_000 + "🏁",
        "",
    ]
    ids = [app.message(conversation, agent, text, created=T0 + i * 1001 + 7,
                       read_at=T0 + 5000 + i) for i, text in enumerate(texts)]  # fmt: skip

    run_backfill(app.url)

    for message_id, text in zip(ids, texts, strict=True):
        got = app.rows(
            'SELECT content, "createdAt", "readAt", "isRead" FROM messages_v2 WHERE id = :id',
            id=message_id,
        )[0]
        legacy = app.rows(
            'SELECT content, "createdAt", "readAt", "isRead" FROM messages WHERE id = :id',
            id=message_id,
        )[0]
        assert got[0] == text and got[0].encode() == legacy[0].encode()
        assert tuple(got[1:]) == tuple(legacy[1:])


@pytest.mark.sqlite
def test_sqlite_text_timestamps_become_integer_ms(tmp_path, run_backfill):
    import sqlite3

    path = tmp_path / "app.db"
    sqlite3.connect(path).close()
    app = AppDatabase(f"file:{path}").create_legacy_tables()
    agent, client, timeline = app.household()
    house = app.property(timeline, "1052 Cecil Ave")
    conversation = app.conversation(timeline, agent, client, house)
    message = app.message(conversation, agent, "typed by hand", created="2025-09-15 17:03:02",
                          updated="2025-09-15 17:03:02", read_at="2025-09-15 18:00:00")  # fmt: skip

    run_backfill(app.url)

    row = app.rows(
        'SELECT typeof("createdAt"), "createdAt", typeof("updatedAt"), "readAt" '
        "FROM messages_v2 WHERE id = :id",
        id=message,
    )[0]
    assert tuple(row) == ("integer", 1757955782000, "integer", 1757959200000)
    kinds = app.rows(
        'SELECT DISTINCT typeof("createdAt"), typeof("updatedAt"), typeof("lastMessageAt") '
        "FROM property_conversations"
    )
    assert [tuple(k) for k in kinds] == [("integer", "integer", "integer")]
