"""Proven with the app's real Prisma: Prisma 6.17.1 (`tests/prisma/`, installed by
`make setup-prisma`) looks at the V2 tables the pipeline wrote, on SQLite and PostgreSQL.

- introspection diffed against the app's schema (`drift.mjs`) shows no V2 drift (on the dev
  fixture, exactly the index the fixture lacks; none once backfilled with
  `--create-missing-indexes`);
- Prisma Client (`read.mjs`) reads every migrated message and conversation, equal to the
  legacy rows and to counts recomputed from the messages;
- Prisma Client writes as the app does (`write.mjs`); the next `sync` and `validate` pass and
  leave those rows byte for byte as Prisma wrote them.

Nothing here skips: without Node, npm or the installed harness every test fails.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa

from tests.conftest import FIXTURE_DB, PG_ADMIN_URL, ROOT
from tests.factory import HOUR, MINUTE, T0, AppDatabase

HARNESS = ROOT / "tests" / "prisma"
INSTALLED = HARNESS / "node_modules" / ".installed"
CLI = Path(sys.executable).parent / "v2-backfill"
KNOWN_FIXTURE_DRIFT = [
    'CREATE INDEX "messages_v2_conversationId_senderType_isRead_idx" ON "messages_v2"'
    '("conversationId", "senderType", "isRead")'
]
"""The dev fixture's V2 tables predate the app's third messages_v2 index."""
V2_TABLES = ("property_conversations", "messages_v2", "notifications_v2")
_EPOCH = datetime(1970, 1, 1)
_MS = timedelta(milliseconds=1)


# -- the harness ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def prisma_harness() -> Path:
    """The installed harness with Prisma Client generated for both schema variants."""
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if missing:
        pytest.fail(
            f"{' and '.join(missing)} not found: the Prisma harness needs Node.js and npm "
            "(`apt-get install nodejs npm`; .ci/run installs them), then `make setup-prisma`"
        )
    if not INSTALLED.exists():
        pytest.fail(f"the Prisma harness is not installed ({INSTALLED}): run `make setup-prisma`")
    node("generate.mjs", url=None)
    return HARNESS


def node(script: str, url: str | None, *args: str) -> Any:
    """Run one harness script for DATABASE_URL=url; its JSON output (None if it prints none)."""
    env = {**os.environ, **({"DATABASE_URL": url} if url else {})}
    run = subprocess.run(
        ["node", script, *args], cwd=HARNESS, env=env,
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    if run.returncode != 0:
        pytest.fail(f"node {script} exited {run.returncode}:\n{run.stderr}\n{run.stdout}")
    return json.loads(run.stdout) if run.stdout.strip() else None


def cli(*args: str, api_url: str, cwd: Path) -> dict:
    """`v2-backfill <args> --json` in its own process on the session's Prefect server; exit 0."""
    run = subprocess.run(
        [str(CLI), *args, "--json"], cwd=cwd, env={**os.environ, "PREFECT_API_URL": api_url},
        capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert run.returncode == 0, f"v2-backfill {' '.join(args)} exited {run.returncode}:\n" + (
        run.stdout + run.stderr[-4000:]
    )
    return json.loads(run.stdout)


# -- the databases --------------------------------------------------------------------------


@dataclass
class Database:
    """A backfilled app database: `url` as the app and the CLI take it."""

    name: str
    url: str
    known_drift: list[str]

    @property
    def dialect(self) -> str:
        return "sqlite" if self.url.startswith("file:") else "postgresql"

    @contextmanager
    def connect(self) -> Iterator[Any]:
        """A DB-API connection to the app's tables, with the bookkeeping as `v2_backfill`."""
        if self.dialect == "sqlite":
            path = self.url.removeprefix("file:")
            conn = sqlite3.connect(path)
            conn.execute("ATTACH DATABASE ? AS v2_backfill", (f"{path}.v2_backfill.sqlite",))
            try:
                yield conn
                conn.commit()
            finally:
                conn.close()
            return
        base, _, query = self.url.partition("?schema=")
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'SET search_path TO "{query or "public"}"')
            yield conn

    def rows(self, query: str, params: tuple = ()) -> list[dict[str, Any]]:
        marked = query.replace("?", "%s") if self.dialect == "postgresql" else query
        with self.connect() as conn:
            cursor = conn.execute(marked, params)
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def execute(self, statement: str) -> None:
        with self.connect() as conn:
            conn.execute(statement)


