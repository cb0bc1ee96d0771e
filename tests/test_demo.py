"""The demo data generator and loaders, on real SQLite files and a real PostgreSQL schema."""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from devtools.demo import (
    LEGACY_TABLES,
    V2_TABLES,
    Breakage,
    DatasetStats,
    copy_sqlite_app_db_to_postgres,
    generate_legacy_dataset,
    write_postgres,
    write_sqlite,
)
from devtools.sql import legacy_ddl
from v2_backfill.config import parse_database_url
from v2_backfill.errors import UsageError

MESSAGES = 2000
EPOCH = datetime(1970, 1, 1)
CUID = re.compile(r"^c[a-z0-9]{24}$")
SQLITE_TEXT_DATETIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")

# Rows that PostgreSQL's foreign keys keep out: orphan messages, and conversations (with
# their messages) whose property or timeline does not exist.
DANGLING_CONVERSATIONS = """
    SELECT id FROM conversations
    WHERE "timelineId" NOT IN (SELECT id FROM timelines)
       OR ("propertyId" IS NOT NULL AND "propertyId" NOT IN (SELECT id FROM properties))
"""
DANGLING_MESSAGES = f"""
    SELECT id FROM messages
    WHERE "conversationId" NOT IN (SELECT id FROM conversations)
       OR "conversationId" IN ({DANGLING_CONVERSATIONS})
"""
BREAKAGE_QUERIES = {
    Breakage.ORPHAN_MESSAGE: """
        SELECT id FROM messages WHERE "conversationId" NOT IN (SELECT id FROM conversations)""",
    Breakage.MISSING_PROPERTY: """
        SELECT id FROM conversations
        WHERE "propertyId" IS NOT NULL AND "propertyId" NOT IN (SELECT id FROM properties)""",
    Breakage.FOREIGN_PROPERTY: """
        SELECT c.id FROM conversations c JOIN properties p ON p.id = c."propertyId"
        WHERE p."timelineId" <> c."timelineId"
    """,
    Breakage.MISSING_TIMELINE: """
        SELECT id FROM conversations
        WHERE "propertyId" IS NULL AND "timelineId" NOT IN (SELECT id FROM timelines)""",
    Breakage.INACTIVE_CONVERSATION: """
        SELECT id FROM conversations
        WHERE NOT "isActive" AND id IN (SELECT "conversationId" FROM messages)""",
    Breakage.INACTIVE_CLIENT: """
        SELECT id FROM clients WHERE NOT "isActive" AND id IN (
            SELECT c."clientId" FROM conversations c
            JOIN messages m ON m."conversationId" = c.id)""",
    Breakage.UNKNOWN_SENDER_ID: """
        SELECT m.id FROM messages m JOIN conversations c ON c.id = m."conversationId"
        WHERE m."senderId" NOT IN (c."agentId", c."clientId")""",
}
SECOND_SHARED_CONVERSATIONS = """
    SELECT count(*) - count(DISTINCT "agentId" || '/' || "clientId" || '/' || "timelineId")
    FROM conversations WHERE "propertyId" IS NULL
"""

PG_COLUMNS = """
    SELECT table_name, column_name, data_type, is_nullable = 'NO'
    FROM information_schema.columns WHERE table_schema = current_schema()
    ORDER BY array_position(:tables, table_name::text), ordinal_position
"""
PG_TIMESTAMP_PRECISIONS = """
    SELECT DISTINCT datetime_precision FROM information_schema.columns
    WHERE table_schema = current_schema() AND data_type LIKE 'timestamp%'
"""
POSTGRES_TYPES = {
    "TEXT": "text",
    "INTEGER": "integer",
    "REAL": "double precision",
    "BOOLEAN": "boolean",
    "JSONB": "jsonb",
    "DATETIME": "timestamp without time zone",
}


def sqlite_rows(path: Path, query: str) -> list[tuple]:
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute(query).fetchall()


