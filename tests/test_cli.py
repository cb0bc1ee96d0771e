"""The command line: summaries, --json, and bad input -> a clear error, its exit code, no writes."""

from __future__ import annotations

import io
import json
import logging
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.factory import AppDatabase
from tests.test_backfill_runs import busy_timeline
from tests.test_sync import old_app_writes, rollout
from v2_backfill import identity
from v2_backfill.cli import main, run_commands
from v2_backfill.cli.options import parse_duration_ms, parse_share
from v2_backfill.config import format_duration_ms, parse_database_url
from v2_backfill.db import open_database
from v2_backfill.errors import known_cause
from v2_backfill.lock import run_lock


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The real command in its own process, as an operator runs it: its own temporary Prefect
    server, with its own Prefect home (not the test session's)."""
    env = {**os.environ, "PREFECT_HOME": str(cwd / ".prefect")}
    return subprocess.run(
        [sys.executable, "-m", "v2_backfill.cli", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip


@pytest.mark.sqlite
def test_json_summary_is_the_only_stdout(fixture_db, prefect_server, capsys, monkeypatch):
    monkeypatch.chdir(fixture_db.parent)
    code = main(["backfill", "--db", f"file:{fixture_db}", "--json"])
    out = capsys.readouterr().out
    assert code == 0
    summary = json.loads(out)
    assert summary["messages_copied"] == 9
    assert summary["attribution_by_rule"] == {"conversation_property": 9}


@pytest.mark.sqlite
def test_text_summary_and_database_url_from_environment(
    fixture_db, prefect_server, capsys, monkeypatch
):
    monkeypatch.chdir(fixture_db.parent)
    monkeypatch.setenv("DATABASE_URL", "file:./dev.db")  # Prisma's form, relative to cwd
    assert main(["backfill"]) == 0
    out = capsys.readouterr().out
    assert "messages copied:" in out and " 9\n" in out
    assert "conversation_property" in out


def _not_a_database(tmp_path: Path) -> str:
    path = tmp_path / "notes.db"
    path.write_text("just some text, not SQLite\n" * 10)
    return f"file:{path}"


def _empty_database(tmp_path: Path) -> str:
    path = tmp_path / "empty.db"
    sqlite3.connect(path).close()
    return f"file:{path}"


def _missing_column(tmp_path: Path) -> str:
    url = _empty_database(tmp_path)
    app = AppDatabase(url).create_legacy_tables()
    with sqlite3.connect(app.target.sqlite_path) as conn:
        conn.execute('ALTER TABLE messages DROP COLUMN "readAt"')
    app.dispose()
    return url


def _v2_other_shape(tmp_path: Path) -> str:
    url = _empty_database(tmp_path)
    app = AppDatabase(url).create_legacy_tables().create_v2_tables()
    with sqlite3.connect(app.target.sqlite_path) as conn:
        conn.execute('DROP INDEX "messages_v2_senderId_idx"')
        conn.execute('ALTER TABLE messages_v2 ADD COLUMN "extra" TEXT')
    app.dispose()
    return url


def _read_only(tmp_path: Path) -> str:
    """A database file root cannot write either: immutable (undone after the test)."""
    url = _empty_database(tmp_path)
    AppDatabase(url).create_legacy_tables().dispose()
    subprocess.run(["chattr", "+i", str(tmp_path / "empty.db")], check=True)
    return url


def _sidecar(tmp_path: Path, make: str) -> str:
    """A database with the legacy tables whose bookkeeping file beside it is garbage, or a
    directory (`make`)."""
    url = _empty_database(tmp_path)
    AppDatabase(url).create_legacy_tables().dispose()
    sidecar = tmp_path / "empty.db.v2_backfill.sqlite"
    if make == "garbage":
        sidecar.write_bytes(b"not SQLite at all\n" * 100)
    else:
        sidecar.mkdir()
    return url


_HELD: list[object] = []


def _run_in_progress(tmp_path: Path) -> str:
    """A database whose run lock another run holds (released after the test)."""
    url = _empty_database(tmp_path)
    AppDatabase(url).create_legacy_tables().dispose()
    _hold_run_lock(url)
    return url


def _hold_run_lock(url: str) -> None:
    """Take the run lock of the database at `url` (released after the test)."""
    db = open_database(parse_database_url(url))
    with db.begin() as conn:
        db.ensure_bookkeeping(conn)
    holder = run_lock(db, mark_interrupted=False)
    holder.__enter__()
    _HELD.append(holder)


def _link_held_elsewhere(tmp_path: Path) -> str:
    """A database whose other name (a hard link in another folder) a run holds the lock of."""
    url = _empty_database(tmp_path)
    AppDatabase(url).create_legacy_tables().dispose()
    (tmp_path / "elsewhere").mkdir()
    os.link(tmp_path / "empty.db", tmp_path / "elsewhere" / "first.db")
    _hold_run_lock(f"file:{tmp_path}/elsewhere/first.db")
    return url


def _sidecar_of_another_database(tmp_path: Path) -> str:
    """A database beside which lies the bookkeeping file of another database."""
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "first.db").touch()
    first = AppDatabase(f"file:{tmp_path}/elsewhere/first.db").create_legacy_tables()
    busy_timeline(first)
    db = open_database(first.target)
    identity.record(db)
    db.dispose()
    url = _empty_database(tmp_path)
    busy_timeline(AppDatabase(url).create_legacy_tables())
    shutil.copyfile(f"{first.target.sidecar_path}", tmp_path / "empty.db.v2_backfill.sqlite")
    return url


BAD_INPUT = [
    # (id, database URL maker, extra args, exit code, fragment of the error)
    ("sqlite-file-missing", lambda d: f"file:{d}/nope.db", [], 2, "does not exist"),
    ("not-a-database", _not_a_database, [], 2, "is not a SQLite database"),
    ("unknown-scheme", lambda d: "mysql://root@localhost/app", [], 2, "unknown database URL"),
    ("postgres-unreachable", lambda d: "postgresql://root@127.0.0.1:1/test", [], 2,
     "cannot connect"),
    ("postgres-login-refused", lambda d: "postgresql://no_such_role@127.0.0.1:5432/test", [], 2,
     "cannot connect"),
    ("legacy-tables-missing", _empty_database, [], 3, "legacy table 'messages' is missing"),
    ("legacy-column-missing", _missing_column, [], 3, "lacks column(s) ['readAt']"),
    ("v2-other-shape", _v2_other_shape, [], 3, "messages_v2 column extra is not in Prisma"),
    ("bad-chunk-size", _empty_database, ["--chunk-size", "0"], 2, "positive whole number"),
    ("bad-window", _empty_database, ["--thread-window", "soon"], 2, "not a duration"),
    ("bad-fallback", _empty_database, ["--fallback", "guess"], 2, "invalid choice"),
    ("bad-share", _empty_database, ["--quarantine-warn", "150%"], 2, "expected a share"),
    ("read-only-database", _read_only, [], 2, "attempt to write a readonly database"),
    ("run-in-progress", _run_in_progress, [], 2, "another v2-backfill run is in progress"),
    ("warn-above-fail", _empty_database, ["--quarantine-warn", "30%", "--quarantine-fail", "10%"],
     2, "warn <= fail"),
    ("sidecar-garbage", lambda d: _sidecar(d, "garbage"), [], 2,
     "bookkeeping file {d}/empty.db.v2_backfill.sqlite (beside the database) is not a SQLite"),
    ("sidecar-directory", lambda d: _sidecar(d, "directory"), [], 2,
     "bookkeeping file {d}/empty.db.v2_backfill.sqlite (beside the database) is not a file"),
    ("postgres-password-hash", lambda d: "postgresql://root:pa#ss@127.0.0.1:5432/test", [], 2,
     "(a '#' in the password?)\n  fix: percent-encode the password (# as %23"),
    ("postgres-password-at", lambda d: "postgresql://root:p@ss@127.0.0.1:5432/test", [], 2,
     "(an '@' in the password?)\n  fix: percent-encode the password (# as %23"),
    ("postgres-port-not-a-number", lambda d: "postgresql://root@127.0.0.1:54x2/test", [], 2,
     "port '54x2' is not a number"),
    ("report-dir-is-a-file", _empty_database, ["--report-dir", __file__], 2,
     "is a file"),
    ("bad-lock-timeout", _empty_database, ["--lock-timeout", "soon"], 2, "not a duration"),
    ("zero-lock-timeout", _empty_database, ["--lock-timeout", "0"], 2,
     "lock timeout must be at least 1ms"),
    ("hard-link-run-in-progress", _link_held_elsewhere, [], 2,
     "another v2-backfill run is in progress"),
    ("sidecar-of-another-database", _sidecar_of_another_database, [], 2,
     "bookkeeping file {d}/empty.db.v2_backfill.sqlite belongs to another database (recorded "
     "for {d}/elsewhere/first.db"),
]  # fmt: skip


@pytest.mark.sqlite
@pytest.mark.parametrize(
    ("url_for", "extra", "code", "fragment"),
    [case[1:] for case in BAD_INPUT],
    ids=[case[0] for case in BAD_INPUT],
)
def test_bad_input_is_a_clear_error_and_writes_nothing(
    tmp_path, capsys, url_for, extra, code, fragment
):
    url = url_for(tmp_path)
    before = _contents(tmp_path)

    try:
        got = main(["backfill", "--db", url, *extra])
    except SystemExit as exit_:  # argparse's own usage errors
        got = exit_.code
    finally:
        subprocess.run(["chattr", "-i", *map(str, tmp_path.iterdir())], check=False)
        while _HELD:
            _HELD.pop().__exit__(None, None, None)

    err = capsys.readouterr().err
    assert got == code
    assert fragment.format(d=tmp_path) in err
    assert "Traceback" not in err and "(run again with --debug" not in err
    assert _contents(tmp_path) == before  # no file made or changed


def _contents(folder: Path) -> dict[Path, bytes | None]:
    """Every entry of a folder with its bytes (None: a directory)."""
    return {p: p.read_bytes() if p.is_file() else None for p in folder.iterdir()}


@pytest.mark.sqlite
def test_end_of_input_at_the_approval_prompt_is_a_no(fixture_db, capsys, monkeypatch):
    monkeypatch.setattr(run_commands, "_interactive", lambda: True)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))  # Ctrl-D: input() meets end of input
    before = _contents(fixture_db.parent)

    assert main(["backfill", "--db", f"file:{fixture_db}"]) == 2

    captured = capsys.readouterr()
    assert "Run this backfill? [y/N] \n" in captured.out
    assert captured.err.splitlines()[0] == "v2-backfill: error: not approved: nothing was written"
    assert "EOFError" not in captured.err and "Traceback" not in captured.err
    assert _contents(fixture_db.parent) == before