@contextmanager
def new_pg_database() -> Iterator[str]:
    """A new PostgreSQL database (of its own, so the bookkeeping schema `v2_backfill` is not
    shared with another test database); yields its plain URL; dropped afterwards."""
    name = f"v2b_prisma_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:  # fail, never skip
        pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {exc}")
    url = sa.engine.make_url(PG_ADMIN_URL).set(database=name, drivername="postgresql")
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def sqlite_fixture_db(tmp_path_factory, prefect_api_url) -> Database:
    """The app's dev database (its V2 tables predate the pipeline), backfilled."""
    folder = tmp_path_factory.mktemp("prisma-sqlite-fixture")
    shutil.copyfile(FIXTURE_DB, folder / "dev.db")
    url = f"file:{folder / 'dev.db'}"
    cli("backfill", "--db", url, api_url=prefect_api_url, cwd=folder)
    return Database("sqlite-fixture", url, KNOWN_FIXTURE_DRIFT)


@pytest.fixture(
    params=[
        pytest.param("sqlite", marks=pytest.mark.sqlite),
        pytest.param("postgres", marks=pytest.mark.postgres),
    ]
)
def fixture_with_indexes_created(
    request: pytest.FixtureRequest, tmp_path: Path, prefect_api_url: str, prisma_harness: Path
) -> Iterator[Database]:
    """The dev fixture copied (into PostgreSQL: its V2 tables made by the pipeline's DDL, so
    the index the fixture lacks is dropped by hand) and backfilled with
    `--create-missing-indexes`."""
    if request.param == "sqlite":
        shutil.copyfile(FIXTURE_DB, tmp_path / "dev.db")
        url = f"file:{tmp_path / 'dev.db'}"
        cli("backfill", "--db", url, "--create-missing-indexes", api_url=prefect_api_url,
            cwd=tmp_path)  # fmt: skip
        yield Database("sqlite-fixture-indexed", url, [])
        return
    from devtools.demo import copy_sqlite_app_db_to_postgres

    with new_pg_database() as base:
        url = f"{base}?schema=app"
        copy_sqlite_app_db_to_postgres(FIXTURE_DB, url)
        db = Database("postgres-fixture-indexed", url, [])
        db.execute('DROP INDEX "messages_v2_conversationId_senderType_isRead_idx"')
        cli("backfill", "--db", url, "--create-missing-indexes", api_url=prefect_api_url,
            cwd=tmp_path)  # fmt: skip
        yield db


@pytest.fixture(scope="session")
def sqlite_demo_db(tmp_path_factory, prefect_api_url) -> Database:
    """`v2-backfill demo`: a generated legacy database (sender type variants, TEXT DateTimes,
    broken rows) whose V2 tables the backfill creates."""
    folder = tmp_path_factory.mktemp("prisma-sqlite-demo")
    summary = cli(
        "demo", "--dir", str(folder), "--messages", "400", "--seed", "17",
        "--quarantine-fail", "100%", api_url=prefect_api_url, cwd=folder,
    )  # fmt: skip
    demo = summary["demo"]  # what makes it a test of the read check
    assert demo["sender_type_variants"] > 0 and demo["text_datetime_messages"] > 0, demo
    return Database("sqlite-demo", f"file:{folder / 'dev.db'}", [])


@pytest.fixture(scope="session")
def postgres_fixture_db(tmp_path_factory, prefect_api_url) -> Iterator[Database]:
    """The dev database copied into PostgreSQL schema `app` (V2 tables as the pipeline's DDL
    makes them), backfilled."""
    from devtools.demo import copy_sqlite_app_db_to_postgres

    folder = tmp_path_factory.mktemp("prisma-postgres-fixture")
    with new_pg_database() as base:
        url = f"{base}?schema=app"
        copy_sqlite_app_db_to_postgres(FIXTURE_DB, url)
        cli("backfill", "--db", url, api_url=prefect_api_url, cwd=folder)
        yield Database("postgres-fixture", url, [])


