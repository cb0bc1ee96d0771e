"""The SQLite DateTime encoding follows the app (issue 17, part 2), proven with the app's real
Prisma Client (`tests/prisma/`, its libsql adapter in `timestampFormat: 'iso8601'`, as the
adapter's default and Prisma 7 write): a V2 database whose app writes ISO-8601 TEXT is
backfilled, synced and validated, the pipeline writing exactly the TEXT Prisma writes
(`2025-01-02T03:04:05.678+00:00`); an app that switches encodings after the backfill keeps
its syncs working; a pipeline cell in the other encoding fails the gate.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import FIXTURE_DB
from tests.test_prisma_harness import (
    CLI,
    Database,
    cli,
    datetime_storage,
    differences,
    fill_factory_data,
    node,
    prisma_harness,  # noqa: F401 (the fixture, used by every test)
    write_as_the_app,
)

pytestmark = [pytest.mark.sqlite, pytest.mark.usefixtures("prisma_harness")]


@contextmanager
def iso8601_app() -> Iterator[None]:
    """Inside, the harness's Prisma Client writes and reads DateTimes as ISO-8601 TEXT."""
    os.environ["PRISMA_TIMESTAMP_FORMAT"] = "iso8601"
    try:
        yield
    finally:
        del os.environ["PRISMA_TIMESTAMP_FORMAT"]


def prisma_writes(db: Database) -> dict[str, list[str]]:
    """The app (Prisma Client, ISO-8601) writes a conversation and messages, marks some read."""
    with iso8601_app():
        return write_as_the_app(db)


def pipeline_rows(db: Database) -> dict[str, list[str]]:
    """The ids of the V2 rows the pipeline wrote."""
    return {
        "messages_v2": [r["id"] for r in db.rows(
            "SELECT legacy_message_id AS id FROM v2_backfill.lineage")],
        "property_conversations": [r["id"] for r in db.rows(
            "SELECT conversation_id AS id FROM v2_backfill.created_conversations")],
    }  # fmt: skip