def test_a_cause_chain_that_loops_is_walked_once():
    looped = RuntimeError("raised as its own cause")
    looped.__cause__ = looped
    found: list[object] = []
    walker = threading.Thread(target=lambda: found.append(known_cause(looped)), daemon=True)
    walker.start()
    walker.join(timeout=10)
    assert found == [None]


@pytest.mark.sqlite
def test_no_database_given(monkeypatch, capsys):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert main(["backfill"]) == 2
    assert "pass --db URL or set DATABASE_URL" in capsys.readouterr().err


@pytest.mark.postgres
def test_postgres_preflight_names_the_schema(pg_schema, capsys):
    assert main(["backfill", "--db", pg_schema]) == 3
    err = capsys.readouterr().err
    assert "legacy table 'messages' is missing" in err


@pytest.mark.parametrize(
    ("text", "ms"),
    [("2h", 7_200_000), ("90m", 5_400_000), ("30s", 30_000), ("1500ms", 1500), ("5", 300_000)],
)
def test_parse_duration(text, ms):
    assert parse_duration_ms(text) == ms


@pytest.mark.parametrize(
    ("ms", "text"), [(300_000, "5m"), (30_000, "30s"), (7_200_000, "2h"), (1500, "1500ms")]
)
def test_format_duration_is_read_back(ms, text):
    assert format_duration_ms(ms) == text and parse_duration_ms(text) == ms


