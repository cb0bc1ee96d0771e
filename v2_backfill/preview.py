"""Preview: what a backfill would do, computed by the real steps and then rolled back.

The steps run on one connection inside one transaction that is rolled back (on SQLite a
missing sidecar file is stood in for by an in-memory database; on PostgreSQL the staging, a
missing store and missing V2 tables by TEMP tables), so nothing is written anywhere: not the
app's tables, not the bookkeeping store, not the sidecar file. On PostgreSQL a role that may
only read the app's tables (and the store, once it exists) can preview.
"""

from __future__ import annotations

from typing import Any

from v2_backfill import backfill, identity
from v2_backfill.config import BackfillConfig
from v2_backfill.db import open_database
from v2_backfill.preflight import READ_TABLES

SAMPLES = 3
"""Examples shown per rule, reason and kind of conversation."""


def preview(config: BackfillConfig) -> dict[str, Any]:
    """The plan of a backfill: DDL to run, preflight notes, counts and samples.

    Raises PreflightError (naming each drift) when the backfill could not run, UsageError when
    the bookkeeping store is not this database's (`identity.check`).
    """
    checker = open_database(config.target, bookkeeping=False)
    try:
        report = backfill.preflight(
            checker,
            allow_extra_indexes=config.allow_extra_indexes,
            create_missing_indexes=config.create_missing_indexes,
        )
        checker.check_readable(READ_TABLES, records_run=False)
        identity.check(checker, v2_tables=not report.create_v2_tables)
        ddl = checker.statements("create_v2_tables") if report.create_v2_tables else []
    finally:
        checker.dispose()
    sandbox = open_database(config.target, dry_run=True)
    sandbox.resolve_datetime_encoding()  # as the checker did: the preview writes what a run would
    try:
        with sandbox.rolled_back():
            backfill.create_v2_tables(sandbox, report)
            with sandbox.begin() as conn:
                sandbox.ensure_bookkeeping(conn)
            backfill.stage_messages(sandbox, config)
            backfill.attribute_shared_messages(sandbox, config)
            backfill.write_result(sandbox)
            with sandbox.connect() as conn:
                counts = sandbox.query(conn, "preview_counts")
                samples = sandbox.query(conn, "preview_samples", {"per_group": SAMPLES})
    finally:
        sandbox.dispose()
    return {
        "kind": "preview",
        "database": config.target.describe(),
        "ddl": ddl,
        "indexes_to_create": report.create_indexes,
        "notes": report.notes,
        "plan": _plan(counts, samples),
    }


def _plan(counts: list[Any], samples: list[Any]) -> dict[str, Any]:
    by_kind: dict[str, dict[str, int]] = {}
    for row in counts:
        by_kind.setdefault(row.kind, {})[str(row.name)] = int(row.n)
    examples: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for row in samples:
        example = {k: v for k, v in row._mapping.items() if k not in ("kind", "name")}
        example["street"] = row.address.split(",", 1)[0] if row.address else None
        examples.setdefault(row.kind, {}).setdefault(str(row.name), []).append(example)
    conversations = by_kind.get("conversation", {})
    return {
        "conversations_to_create": conversations.get("create", 0),
        "conversations_to_reuse": conversations.get("reuse", 0),
        "messages_to_copy": sum(by_kind.get("copy", {}).values()),
        "messages_to_copy_by_rule": by_kind.get("copy", {}),
        "messages_to_quarantine": sum(by_kind.get("quarantine", {}).values()),
        "messages_to_quarantine_by_reason": by_kind.get("quarantine", {}),
        "messages_already_migrated": by_kind.get("already_migrated", {}).get("all", 0),
        "messages_to_update": sum(by_kind.get("update", {}).values()),
        "replacements_found": sum(by_kind.get("replacement", {}).values()),
        "replacements_to_apply": by_kind.get("replacement", {}).get("applied", 0),
        "samples": examples,
    }


def format_preview(result: dict[str, Any]) -> str:
    """The preview as text an operator reads before approving."""
    plan = result["plan"]
    lines = [f"preview of a backfill on {result['database']} (nothing was written)"]
    if result["ddl"]:
        lines.append("DDL that would run (the V2 tables do not exist yet):")
        lines += [f"    {line}" for statement in result["ddl"] for line in
                  (statement + ";").splitlines()]  # fmt: skip
    elif result["indexes_to_create"]:
        lines.append("DDL that would run (indexes the V2 tables lack, as the run publishes):")
        lines += [f"    {statement};" for statement in result["indexes_to_create"].values()]
    else:
        lines.append("DDL that would run: none (the V2 tables exist, in Prisma's shape)")
    lines += [f"note: {note}" for note in result["notes"]]
    lines.append(f"conversations to create: {plan['conversations_to_create']}")
    for new in plan["samples"].get("conversation", {}).get("create", []):
        lines.append(
            f"      e.g. {new['id']} ({new['excerpt']}) for property {new['property_id']} "
            f"({new['address']})"
        )
    lines += [
        f"conversations to reuse:  {plan['conversations_to_reuse']}",
        f"messages already migrated: {plan['messages_already_migrated']}",
        f"messages to update (read state, legacy edits, moves): {plan['messages_to_update']}",
        f"re-placements found: {plan['replacements_found']} "
        f"({plan['replacements_to_apply']} to apply)",
        f"messages to copy: {plan['messages_to_copy']}",
        *_group_lines(plan["messages_to_copy_by_rule"], plan["samples"].get("copy", {})),
        f"messages to quarantine: {plan['messages_to_quarantine']}",
        *_group_lines(plan["messages_to_quarantine_by_reason"],
                      plan["samples"].get("quarantine", {})),
    ]  # fmt: skip
    return "\n".join(lines)


def _group_lines(counts: dict[str, int], samples: dict[str, list[dict[str, Any]]]) -> list[str]:
    lines = []
    for name, count in sorted(counts.items()):
        lines.append(f"    {name:<32}{count}")
        for example in samples.get(name, []):
            where = ""
            if example["property_id"]:
                where = f" -> {example['property_id']} ({example['street']})"
            lines.append(
                f"      e.g. {example['id']} in {example['legacy_conversation_id']}{where}: "
                f"{example['excerpt']!r}{_why(example)}"
            )
    return lines


def _why(example: dict[str, Any]) -> str:
    """What decided a text rule's placement (its confidence and evidence), or a quarantine's
    detail; nothing for a set-based rule."""
    if example["confidence"] is not None:
        return f" (confidence {example['confidence']:.3f}, by {example['evidence']})"
    return f" ({example['detail']})" if example["detail"] else ""