@pytest.fixture(scope="session")
def postgres_factory_db(tmp_path_factory, prefect_api_url) -> Iterator[Database]:
    """Legacy rows written by the tests' factory (sender type spellings, read and unread, ms
    DateTimes), into a database without V2 tables: the backfill creates them."""
    folder = tmp_path_factory.mktemp("prisma-postgres-factory")
    with new_pg_database() as base:
        url = f"{base}?schema=public"
        fill_factory_data(url)
        cli("backfill", "--db", url, "--quarantine-fail", "100%", api_url=prefect_api_url,
            cwd=folder)  # fmt: skip
        yield Database("postgres-factory", url, [])


def fill_factory_data(url: str) -> None:
    app = AppDatabase(url).create_legacy_tables()
    try:
        for household in range(3):
            agent, client, timeline = app.household()
            homes = [
                app.property(timeline, f"{10 + i} Elm St, Louisville, KY 4020{household}",
                             position=i)
                for i in range(3)
            ]  # fmt: skip
            for i, home in enumerate(homes[:2]):
                conversation = app.conversation(timeline, agent, client, home)
                for n, spelling in enumerate(("agent", "Client", " AGENT", "client ", "agent")):
                    created = T0 + household * HOUR + i * 10 * MINUTE + n * MINUTE + 123 + n
                    sender = client if "lient" in spelling else agent
                    app.message(
                        conversation, sender, f"message {household}/{i}/{n} ✓ \"quoted\"",
                        sender_type=spelling, created=created, updated=created + 7,
                        read_at=created + 999 if n % 2 == 0 else None,
                    )  # fmt: skip
    finally:
        app.dispose()


DATABASES = ("sqlite_fixture_db", "postgres_fixture_db", "sqlite_demo_db", "postgres_factory_db")


@pytest.fixture(
    params=[
        pytest.param(name, marks=getattr(pytest.mark, name.split("_")[0]), id=name[:-3])
        for name in DATABASES
    ]
)
def database(request: pytest.FixtureRequest, prisma_harness: Path) -> Database:
    return request.getfixturevalue(request.param)


# -- reading legacy and V2 as stored ---------------------------------------------------------


def ms(value: Any) -> int | None:
    """A stored DateTime cell as epoch ms: INTEGER ms or TEXT (SQLite), timestamp (PostgreSQL)."""
    if value is None or isinstance(value, int):
        return value
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return (value - _EPOCH) // _MS


def sender_type(raw: str, sender: str, agent: str, client: str) -> str | None:
    """The V2 sender type of a legacy message: its spelling (case, spaces) or its sender."""
    spelled = raw.strip(" ").upper()
    if spelled in ("AGENT", "CLIENT"):
        return spelled
    return {agent: "AGENT", client: "CLIENT"}.get(sender)


def expected_messages(db: Database) -> dict[str, dict[str, Any]]:
    """Each migrated message (the lineage) as V2 must hold it, from the legacy rows."""
    rows = db.rows(
        'SELECT l.legacy_message_id, l.conversation_id, m."senderId", m."senderType", m.content, '
        'm."isRead", m."readAt", m."createdAt", m."updatedAt", c."agentId", c."clientId" '
        "FROM v2_backfill.lineage l "
        "JOIN messages m ON m.id = l.legacy_message_id "
        'JOIN conversations c ON c.id = m."conversationId"'
    )
    expected = {}
    for r in rows:
        content = r["content"]
        expected[r["legacy_message_id"]] = {
            "id": r["legacy_message_id"],
            "conversationId": r["conversation_id"],
            "senderId": r["senderId"],
            "senderType": sender_type(r["senderType"], r["senderId"], r["agentId"], r["clientId"]),
            "content": content.decode() if isinstance(content, bytes) else content,
            "type": "TEXT",
            "isRead": bool(r["isRead"]),
            "readAt": ms(r["readAt"]),
            "createdAt": ms(r["createdAt"]),
            "updatedAt": ms(r["updatedAt"]),
        }
    return expected