@pytest.mark.parametrize(("text", "share"), [("5%", 0.05), ("0.25", 0.25), ("100%", 1.0)])
def test_parse_share(text, share):
    assert parse_share(text) == pytest.approx(share)


@pytest.mark.sqlite
def test_validate_exit_codes_and_report(fixture_db, prefect_server, capsys, monkeypatch):
    monkeypatch.chdir(fixture_db.parent)
    url = f"file:{fixture_db}"
    assert main(["validate", "--db", url]) == 2
    assert "no backfill has run" in capsys.readouterr().err
    assert not (fixture_db.parent / "dev.db.v2_backfill.sqlite").exists()

    assert main(["backfill", "--db", url]) == 0
    capsys.readouterr()
    assert main(["validate", "--db", url, "--json", "--report-dir", "checked"]) == 0
    outcome = json.loads(capsys.readouterr().out)
    assert outcome["gate_passed"] is True
    assert outcome["figures"]["messages_migrated"] == 9
    assert (fixture_db.parent / "checked" / "index.html").is_file()

    with sqlite3.connect(fixture_db) as conn:  # a legacy edit no sync carried (an edit in V2
        # is the V2 app's, kept: tests/test_validate_contract.py)
        conn.execute("UPDATE messages SET content = content || '!' WHERE id = (SELECT id FROM "
                     'messages WHERE id IN (SELECT id FROM messages_v2) ORDER BY "updatedAt" '
                     "LIMIT 1)")  # fmt: skip
    failed = run_cli("validate", "--db", url, cwd=fixture_db.parent)
    assert failed.returncode == 1, failed.stderr[-2000:]
    assert "validation failed (content_matches_legacy)" in failed.stderr
    assert "Traceback" not in failed.stderr


