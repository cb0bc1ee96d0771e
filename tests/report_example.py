"""A realistic report dictionary (the content of `summary.json`) for the rendering tests."""

from __future__ import annotations

from typing import Any

INJECTED = '<script>alert("x")</script> & "quotes" 🏠'
"""Hostile text: markup, an ampersand, quotes and an emoji."""


def example_report() -> dict[str, Any]:
    """A failing critical check with examples, a warning, hostile text (one literal: long)."""
    return {
        "report_version": 1,
        "run": {
            "run_id": "20261126T013000Z-ab12cd",
            "kind": "backfill",
            "database": "sqlite:/srv/app/dev.db",
            "status": "failed",
            "started_at": "2026-11-26T01:30:00.000+00:00",
            "finished_at": "2026-11-26T01:30:12.300+00:00",
            "duration_seconds": 12.3,
            "parameters": {"thread_window_ms": 7_200_000, "fallback": "quarantine"},
            "step_seconds": {"stage": 1.23, "attribute": 0.4, "write": 0.04, "audit": 2.1},
            "notes": ["messages_v2: extra index messages_v2_content_idx allowed"],
            "rollback_command": None,
        },
        "gate": {
            "passed": False,
            "failed": ["every_legacy_message_placed_once"],
            "warnings": ["few_quarantined"],
        },
        "figures": {
            "legacy_messages": 2000,
            "messages_migrated": 1939,
            "messages_copied": 1939,
            "messages_already_migrated": 0,
            "messages_quarantined": 61,
            "conversations_created": 40,
            "conversations_reused": 2,
            "property_conversations": 42,
        },
        "attribution_by_rule": {
            "conversation_property": 900,
            "address_mention": 500,
            "thread_window": 539,
        },
        "attribution_confidence": {
            "address_mention": {"by_bucket": {"0.98-0.99": 480, "0.97-0.98": 20}, "lowest": 0.972},
        },
        "quarantined_by_reason": {"no_property_evidence": 58, "orphan_message": 3},
        "changes_after_snapshot": {"new_messages": 4, "changed_messages": 7, "deleted_messages": 1},
        "checks": [
            {
                "name": "every_legacy_message_placed_once",
                "description": "Every legacy message id is either migrated or quarantined.",
                "severity": "critical",
                "success": False,
                "unexpected_count": 25,
                "examples": [
                    {"legacy_message_id": f"m{i}", "problem": "missing"} for i in range(24)
                ]
                + [{"legacy_message_id": "m99", "placed": 2}],
                "error": None,
            },
            {
                "name": "content_unchanged",
                "description": "Copied message content equals the legacy content & sender.",
                "severity": "critical",
                "success": True,
                "unexpected_count": 0,
                "examples": [],
                "error": None,
            },
            {
                "name": "few_quarantined",
                "description": "At most 1% of messages end in quarantine.",
                "severity": "warning",
                "success": False,
                "unexpected_count": 61,
                "examples": [],
                "error": 'no such column: "q.reason" <near>',
            },
        ],
        "quarantined_messages": [
            {
                "legacy_message_id": "m1001",
                "legacy_conversation_id": "lc1",
                "reason": "no_property_evidence",
                "detail": INJECTED,
                "sender_type": "tenant",
                "created_at": "2025-09-15T10:00:00.000Z",
                "excerpt": f"Hi {INJECTED} see you soon",
            },
            {
                "legacy_message_id": "m1002",
                "legacy_conversation_id": None,
                "reason": "orphan_message",
                "detail": None,
                "sender_type": "agent",
                "created_at": "2025-09-15T11:00:00.000Z",
                "excerpt": "Orphan",
            },
        ],
        "quarantined_messages_total": 61,
        "splits": [
            {
                "legacy_conversation_id": "lc1",
                "messages": 120,
                "quarantined": 3,
                "properties": [
                    {
                        "property_id": "p1",
                        "address": "12 Oak St",
                        "conversation_id": "c1",
                        "messages": 70,
                    },
                    {
                        "property_id": "p2",
                        "address": "7 Elm & Ash Rd",
                        "conversation_id": "c2",
                        "messages": 47,
                    },
                ],
            }
        ],
        "splits_total": 5,
        "data_docs": "gx/index.html",
    }