def table_digest(path: Path, table: str) -> str:
    rows = sqlite_rows(path, f'SELECT * FROM "{table}" ORDER BY id')
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def utc(value: int | str | None) -> datetime | None:
    """What a SQLite DateTime cell means, as a naive UTC datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
    return EPOCH + timedelta(milliseconds=value)


def table_counts(stats: DatasetStats) -> dict[str, int]:
    return {table: getattr(stats, table) for table in LEGACY_TABLES}


def by_id(row: tuple) -> str:
    return row[0]


def as_postgres(value: object, declared: str) -> object:
    """The value PostgreSQL should hold for a SQLite cell of the given declared type."""
    if value is None:
        return None
    if declared == "DATETIME":
        return utc(value)
    if declared == "BOOLEAN":
        return bool(value)
    if declared == "JSONB":
        return json.loads(value)
    return value


@contextmanager
def postgres(url: str) -> Iterator[sa.Connection]:
    """A connection to the app schema named in a Prisma-style URL."""
    target = parse_database_url(url)
    engine = sa.create_engine(
        target.sqlalchemy_url, connect_args={"options": f"-c search_path={target.app_schema}"}
    )
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DatasetStats]:
    """One generated SQLite database shared by the read-only tests."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    return path, write_sqlite(path, MESSAGES, seed=1)


def test_generator_streams_messages_in_bounded_chunks():
    chunks = list(generate_legacy_dataset(30_000, seed=2, chunk_messages=5_000))
    message_chunks = [len(chunk.rows) for chunk in chunks if chunk.table == "messages"]
    assert sum(message_chunks) == 30_000
    assert len(message_chunks) >= 6
    assert max(message_chunks) < 5_000 + 2_000  # a block ends with the timeline that fills it


def test_too_few_messages_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError):
        write_sqlite(tmp_path / "tiny.db", 10, seed=1)
    assert not (tmp_path / "tiny.db").exists()


@pytest.mark.sqlite
def test_sqlite_has_the_legacy_schema_and_the_counted_rows(demo_db):
    path, stats = demo_db
    with closing(sqlite3.connect(":memory:")) as expected:
        for statement in legacy_ddl("sqlite"):
            expected.execute(statement)
        expected_schema = expected.execute("SELECT type, name FROM sqlite_master").fetchall()
    assert sorted(sqlite_rows(path, "SELECT type, name FROM sqlite_master")) == sorted(
        expected_schema
    )
    counts = {
        table: sqlite_rows(path, f'SELECT count(*) FROM "{table}"')[0][0] for table in LEGACY_TABLES
    }
    assert counts == table_counts(stats)
    assert stats.messages == MESSAGES
    assert stats.timelines >= MESSAGES // 160
    ids = [
        row[0] for table in LEGACY_TABLES for row in sqlite_rows(path, f'SELECT id FROM "{table}"')
    ]
    assert all(CUID.match(value) for value in ids)


@pytest.mark.sqlite
def test_sqlite_is_deterministic_per_seed(tmp_path):
    first, again, other = tmp_path / "a.db", tmp_path / "b.db", tmp_path / "c.db"
    write_sqlite(first, MESSAGES, seed=7)
    write_sqlite(again, MESSAGES, seed=7)
    write_sqlite(other, MESSAGES, seed=8)
    for table in LEGACY_TABLES:
        assert table_digest(first, table) == table_digest(again, table), table
    assert table_digest(first, "messages") != table_digest(other, "messages")


@pytest.mark.sqlite
def test_sqlite_refuses_an_existing_file(tmp_path):
    path = tmp_path / "taken.db"
    path.write_bytes(b"not mine")
    with pytest.raises(UsageError, match="already exists"):
        write_sqlite(path, MESSAGES, seed=1)
    assert path.read_bytes() == b"not mine"


