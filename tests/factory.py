"""A small factory that fills a real app database (SQLite file or PostgreSQL schema) row by row.

Rows are written in Prisma's encodings for the dialect: SQLite DateTime as INTEGER epoch ms
(or TEXT when a test asks for it), PostgreSQL TIMESTAMP(3). Broken references (orphans,
missing properties) are written with foreign keys off, as a hand edit would leave them.
"""

from __future__ import annotations

import itertools
import sqlite3
from typing import Any

import sqlalchemy as sa

from devtools.sql import legacy_ddl
from v2_backfill.config import parse_database_url
from v2_backfill.db import Database, open_database

T0 = 1_757_950_000_000  # 2025-09-15, epoch ms
MINUTE = 60_000
HOUR = 60 * MINUTE

_ids = itertools.count(1)


def cuid(prefix: str = "t") -> str:
    """A cuid-shaped unique id (`c` + 24 chars)."""
    return f"c{prefix}{next(_ids):0>23}"[:25]


class AppDatabase:
    """A throwaway app database holding the legacy tables (and optionally the V2 ones)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.target = parse_database_url(url)
        self.db: Database = open_database(self.target, bookkeeping=False)
        self.dialect = self.db.dialect

    def create_legacy_tables(self) -> AppDatabase:
        with self.db.begin() as conn:
            for statement in legacy_ddl(self.dialect):
                conn.execute(sa.text(statement))
        return self

    def create_v2_tables(self) -> AppDatabase:
        with self.db.begin() as conn:
            self.db.run(conn, "create_v2_tables")
        return self

    def ts(self, ms: int | str | None) -> Any:
        """A DateTime cell: ms in the dialect's encoding; a str is written as is (SQLite TEXT)."""
        if ms is None or isinstance(ms, str):
            return ms
        return self.db.from_ms(ms)

    def insert(self, table: str, row: dict[str, Any], *, check_fks: bool = True) -> str:
        names = ", ".join(f'"{k}"' for k in row)
        values = ", ".join(f":{k}" for k in row)
        self.execute(f'INSERT INTO "{table}" ({names}) VALUES ({values})', row, check_fks=check_fks)
        return row["id"]

    def execute(self, statement: str, params: dict[str, Any], *, check_fks: bool = True) -> None:
        """One statement in its own transaction; without `check_fks`, as a hand edit would."""
        if check_fks:
            with self.db.begin() as conn:
                conn.execute(sa.text(statement), params)
        elif self.dialect == "sqlite":  # a plain connection: SQLite's foreign keys are off
            raw = sqlite3.connect(self.target.sqlite_path)
            with raw:
                raw.execute(statement, params)
            raw.close()
        else:
            with self.db.begin() as conn:
                conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
                conn.execute(sa.text(statement), params)

    def drop_not_null(self, table: str, column: str) -> None:
        """Let a TEXT column of an empty table hold NULL, as a hand-made or older schema does
        (SQLite: the table made again without the constraint, its indexes with it)."""
        if self.dialect == "postgresql":
            self.execute(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" DROP NOT NULL', {})
            return
        raw = sqlite3.connect(self.target.sqlite_path)
        schema = raw.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL "
            "ORDER BY type <> 'table'",
            (table,),
        )
        ddl, *indexes = [row[0] for row in schema]
        relaxed = ddl.replace(f'"{column}" TEXT NOT NULL', f'"{column}" TEXT')
        assert relaxed != ddl, f"{table}.{column} is no TEXT NOT NULL column"
        with raw:
            raw.execute(f'DROP TABLE "{table}"')
            for statement in (relaxed, *indexes):
                raw.execute(statement)
        raw.close()

    # -- rows ------------------------------------------------------------------------------
    def user(self) -> str:
        uid = cuid("u")
        return self.insert(
            "users",
            {"id": uid, "email": f"{uid}@example.test", "password": "x",
             "createdAt": self.ts(T0), "updatedAt": self.ts(T0)},
        )  # fmt: skip

    def client(self, agent_id: str, *, active: bool = True) -> str:
        cid = cuid("k")
        return self.insert(
            "clients",
            {"id": cid, "firstName": "Ann", "lastName": "Lee", "email": f"{cid}@example.test",
             "isActive": active, "agentId": agent_id,
             "createdAt": self.ts(T0), "updatedAt": self.ts(T0)},
        )  # fmt: skip

    def timeline(self, agent_id: str, client_id: str, *, timeline_id: str | None = None) -> str:
        tid = timeline_id or cuid("l")
        return self.insert(
            "timelines",
            {"id": tid, "title": "Homes", "shareToken": tid, "agentId": agent_id,
             "clientId": client_id, "createdAt": self.ts(T0), "updatedAt": self.ts(T0)},
        )  # fmt: skip

    def property(
        self, timeline_id: str, address: str, *, position: int = 0, created_ms: int = T0
    ) -> str:
        pid = cuid("p")
        return self.insert(
            "properties",
            {"id": pid, "address": address, "price": 300000, "position": position,
             "timelineId": timeline_id, "createdAt": self.ts(created_ms),
             "updatedAt": self.ts(created_ms)},
        )  # fmt: skip

    def conversation(
        self,
        timeline_id: str,
        agent_id: str,
        client_id: str,
        property_id: str | None = None,
        *,
        active: bool = True,
        check_fks: bool = True,
    ) -> str:
        cid = cuid("c")
        return self.insert(
            "conversations",
            {"id": cid, "agentId": agent_id, "clientId": client_id, "timelineId": timeline_id,
             "propertyId": property_id, "isActive": active, "lastMessageAt": self.ts(T0),
             "createdAt": self.ts(T0), "updatedAt": self.ts(T0)},
            check_fks=check_fks,
        )  # fmt: skip

    def message(
        self,
        conversation_id: str,
        sender_id: str,
        content: str,
        *,
        sender_type: str = "agent",
        created: int | str = T0,
        updated: int | str | None = None,
        read_at: int | str | None = None,
        check_fks: bool = True,
    ) -> str:
        mid = cuid("m")
        return self.insert(
            "messages",
            {"id": mid, "conversationId": conversation_id, "senderId": sender_id,
             "senderType": sender_type, "content": content, "isRead": read_at is not None,
             "readAt": self.ts(read_at), "createdAt": self.ts(created),
             "updatedAt": self.ts(updated if updated is not None else created)},
            check_fks=check_fks,
        )  # fmt: skip

    def household(self) -> tuple[str, str, str]:
        """An agent, a client and their timeline."""
        agent = self.user()
        client = self.client(agent)
        return agent, client, self.timeline(agent, client)

    # -- reading back ----------------------------------------------------------------------
    def rows(self, query: str, **params: Any) -> list[sa.Row]:
        """Rows of a query; `v2_backfill.*` tables are reachable once a run created them."""
        reader = open_database(self.target)
        try:
            with reader.connect() as conn:
                return list(conn.execute(sa.text(query), params))
        finally:
            reader.dispose()

    def scalar(self, query: str, **params: Any) -> Any:
        return self.rows(query, **params)[0][0]

    def table_dump(self, table: str) -> list[tuple]:
        """Every row of a table, ordered, for exact before/after comparisons."""
        return [tuple(r) for r in self.rows(f'SELECT * FROM "{table}" ORDER BY "id"')]

    def placement(self, message_id: str) -> tuple[str | None, str | None]:
        """(propertyId of the V2 conversation holding the message, lineage rule), or Nones."""
        rows = self.rows(
            'SELECT pc."propertyId", l.rule FROM messages_v2 mv '
            'JOIN property_conversations pc ON pc.id = mv."conversationId" '
            "LEFT JOIN v2_backfill.lineage l ON l.legacy_message_id = mv.id WHERE mv.id = :id",
            id=message_id,
        )
        return (rows[0][0], rows[0][1]) if rows else (None, None)

    def dispose(self) -> None:
        self.db.dispose()