def stored(db: Database, table: str) -> dict[str, dict[str, Any]]:
    """Every row of a V2 table as stored, DateTimes as epoch ms, Booleans as bool."""
    datetimes = {"readAt", "createdAt", "updatedAt", "lastMessageAt"}
    out = {}
    for row in db.rows(f'SELECT * FROM "{table}"'):
        for column in row.keys() & datetimes:
            row[column] = ms(row[column])
        if "isRead" in row:
            row["isRead"] = bool(row["isRead"])
        out[row["id"]] = row
    return out


def differences(db: Database, read: dict) -> list[str]:
    """What Prisma Client read that is not what legacy and the stored V2 rows say."""
    problems = []
    messages = {m["id"]: m for m in read["messages"]}
    conversations = {c["id"]: c for c in read["conversations"]}
    expected = expected_messages(db)
    if not expected:
        problems.append("no migrated message to compare")
    for mid, want in expected.items():
        got = messages.get(mid)
        if got is None:
            problems.append(f"message {mid}: not read by Prisma")
            continue
        for field, value in want.items():
            if got[field] != value:
                problems.append(f"message {mid}.{field}: Prisma {got[field]!r}, legacy {value!r}")
    for table, got_rows in (("messages_v2", messages), ("property_conversations", conversations)):
        rows = stored(db, table)
        if rows.keys() != got_rows.keys():
            problems.append(f"{table}: Prisma read {len(got_rows)} rows of {len(rows)}")
        for rid, row in rows.items():
            for field, value in row.items():
                if rid in got_rows and got_rows[rid][field] != value:
                    problems.append(
                        f"{table} {rid}.{field}: Prisma {got_rows[rid][field]!r}, stored {value!r}"
                    )
    unread = Counter((m["conversationId"], m["senderType"]) for m in messages.values()
                     if not m["isRead"])  # fmt: skip
    newest: dict[str, int] = {}
    for m in messages.values():
        newest[m["conversationId"]] = max(newest.get(m["conversationId"], 0), m["createdAt"])
    created = {r["conversation_id"] for r in db.rows(
        "SELECT conversation_id FROM v2_backfill.created_conversations")}  # fmt: skip
    for cid in {w["conversationId"] for w in expected.values()}:
        c = conversations.get(cid)
        if c is None:
            problems.append(f"conversation {cid}: not read by Prisma")
            continue
        counts = {
            "unreadAgentCount": (unread[cid, "CLIENT"], c["prismaUnreadAgent"]),
            "unreadClientCount": (unread[cid, "AGENT"], c["prismaUnreadClient"]),
        }
        for field, (recount, prisma_count) in counts.items():
            if not c[field] == recount == prisma_count:
                problems.append(
                    f"conversation {cid}.{field}: {c[field]}, recounted {recount}, "
                    f"Prisma's groupBy {prisma_count}"
                )
        last = c["lastMessageAt"]
        if last is None or last < newest[cid] or (cid in created and last != newest[cid]):
            problems.append(f"conversation {cid}.lastMessageAt {last}, newest {newest[cid]}")
    return problems


def snapshot(db: Database, table: str, ids: list[str]) -> list[tuple]:
    """The rows' bytes as stored: SQLite each cell with its storage class, PostgreSQL each
    row's text form."""
    marks = ", ".join("?" for _ in ids)
    if db.dialect == "sqlite":
        with db.connect() as conn:
            columns = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]
            typed = ", ".join(f'"{c}", typeof("{c}")' for c in columns)
            query = f'SELECT {typed} FROM "{table}" WHERE id IN ({marks}) ORDER BY id'
            return conn.execute(query, ids).fetchall()
    query = f'SELECT t::text FROM "{table}" t WHERE id IN ({marks}) ORDER BY id'
    return [tuple(r.values()) for r in db.rows(query, tuple(ids))]