@pytest.mark.sqlite
def test_failed_gate_exits_1_and_publishes_nothing(tmp_path):
    app = AppDatabase(_empty_database(tmp_path)).create_legacy_tables()
    busy_timeline(app)  # 2 of 5 messages quarantined: 40%, above the default 25%
    app.dispose()

    failed = run_cli("backfill", "--db", app.url, cwd=tmp_path)
    assert failed.returncode == 1
    assert "the data-quality gate failed (quarantine_share_limit)" in failed.stderr
    assert "nothing was published" in failed.stderr and "Traceback" not in failed.stderr
    assert AppDatabase(app.url).scalar("SELECT COUNT(*) FROM messages_v2") == 0
    (report,) = (tmp_path / "reports").iterdir()
    assert json.loads((report / "summary.json").read_text())["gate"]["passed"] is False


STRICT = ["--quarantine-warn", "0%", "--quarantine-fail", "0%"]
LENIENT = ["--quarantine-warn", "100%", "--quarantine-fail", "100%"]


def run_json(*args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict]:
    """`main(args + --json)`: its exit code and the one JSON object it printed on stdout."""
    code = main([*args, "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_json_summary_of_a_failed_gate(app, prefect_server, tmp_path, capsys, monkeypatch):
    """Backfill, validate and sync print their summary when the gate fails (exit 1): the one
    recorded in the run's bookkeeping row, with the failed checks and the report."""
    monkeypatch.chdir(tmp_path)
    busy_timeline(app)  # 2 of 5 messages quarantined: 40%
    for command in (["backfill"], ["validate"], ["sync"]):
        if command == ["validate"]:  # a backfill has published: validate and sync can run
            assert run_json("backfill", "--db", app.url, *LENIENT, capsys=capsys)[0] == 0

        code, summary = run_json(*command, "--db", app.url, *STRICT, capsys=capsys)

        assert code == 1, command
        assert summary["gate_passed"] is False
        assert summary["checks_failed"] == ["quarantine_share_limit"]
        assert Path(summary["report"]).is_file()
        recorded = app.scalar(
            "SELECT summary FROM v2_backfill.runs WHERE run_id = :r", r=summary["run_id"]
        )
        assert json.loads(recorded) == summary
        page = Path(summary["report"]).read_text(encoding="utf-8")
        assert ("Nothing was published" in page) is (command != ["validate"])
    assert summary["kind"] == "sync"


@pytest.mark.sqlite
def test_text_summary_of_a_failed_gate(tmp_path, prefect_server, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = AppDatabase(_empty_database(tmp_path)).create_legacy_tables()
    busy_timeline(app)  # 40% quarantined, above the default 25%
    app.dispose()
    assert main(["backfill", "--db", app.url]) == 1
    captured = capsys.readouterr()
    assert "nothing was published; what the run would have published is in the report" in (
        captured.out
    )
    assert "messages copied" not in captured.out  # its counts are 0: nothing was published
    assert "data-quality gate:        FAILED" in captured.out
    assert "failed:  quarantine_share_limit" in captured.out
    assert "nothing was published" in captured.err


@pytest.mark.sqlite
def test_demo_says_in_words_what_it_wrote(tmp_path, prefect_server, capsys, caplog, monkeypatch):
    monkeypatch.chdir(tmp_path)
    caplog.set_level(logging.INFO, logger="v2_backfill")
    code, summary = run_json("demo", "--dir", "demo", "--messages", "200", *LENIENT, capsys=capsys)

    assert code == 0 and summary["messages_copied"] > 0
    (line,) = [r.getMessage() for r in caplog.records if "demo database written" in r.getMessage()]
    assert "<" not in line and "Breakage" not in line, line
    assert "messages 200," in line and "orphan_message 2" in line
    assert summary["demo"]["database"] == str(Path("demo") / "dev.db")
    assert summary["demo"]["rows"]["messages"] == 200
    assert summary["demo"]["breakages"]["orphan_message"] == 2


JSON_ERRORS = [
    # (id, database URL maker, extra args, exit code, fragment of the message, of the hint)
    ("preflight", _empty_database, [], 3, "legacy table 'messages' is missing",
     "point --db at the app's database"),
    ("connection", lambda d: "postgresql://root@127.0.0.1:1/test", [], 2, "cannot connect",
     "check host, port"),
    ("bad-option-value", _empty_database, ["--chunk-size", "0"], 2, "positive whole number",
     "see `v2-backfill backfill --help`"),
    ("unknown-option", _empty_database, ["--colour"], 2, "unrecognized arguments: --colour",
     "see `v2-backfill --help`"),
]  # fmt: skip


@pytest.mark.sqlite
@pytest.mark.parametrize(
    ("url_for", "extra", "code", "message", "hint"),
    [case[1:] for case in JSON_ERRORS],
    ids=[case[0] for case in JSON_ERRORS],
)
def test_json_error_object(tmp_path, capsys, url_for, extra, code, message, hint):
    got, printed = run_json("backfill", "--db", url_for(tmp_path), *extra, capsys=capsys)

    assert got == code
    assert set(printed) == {"error"}
    assert printed["error"]["code"] == code
    assert message in printed["error"]["message"]
    assert "fix:" not in printed["error"]["message"]
    assert printed["error"]["hint"].startswith(hint)


@pytest.mark.postgres
def test_postgres_read_only_session_is_refused_before_anything_is_written(pg_schema, capsys):
    AppDatabase(pg_schema).create_legacy_tables().dispose()
    read_only = pg_schema + "&options=-c%20default_transaction_read_only%3Don"
    assert main(["backfill", "--db", read_only]) == 2
    assert "the session is read-only" in capsys.readouterr().err
    assert "v2_backfill" not in {
        r[0] for r in AppDatabase(pg_schema).rows("SELECT nspname FROM pg_namespace")
    }


@contextmanager
def app_engines(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[set[str]]]:
    """For each engine that v2_backfill creates in the block, the database files its
    connections open as `main` (SQLite): the app's, a run's frozen copy, a scratch database.
    GX's own engine (through the adapter's creator) is made by GX, not counted."""
    made: list[set[str]] = []
    create_engine = sa.create_engine

    def counted(*args: object, **kwargs: object) -> sa.Engine:
        engine = create_engine(*args, **kwargs)
        if sys._getframe(1).f_globals["__name__"].startswith("v2_backfill"):
            files: set[str] = set()
            made.append(files)
            sa.event.listen(
                engine, "connect",
                lambda raw, _: files.add(raw.execute("PRAGMA database_list").fetchone()[2]),
            )  # fmt: skip
        return engine

    monkeypatch.setattr(sa, "create_engine", counted)
    yield made


@pytest.mark.sqlite
def test_a_backfill_and_a_sync_each_open_one_engine_on_the_app_database(
    tmp_path, prefect_server, capsys, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    app = AppDatabase(_empty_database(tmp_path)).create_legacy_tables()
    ids = rollout(app)
    path = str(app.target.sqlite_path)
    for command in ("backfill", "sync"):
        with app_engines(monkeypatch) as engines:
            assert main([command, "--db", app.url, *LENIENT]) == 0, capsys.readouterr().err
        on_the_app = [files for files in engines if path in files]
        assert len(on_the_app) == 1, (command, engines)
        assert on_the_app[0] == {path}  # the snapshot copy, if any, has an engine of its own
        old_app_writes(app, ids)
    app.dispose()
