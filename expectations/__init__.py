"""The data-quality gate's suites: which checks exist, what they query, how severe they are.

Three suites, one folder each, one `.sql` file per custom check (a query returning the rows
that break the rule, pushed down to the database by GX's UnexpectedRowsExpectation):

- `legacy_reconciliation`: legacy messages against what the pipeline migrated or quarantined;
- `v2_messages` and `v2_conversations`: the V2 state itself, plus GX's not-null column
  expectations on the rows the pipeline writes.

A check file starts with header comments: `severity` (`critical` fails the gate, `warning`
only warns, `tolerance` is instantiated twice from the configured warn and fail shares),
`description`, and optionally `modes` and `dialects` it applies to. Queries name relations
as placeholders, so one query audits the staged result of a backfill (mode `backfill`: the V2
tables as they would be after publishing), the staged slice of a sync (mode `sync`) or the
published state alone (mode `validate`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any, Literal

Mode = Literal["backfill", "sync", "validate"]
SUITES = ("legacy_reconciliation", "v2_messages", "v2_conversations")

MESSAGE_COLUMNS = (
    'id, "conversationId", "senderId", "senderType", content, type, '
    '"isRead", "readAt", "createdAt", "updatedAt"'
)
CONVERSATION_COLUMNS = (
    'id, "propertyId", "timelineId", "agentId", "clientId", status, '
    '"unreadAgentCount", "unreadClientCount", "lastMessageAt", "createdAt", "updatedAt"'
)

REQUIRED_COLUMNS = {
    "v2_messages": (
        "id", "conversationId", "senderId", "senderType", "content", "type", "isRead",
        "createdAt", "updatedAt",
    ),
    "v2_conversations": (
        "id", "propertyId", "timelineId", "agentId", "clientId", "status", "unreadAgentCount",
        "unreadClientCount", "createdAt", "updatedAt",
    ),
}  # fmt: skip


@dataclass(frozen=True)
class Check:
    """One custom check: a query whose rows are the violations."""

    suite: str
    name: str
    severity: str
    description: str
    query: str
    modes: tuple[str, ...] = ("backfill", "sync", "validate")
    dialects: tuple[str, ...] = ("sqlite", "postgresql")

    def applies(self, mode: Mode, dialect: str) -> bool:
        """Whether the check runs in this mode on this dialect."""
        return mode in self.modes and dialect in self.dialects


@cache
def load_checks() -> tuple[Check, ...]:
    """Every check file of every suite, in suite then file-name order."""
    checks = []
    for suite in SUITES:
        folder = files(__name__).joinpath(suite)
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if entry.name.endswith(".sql"):
                checks.append(_parse(suite, entry.name[: -len(".sql")], entry.read_text("utf-8")))
    return tuple(checks)


def _parse(suite: str, name: str, text: str) -> Check:
    header: dict[str, str] = {}
    body = []
    for line in text.splitlines():
        if line.startswith("-- ") and ":" in line and not body:
            key, _, value = line[3:].partition(":")
            header[key.strip()] = value.strip()
        else:
            body.append(line)
    missing = {"severity", "description"} - header.keys()
    if missing:
        raise ValueError(f"check {suite}/{name}.sql lacks header(s): {sorted(missing)}")
    optional = {k: tuple(header[k].split(", ")) for k in ("modes", "dialects") if k in header}
    return Check(
        suite, name, header["severity"], header["description"], "\n".join(body).strip(),
        **optional,
    )  # fmt: skip


_STAGED = "(SELECT id FROM v2_backfill.stage_v2_messages)"
_STAGED_QUARANTINE = "(SELECT legacy_message_id FROM v2_backfill.stage_quarantine)"
_SLICE = "(SELECT message_id FROM v2_backfill.slice_messages)"
_REMOVED = "(SELECT legacy_message_id FROM v2_backfill.stage_deletions WHERE removed)"


APP_ROWS = {"app_messages": "messages_v2", "app_conversations": "property_conversations"}
"""The V2 rows whose DateTimes a run reads, the pipeline's among them (a check leaves those out
by the lineage): every one."""
SYNC_APP_ROWS = {
    "app_messages": "(SELECT * FROM v2_backfill.audit_messages WHERE id NOT IN "
    "(SELECT id FROM v2_backfill.stage_v2_messages))",
    "app_conversations": "(SELECT * FROM property_conversations WHERE id IN "
    "(SELECT id FROM v2_backfill.stage_conversations))",
}
"""`APP_ROWS` of a sync: those of the conversations its audit reads (live, not staged)."""


def relations(mode: Mode, run_id: str = "NULL", recent: str = "1 = 0") -> dict[str, str]:
    """The relations check queries name, as SQL for the FROM clause.

    Legacy is always judged as of one state, so that the old app writing meanwhile cannot fail
    an audit. Modes `backfill` and `sync`: the legacy messages as the run staged them
    in its snapshot (`legacy_messages`, `legacy_content`; a sync's slice, a backfill's all)
    against the state as it would be after publishing the staged result: for a backfill the
    whole state; for a sync its slice's lineage and quarantine, and every conversation holding
    one of them with all its messages (less the rows of legacy deletions a reconciling sync
    removes), the last three read from the `audit_*` tables that `slice_relations` fill when
    the audit starts. Mode `validate`: the published state against live legacy as of the last
    published run: a message the app wrote since (nowhere yet, and `recent`: a condition on
    the legacy message `m`) is the next sync's, a migrated or quarantined one the app deleted
    since is the next reconcile's, and content is compared where the legacy message is not
    `recent` and the V2 app has not edited since the pipeline copied it (its edits are
    kept, and counted by `review.changes_after_snapshot`). `quarantined_all` counts the whole
    state's quarantine, `legacy_all` the legacy messages it is a share of.
    `copied_content`: the rows whose content the pipeline wrote from legacy; `native_rows`:
    the native rows snapshotted for the audit (in mode sync, by run `run_id`: the id as a SQL
    literal, `Database.literal`, for GX runs a check's query as it is, without parameters);
    `confidences`: the text rules' confidence per legacy message (staged, else published; in
    mode sync, of the slice's messages only: a sync reads what its slice touches).
    `app_messages`, `app_conversations`: `APP_ROWS` (sync: `SYNC_APP_ROWS`)."""
    if mode == "validate":
        return _validate_relations(recent)
    staged = _staged_relations(mode)
    staged_conversations = f"SELECT {CONVERSATION_COLUMNS} FROM v2_backfill.stage_conversations"
    legacy = (
        '(SELECT message_id AS id, legacy_conversation_id AS "conversationId", content '
        "FROM v2_backfill.slice_messages)"
    )
    in_slice, app_rows = "", APP_ROWS
    if mode == "sync":
        staged |= {name: f"v2_backfill.audit_{name}" for name in SLICE_RELATIONS}
        conversations = f"({staged_conversations})"
        native = f"(SELECT * FROM v2_backfill.native_rows WHERE run_id = {run_id})"
        in_slice = f" AND legacy_message_id IN {_SLICE}"
        app_rows = SYNC_APP_ROWS
    else:
        conversations = _text_enums(
            CONVERSATION_COLUMNS, ("status",), "property_conversations",
            " WHERE id NOT IN (SELECT id FROM v2_backfill.stage_conversations)",
        ) + f" UNION ALL {staged_conversations})"  # fmt: skip
        native = "v2_backfill.native_rows"
    return {
        "legacy_messages": legacy,
        "legacy_content": legacy,
        "legacy_all": "messages" if mode == "sync" else legacy,
        **staged,
        "conversations": conversations,
        "written_messages": "v2_backfill.stage_v2_messages",
        "written_conversations": "v2_backfill.stage_conversations",
        "copied_content": "(SELECT * FROM v2_backfill.stage_v2_messages WHERE content_changed)",
        "native_rows": native,
        **app_rows,
        "confidences": "(SELECT message_id AS legacy_message_id, confidence "
        "FROM v2_backfill.stage_attribution UNION ALL SELECT legacy_message_id, confidence "
        "FROM v2_backfill.lineage WHERE legacy_message_id NOT IN "
        f"(SELECT message_id FROM v2_backfill.stage_attribution){in_slice})",
    }


def _validate_relations(recent: str) -> dict[str, str]:
    """`relations` of mode `validate` (see there)."""
    placed = (
        "EXISTS (SELECT 1 FROM v2_backfill.lineage AS pl WHERE pl.legacy_message_id = m.id) "
        "OR EXISTS (SELECT 1 FROM v2_backfill.quarantine AS pq WHERE pq.legacy_message_id = m.id)"
    )
    still_in_legacy = (
        "EXISTS (SELECT 1 FROM messages AS lm WHERE lm.id = {alias}.legacy_message_id)"
    )
    written = (
        "(SELECT * FROM messages_v2 WHERE id IN "
        "(SELECT legacy_message_id FROM v2_backfill.lineage))"
    )
    # the V2 app's own edits of migrated messages are kept (a sync never overwrites them with
    # an unchanged legacy row): a row whose content no longer hashes to what the pipeline
    # last copied (the lineage's content MD5) is the app's, reported and not compared
    as_copied = (
        "(SELECT w.* FROM messages_v2 AS w JOIN v2_backfill.lineage AS l "
        "ON l.legacy_message_id = w.id "
        "WHERE l.content_md5 IS NULL OR md5(w.content) = l.content_md5)"
    )
    return {
        "legacy_messages": f'(SELECT m.id, m."conversationId", m.content FROM messages AS m '
        f"WHERE {placed} OR NOT ({recent}))",
        "legacy_content": f'(SELECT m.id, m."conversationId", m.content FROM messages AS m '
        f"WHERE NOT ({recent}))",
        "legacy_all": "messages",
        "lineage": "(SELECT * FROM v2_backfill.lineage AS l WHERE "
        + still_in_legacy.format(alias="l")
        + ")",
        "quarantine": "(SELECT * FROM v2_backfill.quarantine AS q WHERE "
        + still_in_legacy.format(alias="q")
        + ")",
        "quarantined_all": "(SELECT COUNT(*) FROM v2_backfill.quarantine)",
        "messages": "messages_v2",
        "conversations": "property_conversations",
        "written_messages": written,
        "written_conversations": "(SELECT * FROM property_conversations WHERE id IN "
        "(SELECT conversation_id FROM v2_backfill.created_conversations))",
        "copied_content": as_copied,
        "native_rows": "v2_backfill.native_rows",
        **APP_ROWS,
        "confidences": "(SELECT legacy_message_id, confidence FROM v2_backfill.lineage)",
    }


SLICE_RELATIONS = ("lineage", "quarantine", "messages")
"""The relations a sync's audit reads from its materialized slice (tables `audit_<name>`)."""


def slice_relations() -> dict[str, str]:
    """The live definitions of a sync's `SLICE_RELATIONS`, to materialize them from."""
    staged = _staged_relations("sync")
    return {name: staged[name] for name in SLICE_RELATIONS}


def _staged_relations(mode: Mode) -> dict[str, str]:
    """lineage, quarantine, messages and the count quarantined_all as they would be after
    publishing the staged result (mode `sync`: the slice's only, but the whole count)."""
    in_slice = f" AND legacy_message_id IN {_SLICE}" if mode == "sync" else ""
    lineage = (
        "(SELECT legacy_message_id, legacy_conversation_id, conversation_id, property_id, rule "
        f"FROM v2_backfill.lineage WHERE legacy_message_id NOT IN {_STAGED} "
        f"AND legacy_message_id NOT IN {_STAGED_QUARANTINE}{in_slice} UNION ALL "
        'SELECT id, legacy_conversation_id, "conversationId", property_id, rule '
        "FROM v2_backfill.stage_v2_messages)"
    )
    quarantine = (
        "(SELECT legacy_message_id, legacy_conversation_id, reason, detail "
        f"FROM v2_backfill.quarantine WHERE legacy_message_id NOT IN {_STAGED_QUARANTINE} "
        f"AND legacy_message_id NOT IN {_STAGED}{{in_slice}} UNION ALL "
        "SELECT legacy_message_id, legacy_conversation_id, reason, detail "
        "FROM v2_backfill.stage_quarantine)"
    )
    if mode == "sync":
        messages_where = (
            ' WHERE "conversationId" IN (SELECT id FROM v2_backfill.stage_conversations)'
            f" AND id NOT IN {_STAGED} AND id NOT IN {_REMOVED}"
        )
    else:
        messages_where = f" WHERE id NOT IN {_STAGED}"
    return {
        "lineage": lineage,
        "quarantine": quarantine.format(in_slice=in_slice),
        "quarantined_all": _quarantined_all(mode, quarantine.format(in_slice="")),
        "messages": _text_enums(MESSAGE_COLUMNS, ("senderType", "type"), "messages_v2",
                                messages_where)
        + f" UNION ALL SELECT {MESSAGE_COLUMNS} FROM v2_backfill.stage_v2_messages)",
    }  # fmt: skip


def _quarantined_all(mode: Mode, quarantine: str) -> str:
    """The count of `quarantine` (the whole state's, as it would be after publishing): in mode
    `sync`, the published count less the published rows the slice replaces, plus the staged
    ones (the slice's ids probe the quarantine's key; the rows of `quarantine` would be a scan
    of every quarantined message, twice per audit)."""
    if mode != "sync":
        return f"(SELECT COUNT(*) FROM {quarantine} AS qx)"
    return (
        "((SELECT COUNT(*) FROM v2_backfill.quarantine) - (SELECT COUNT(*) FROM "
        "v2_backfill.quarantine WHERE legacy_message_id IN (SELECT legacy_message_id FROM "
        "v2_backfill.stage_quarantine UNION SELECT id FROM v2_backfill.stage_v2_messages)) + "
        "(SELECT COUNT(*) FROM v2_backfill.stage_quarantine))"
    )


def _text_enums(columns: str, enums: tuple[str, ...], table: str, where: str) -> str:
    """`(SELECT <columns> FROM table<where>` with enum columns cast to TEXT (to UNION them)."""
    selected = columns
    for name in enums:
        quoted = f'"{name}"' if name != name.lower() else name
        selected = selected.replace(quoted, f"CAST({quoted} AS TEXT) AS {quoted}", 1)
    return f"(SELECT {selected} FROM {table}{where}"


def render(check: Check, mode: Mode, params: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """The (name, severity, description, SQL) of the expectations a check becomes in a mode.

    `params` fills the placeholders besides the relations: `run_id` (a SQL literal,
    `Database.literal`), `recent` (mode validate: see `relations`),
    `native_message_hash` and `native_conversation_hash`
    (expressions over alias `t`), `quarantine_warn_share` and `quarantine_fail_share`.
    """
    values = {**relations(mode, params["run_id"], params.get("recent", "1 = 0")), **params}
    if check.severity != "tolerance":
        return [(check.name, check.severity, check.description, check.query.format(**values))]
    return [
        (
            f"{check.name}_{level}",
            severity,
            f"{check.description} Above {float(values[key]):.1%} of legacy messages: {level}.",
            check.query.format(**values, share=values[key]),
        )
        for level, severity, key in (
            ("warning", "warning", "quarantine_warn_share"),
            ("limit", "critical", "quarantine_fail_share"),
        )
    ]