def datetime_storage(db: Database, ids: dict[str, list[str]]) -> set[str]:
    """SQLite: the storage classes of the DateTime cells of these V2 rows."""
    columns = {
        "property_conversations": ("lastMessageAt", "createdAt", "updatedAt"),
        "messages_v2": ("readAt", "createdAt", "updatedAt"),
    }
    kinds = set()
    for table, rows in ids.items():
        marks = ", ".join("?" for _ in rows)
        for column in columns[table]:
            query = (
                f'SELECT DISTINCT typeof("{column}") AS kind FROM "{table}" WHERE id IN ({marks})'
            )
            kinds |= {r["kind"] for r in db.rows(query, tuple(rows))}
    return kinds


# -- the checks -----------------------------------------------------------------------------


def test_introspection_shows_no_v2_drift(database: Database):
    drift = node("drift.mjs", database.url)

    assert drift["dialect"] == database.dialect
    assert drift["statements"] == database.known_drift, drift["script"]
    for table in V2_TABLES:  # the comparison did look at the V2 tables
        assert f'@@map("{table}")' in drift["expected"]
        assert f"model {table} {{" in drift["pulled"]


def test_no_drift_once_missing_indexes_are_created(fixture_with_indexes_created: Database):
    """What the fixture's drift becomes (`KNOWN_FIXTURE_DRIFT` without the flag): nothing."""
    drift = node("drift.mjs", fixture_with_indexes_created.url)

    assert drift["statements"] == [], drift["script"]
    assert "@@index([conversationId, senderType, isRead])" in drift["pulled"]


def test_prisma_client_reads_what_legacy_holds(database: Database):
    read = node("read.mjs", database.url)

    assert differences(database, read) == []
    assert len(read["messages"]) == len(stored(database, "messages_v2")) > 0


@pytest.fixture(
    params=[
        pytest.param("sqlite_fixture_db", marks=pytest.mark.sqlite, id="sqlite_fixture"),
        pytest.param("postgres_factory_db", marks=pytest.mark.postgres, id="postgres_factory"),
    ]
)
def writable(request: pytest.FixtureRequest, prisma_harness: Path) -> Database:
    """One database per dialect for the write check (a sync and a validate cost a minute): the
    app's dev database with its native V2 rows, and one whose V2 tables the backfill made."""
    return request.getfixturevalue(request.param)


def write_as_the_app(database: Database) -> dict[str, list[str]]:
    """Prisma Client writes as the app does (`write.mjs`): a conversation for a property that
    has none, messages there and in a migrated conversation; the ids written, by table."""
    (free,) = database.rows(
        'SELECT p.id AS "propertyId", p."timelineId", t."agentId", t."clientId" '
        'FROM properties p JOIN timelines t ON t.id = p."timelineId" '
        'WHERE p.id NOT IN (SELECT "propertyId" FROM property_conversations) '
        "ORDER BY p.id LIMIT 1"
    )
    existing = database.rows("SELECT MIN(conversation_id) AS id FROM v2_backfill.lineage")[0]["id"]
    written = node("write.mjs", database.url, json.dumps({"property": free, "existing": existing}))
    return {"property_conversations": written["conversations"], "messages_v2": written["messages"]}


def test_prisma_writes_survive_sync_and_validate(writable: Database, prefect_api_url, tmp_path):
    database = writable

    ids = write_as_the_app(database)

    before = {table: snapshot(database, table, rows) for table, rows in ids.items()}
    assert [len(rows) for rows in before.values()] == [2, 4]
    if database.dialect == "sqlite":  # unixepoch-ms: Prisma wrote INTEGER ms, as the pipeline
        assert datetime_storage(database, ids) == {"integer", "null"}
    sync = cli("sync", "--db", database.url, api_url=prefect_api_url, cwd=tmp_path)
    validate = cli("validate", "--db", database.url, api_url=prefect_api_url, cwd=tmp_path)

    assert sync["gate_passed"] and validate["gate_passed"]
    assert {table: snapshot(database, table, rows) for table, rows in ids.items()} == before
    read = node("read.mjs", database.url)  # and Prisma still reads everything right
    assert differences(database, read) == []


# -- each check fails when what it checks is broken -----------------------------------------