@pytest.mark.sqlite
def test_sqlite_datetimes_are_integer_ms_and_sometimes_text(demo_db):
    path, stats = demo_db
    kinds = dict(sqlite_rows(path, 'SELECT typeof("createdAt"), count(*) FROM messages GROUP BY 1'))
    assert set(kinds) == {"integer", "text"}
    assert kinds["text"] == stats.text_datetime_messages
    assert 0.005 < kinds["text"] / MESSAGES < 0.03
    texts = sqlite_rows(
        path,
        """
        SELECT "createdAt" FROM messages WHERE typeof("createdAt") = 'text'
        UNION ALL SELECT "createdAt" FROM conversations WHERE typeof("createdAt") = 'text'""",
    )
    assert len(texts) == stats.text_datetime_messages + stats.text_datetime_conversations
    assert stats.text_datetime_conversations > 0
    assert all(SQLITE_TEXT_DATETIME.match(value) for (value,) in texts)


@pytest.mark.sqlite
def test_sqlite_messages_are_realistic(demo_db):
    path, stats = demo_db
    rows = sqlite_rows(path, 'SELECT "isRead", "readAt", "createdAt", "updatedAt" FROM messages')
    for is_read, read_at, created_at, updated_at in rows:
        assert (read_at is not None) == bool(is_read)
        assert utc(updated_at) >= utc(created_at)
        assert read_at is None or utc(read_at) > utc(created_at)
    odd = sqlite_rows(
        path,
        """
        SELECT "senderType" FROM messages WHERE "senderType" NOT IN ('agent', 'client')""",
    )
    variants = sum(kind.strip().lower() in ("agent", "client") for (kind,) in odd)
    assert variants == stats.sender_type_variants > 0
    assert len(odd) - variants == stats.unknown_sender_types
    longest, emoji, multiline = sqlite_rows(
        path,
        """
        SELECT max(length(content)), sum(content LIKE '%👍%'),
               sum(content LIKE '%' || char(10) || '%')
        FROM messages""",
    )[0]
    assert longest > 99_000
    assert emoji > 0 and multiline > 0


@pytest.mark.sqlite
def test_sqlite_breakages_are_where_the_stats_say(demo_db):
    path, stats = demo_db
    for breakage, query in BREAKAGE_QUERIES.items():
        found = sorted(row[0] for row in sqlite_rows(path, query))
        assert found == sorted(stats.breakage_ids[breakage]), breakage
        assert len(found) == stats.breakages[breakage] > 0, breakage
    second_shared = sqlite_rows(path, SECOND_SHARED_CONVERSATIONS)[0][0]
    assert second_shared == stats.breakages[Breakage.SECOND_SHARED_CONVERSATION] > 0


@pytest.mark.sqlite
def test_sqlite_shared_conversations_name_properties_that_have_their_own(demo_db):
    path, _ = demo_db
    own = sqlite_rows(
        path,
        """
        SELECT c."timelineId", p.address FROM conversations c
        JOIN properties p ON p.id = c."propertyId" AND p."timelineId" = c."timelineId"
        """,
    )
    shared = sqlite_rows(
        path,
        """
        SELECT c."timelineId", lower(m.content) FROM messages m
        JOIN conversations c ON c.id = m."conversationId" WHERE c."propertyId" IS NULL""",
    )
    named = {
        (timeline, address)
        for timeline, address in own
        for shared_timeline, content in shared
        if shared_timeline == timeline and " ".join(address.split()[:2]).lower() in content
    }
    assert named