def cli_exit(*args: str, api_url: str, cwd: Path) -> tuple[int, dict]:
    """`v2-backfill <args> --json`: its exit code and JSON output."""
    run = subprocess.run(
        [str(CLI), *args, "--json"], cwd=cwd, env={**os.environ, "PREFECT_API_URL": api_url},
        capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    return run.returncode, json.loads(run.stdout)


def new_app_db(folder: Path) -> Database:
    """Legacy rows of the tests' factory in a SQLite file without V2 tables."""
    path = folder / "dev.db"
    sqlite3.connect(path).close()
    fill_factory_data(f"sqlite:///{path}")
    return Database("sqlite-datetime", f"file:{path}", [])


@pytest.fixture(scope="module")
def iso_app_db(tmp_path_factory, prefect_api_url) -> Database:
    """Backfilled with --sqlite-datetime iso8601 (no V2 rows yet), then written by the app."""
    folder = tmp_path_factory.mktemp("sqlite-datetime-iso")
    db = new_app_db(folder)
    cli("backfill", "--db", db.url, "--sqlite-datetime", "iso8601", "--quarantine-fail", "100%",
        api_url=prefect_api_url, cwd=folder)  # fmt: skip
    prisma_writes(db)
    return db


def test_prisma_iso_text_is_what_the_pipeline_writes(iso_app_db: Database):
    (prisma,) = iso_app_db.rows(
        'SELECT "createdAt" AS at FROM messages_v2 WHERE id NOT IN '
        "(SELECT legacy_message_id FROM v2_backfill.lineage) LIMIT 1"
    )
    (ours,) = iso_app_db.rows(
        'SELECT "createdAt" AS at FROM messages_v2 WHERE id IN '
        "(SELECT legacy_message_id FROM v2_backfill.lineage) LIMIT 1"
    )
    shape = "2025-01-02T03:04:05.678+00:00"
    assert len(prisma["at"]) == len(ours["at"]) == len(shape)
    assert prisma["at"][10] == ours["at"][10] == "T" and prisma["at"][-6:] == ours["at"][-6:]


def test_an_iso_app_syncs_validates_and_reads_every_row(
    iso_app_db: Database, prefect_api_url, tmp_path
):
    sync = cli("sync", "--db", iso_app_db.url, api_url=prefect_api_url, cwd=tmp_path)
    validate = cli("validate", "--db", iso_app_db.url, api_url=prefect_api_url, cwd=tmp_path)

    assert sync["gate_passed"] and validate["gate_passed"]
    assert datetime_storage(iso_app_db, pipeline_rows(iso_app_db)) == {"text", "null"}
    with iso8601_app():
        read = node("read.mjs", iso_app_db.url)
    assert differences(iso_app_db, read) == []


def test_a_pipeline_datetime_in_the_other_encoding_fails_the_gate(
    iso_app_db: Database, prefect_api_url, tmp_path
):
    source = Path(iso_app_db.url.removeprefix("file:"))
    for suffix in ("", ".v2_backfill.sqlite"):
        shutil.copyfile(f"{source}{suffix}", tmp_path / f"dev.db{suffix}")
    broken = Database("broken", f"file:{tmp_path / 'dev.db'}", [])
    message = pipeline_rows(broken)["messages_v2"][0]
    broken.execute(  # the same instant, as epoch ms
        'UPDATE messages_v2 SET "createdAt" = CAST(ROUND((julianday("createdAt") - 2440587.5)'
        f" * 86400000) AS INTEGER) WHERE id = '{message}'"
    )

    code, summary = cli_exit("validate", "--db", broken.url, api_url=prefect_api_url, cwd=tmp_path)

    assert code == 1 and summary["checks_failed"] == ["sqlite_datetimes_in_encoding"], summary


def test_a_sync_after_the_app_switched_to_iso_follows_it(tmp_path, prefect_api_url):
    db = new_app_db(tmp_path)  # the backfill creates the V2 tables: no native row before
    cli("backfill", "--db", db.url, "--quarantine-fail", "100%", api_url=prefect_api_url,
        cwd=tmp_path)  # fmt: skip
    assert datetime_storage(db, pipeline_rows(db)) == {"integer", "null"}  # the default
    written = prisma_writes(db)  # the app upgraded: its native rows are all ISO-8601

    sync = cli("sync", "--db", db.url, api_url=prefect_api_url, cwd=tmp_path)
    validate = cli("validate", "--db", db.url, api_url=prefect_api_url, cwd=tmp_path)

    assert sync["gate_passed"] and validate["gate_passed"]
    assert datetime_storage(db, pipeline_rows(db)) == {"text", "null"}  # re-encoded
    assert datetime_storage(db, written) == {"text", "null"}
    with iso8601_app():
        read = node("read.mjs", db.url)
    assert differences(db, read) == []


def test_native_rows_in_both_encodings_need_the_flag(tmp_path, prefect_api_url):
    shutil.copyfile(FIXTURE_DB, tmp_path / "dev.db")  # its native V2 rows are epoch ms
    db = Database("fixture", f"file:{tmp_path / 'dev.db'}", [])
    cli("backfill", "--db", db.url, api_url=prefect_api_url, cwd=tmp_path)
    prisma_writes(db)  # the app upgraded: ISO-8601 from now on

    code, error = cli_exit("sync", "--db", db.url, api_url=prefect_api_url, cwd=tmp_path)
    assert code == 2, error
    assert "--sqlite-datetime" in error["error"]["hint"], error
    assert "epoch-ms" in error["error"]["message"] and "ISO-8601" in error["error"]["message"]

    flag = ("--sqlite-datetime", "iso8601")
    sync = cli("sync", "--db", db.url, *flag, api_url=prefect_api_url, cwd=tmp_path)
    validate = cli("validate", "--db", db.url, *flag, api_url=prefect_api_url, cwd=tmp_path)

    assert sync["gate_passed"] and validate["gate_passed"]
    assert datetime_storage(db, pipeline_rows(db)) == {"text", "null"}

    status = cli("review", "status", "--db", db.url, *flag, api_url=prefect_api_url, cwd=tmp_path)
    assert status["kind"] == "review_status"
    undo = ("rollback", "--db", db.url, "--all")
    code, error = cli_exit(*undo, api_url=prefect_api_url, cwd=tmp_path)
    assert code == 2 and "--sqlite-datetime" in error["error"]["hint"], error
    assert cli(*undo, *flag, api_url=prefect_api_url, cwd=tmp_path)["messages_removed"] > 0