@pytest.fixture
def broken_sqlite(sqlite_demo_db: Database, tmp_path: Path, prisma_harness: Path) -> Database:
    """A copy of the SQLite demo (with its bookkeeping), to break by hand."""
    source = Path(sqlite_demo_db.url.removeprefix("file:"))
    for suffix in ("", ".v2_backfill.sqlite"):
        shutil.copyfile(f"{source}{suffix}", tmp_path / f"dev.db{suffix}")
    return Database("broken", f"file:{tmp_path / 'dev.db'}", [])


@pytest.mark.sqlite
def test_index_dropped_by_hand_is_drift_on_sqlite(broken_sqlite: Database):
    broken_sqlite.execute('DROP INDEX "messages_v2_senderId_idx"')

    drift = node("drift.mjs", broken_sqlite.url)

    assert drift["statements"] == [
        'CREATE INDEX "messages_v2_senderId_idx" ON "messages_v2"("senderId")'
    ]


@pytest.mark.postgres
def test_index_and_default_changed_by_hand_are_drift_on_postgres(
    postgres_factory_db: Database, prisma_harness: Path
):
    db = postgres_factory_db
    db.execute('DROP INDEX "messages_v2_senderId_idx"')
    db.execute('ALTER TABLE property_conversations ALTER COLUMN "unreadAgentCount" SET DEFAULT 1')
    try:
        drift = node("drift.mjs", db.url)
    finally:
        db.execute('CREATE INDEX "messages_v2_senderId_idx" ON "messages_v2"("senderId")')
        db.execute(
            'ALTER TABLE property_conversations ALTER COLUMN "unreadAgentCount" SET DEFAULT 0'
        )

    assert drift["statements"] == [
        'ALTER TABLE "property_conversations" ALTER COLUMN "unreadAgentCount" SET DEFAULT 0',
        'CREATE INDEX "messages_v2_senderId_idx" ON "messages_v2"("senderId")',
    ]


@pytest.mark.sqlite
def test_a_wrong_value_or_count_is_reported(broken_sqlite: Database):
    (victim,) = broken_sqlite.rows(
        'SELECT mv.id, mv."conversationId", mv."createdAt" FROM messages_v2 mv '
        "JOIN v2_backfill.lineage l ON l.legacy_message_id = mv.id "
        'WHERE NOT mv."isRead" ORDER BY mv.id LIMIT 1'
    )
    broken_sqlite.execute(
        f'UPDATE messages_v2 SET content = content || \'!\', "createdAt" = "createdAt" + 1, '
        f"\"isRead\" = 1 WHERE id = '{victim['id']}'"
    )

    problems = differences(broken_sqlite, node("read.mjs", broken_sqlite.url))

    mid, cid = victim["id"], victim["conversationId"]
    assert {p.split(":")[0] for p in problems} >= {
        f"message {mid}.content",
        f"message {mid}.createdAt",
        f"message {mid}.isRead",
    }
    assert any(p.startswith(f"conversation {cid}.unread") for p in problems), problems
    assert all(mid in p or cid in p for p in problems), problems


@pytest.mark.sqlite
def test_snapshot_sees_one_changed_cell(sqlite_fixture_db: Database, tmp_path: Path):
    """What the write test compares: a DateTime rewritten as the same instant in another
    storage class (ISO TEXT, as Prisma's default iso8601 format writes) is a change."""
    db = Database("copy", f"file:{tmp_path / 'dev.db'}", [])
    source = sqlite_fixture_db.url.removeprefix("file:")
    for suffix in ("", ".v2_backfill.sqlite"):
        shutil.copyfile(f"{source}{suffix}", tmp_path / f"dev.db{suffix}")
    ids = [r["id"] for r in db.rows("SELECT id FROM messages_v2 ORDER BY id LIMIT 3")]
    before = snapshot(db, "messages_v2", ids)

    db.execute(
        'UPDATE messages_v2 SET "createdAt" = '
        "strftime('%Y-%m-%dT%H:%M:%fZ', \"createdAt\" / 1000.0, 'unixepoch') "
        f"WHERE id = '{ids[1]}'"
    )

    assert snapshot(db, "messages_v2", ids) != before