@pytest.mark.postgres
def test_postgres_load_matches_sqlite_without_dangling_rows(tmp_path, pg_schema):
    path = tmp_path / "same.db"
    sqlite_stats = write_sqlite(path, MESSAGES, seed=3)
    pg_stats = write_postgres(pg_schema, MESSAGES, seed=3)
    dangling_conversations = len(sqlite_rows(path, DANGLING_CONVERSATIONS))
    dangling_messages = {row[0] for row in sqlite_rows(path, DANGLING_MESSAGES)}
    expected = table_counts(sqlite_stats)
    expected["conversations"] -= dangling_conversations
    expected["messages"] -= len(dangling_messages)
    assert table_counts(pg_stats) == expected
    with postgres(pg_schema) as conn:
        counts = {
            t: conn.execute(sa.text(f'SELECT count(*) FROM "{t}"')).scalar() for t in LEGACY_TABLES
        }
        pg_messages = conn.execute(
            sa.text('SELECT id, "isRead", "readAt", "createdAt", "updatedAt" FROM messages')
        ).all()
        foreign_keys = conn.execute(sa.text(
            "SELECT count(*) FROM pg_constraint"
            " WHERE contype = 'f' AND connamespace = current_schema()::regnamespace"
        )).scalar()  # fmt: skip
    assert counts == expected
    assert foreign_keys == 12  # messaging 9, feedback and client_analytics 3
    sqlite_messages = {
        row[0]: (bool(row[1]), utc(row[2]), utc(row[3]), utc(row[4]))
        for row in sqlite_rows(
            path, 'SELECT id, "isRead", "readAt", "createdAt", "updatedAt" FROM messages'
        )
        if row[0] not in dangling_messages
    }
    assert {row[0]: tuple(row[1:]) for row in pg_messages} == sqlite_messages
    for breakage in Breakage:
        kept = 0 if breakage.violates_foreign_key else sqlite_stats.breakages[breakage]
        assert pg_stats.breakages[breakage] == kept, breakage


@pytest.mark.postgres
def test_postgres_legacy_tables_mirror_the_sqlite_ones(pg_schema):
    write_postgres(pg_schema, 200, seed=1)
    with closing(sqlite3.connect(":memory:")) as lite:
        for statement in legacy_ddl("sqlite"):
            lite.execute(statement)
        expected_columns = [
            (table, name, POSTGRES_TYPES[declared], bool(not_null))
            for table in LEGACY_TABLES
            for _, name, declared, not_null, _, _ in lite.execute(f'PRAGMA table_info("{table}")')
        ]
        lite_indexes = lite.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        ).fetchall()
    with postgres(pg_schema) as conn:
        columns = conn.execute(sa.text(PG_COLUMNS), {"tables": list(LEGACY_TABLES)}).all()
        precisions = conn.execute(sa.text(PG_TIMESTAMP_PRECISIONS)).all()
        indexes = conn.execute(
            sa.text("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()")
        ).all()
    assert [tuple(row) for row in columns] == expected_columns
    assert precisions == [(3,)]
    assert {name for (name,) in indexes} == {name for (name,) in lite_indexes} | {
        f"{table}_pkey" for table in LEGACY_TABLES
    }


@pytest.mark.postgres
def test_postgres_refuses_a_schema_that_has_the_tables(pg_schema):
    write_postgres(pg_schema, 200, seed=1)
    with pytest.raises(UsageError, match="already has"):
        write_postgres(pg_schema, 200, seed=1)


@pytest.mark.postgres
def test_fixture_copy_to_postgres_keeps_rows_and_timestamps(fixture_db, pg_schema):
    before = fixture_db.read_bytes()
    copy_sqlite_app_db_to_postgres(fixture_db, pg_schema)
    assert fixture_db.read_bytes() == before
    with closing(sqlite3.connect(fixture_db)) as source, postgres(pg_schema) as target:
        for table in LEGACY_TABLES + V2_TABLES:
            columns = source.execute(f'PRAGMA table_info("{table}")').fetchall()
            names = ", ".join(f'"{column[1]}"' for column in columns)
            query = f'SELECT {names} FROM "{table}"'
            expected = [
                tuple(map(as_postgres, row, [column[2] for column in columns]))
                for row in source.execute(query)
            ]
            copied = [tuple(row) for row in target.execute(sa.text(query))]
            assert sorted(copied, key=by_id) == sorted(expected, key=by_id), table
        counts = {
            t: target.execute(sa.text(f'SELECT count(*) FROM "{t}"')).scalar()
            for t in ("messages", "conversations", "messages_v2", "property_conversations")
        }
    assert counts == {
        "messages": 9, "conversations": 2, "messages_v2": 130, "property_conversations": 8
    }  # fmt: skip
