"""A password in --db stays in the process: never in Prefect's database (flow run parameters,
artifacts, logs), the reports, the bookkeeping or the printed summaries.

PostgreSQL only: a SQLite URL has no password. The test server trusts local connections, so
it accepts any password.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.factory import AppDatabase
from tests.test_sync import T1, rollout
from v2_backfill.cli import main

PASSWORD = "S3cr%40t%23pw"
"""Percent-encoded in the URL; `S3cr` is in both its encoded and decoded forms."""
SECRET = "S3cr"


def prefect_records() -> list[str]:
    """Every flow run (its parameters), artifact and log line the session's Prefect server
    holds, as JSON."""
    from prefect.client.orchestration import get_client
    from prefect.logging.handlers import APILogWorker

    APILogWorker.drain_all(timeout=5)
    with get_client(sync_client=True) as client:
        flows = {flow.name for flow in client.read_flows()}
        records = [*client.read_flow_runs(), *client.read_artifacts(), *client.read_logs()]
    assert {"backfill", "incremental_sync", "validate"} <= flows
    return [record.model_dump_json() for record in records]


def prefect_files() -> list[Path]:
    """Every file of the session's Prefect home and of its server's database folder (the
    SQLite database and its write-ahead log)."""
    from prefect.settings import PREFECT_HOME, PREFECT_SERVER_DATABASE_CONNECTION_URL

    database = Path(PREFECT_SERVER_DATABASE_CONNECTION_URL.value().split("///", 1)[1])
    assert database.is_file()
    folders = {database.parent, Path(PREFECT_HOME.value())}
    return [path for folder in folders for path in folder.rglob("*") if path.is_file()]


@pytest.mark.postgres
def test_a_password_in_db_is_stored_nowhere(
    pg_schema, prefect_server, tmp_path, capsys, caplog, monkeypatch
):
    app = AppDatabase(pg_schema).create_legacy_tables()
    try:
        ids = rollout(app)
        url = pg_schema.replace("://root@", f"://root:{PASSWORD}@", 1)
        monkeypatch.chdir(tmp_path)
        monkeypatch.delenv("DATABASE_URL", raising=False)
        for command in ("backfill", "sync", "validate"):
            if command == "sync":
                app.message(ids["own"], ids["agent"], "a change to sync", created=T1)
            code = main([command, "--db", url, "--json", "--report-dir", f"reports/{command}"])
            assert code == 0, capsys.readouterr()
        printed = capsys.readouterr()
        runs = repr(app.rows("SELECT * FROM v2_backfill.runs"))
    finally:
        app.dispose()

    assert json.loads(printed.out.split("\n}\n")[0] + "\n}")["kind"] == "backfill"
    assert SECRET not in printed.out + printed.err + caplog.text
    assert SECRET not in runs
    reports = [p for p in (tmp_path / "reports").rglob("*") if p.is_file()]
    assert {p.name for p in reports} >= {"summary.json", "index.html"}
    assert [p for p in reports if SECRET.encode() in p.read_bytes()] == []
    assert [record for record in prefect_records() if SECRET in record] == []
    assert [p for p in prefect_files() if SECRET.encode() in p.read_bytes()] == []


def test_a_target_holds_no_password_and_finds_it_in_the_process_or_database_url(monkeypatch):
    from v2_backfill import config

    url = f"postgresql://root:{PASSWORD}@db.example:5432/app?schema=crm"
    target = config.parse_database_url(url)
    assert SECRET not in repr(target) and target.password() == "S3cr@t#pw"
    assert config.without_password(url) == "postgresql://root@db.example:5432/app?schema=crm"
    assert config.parse_database_url(config.without_password(url)) == target
    assert config.without_password("file:./dev.db") == "file:./dev.db"

    monkeypatch.setattr(config, "_PASSWORDS", {})  # another process, e.g. a Dask worker
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert target.password() is None  # libpq reads $PGPASSWORD or ~/.pgpass itself
    monkeypatch.setenv("DATABASE_URL", url)
    assert target.password() == "S3cr@t#pw"
