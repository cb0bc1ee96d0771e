"""The bookkeeping store follows the database, not its name (issue 20 item 11): a hard link, a
sidecar beside another file, a database restored from an older backup or V2 tables emptied under
a store that lists published lineage are refused before anything is written (exit 2, the fix),
and the run lock follows the file. Real SQLite files, hard links and PostgreSQL."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.factory import AppDatabase
from tests.test_backfill_runs import V2, busy_timeline
from v2_backfill.cli import main
from v2_backfill.config import parse_database_url
from v2_backfill.db import open_database
from v2_backfill.errors import RunInProgress
from v2_backfill.lock import run_lock


def _state(app: AppDatabase) -> dict[str, object]:
    """The V2 tables and the runs the store records: what a refused command must not change."""
    state: dict[str, object] = {table: app.table_dump(table) for table in V2}
    state["runs"] = app.rows("SELECT run_id, status FROM v2_backfill.runs ORDER BY run_id")
    return state


def _refused(url: str, capsys: pytest.CaptureFixture[str]) -> str:
    """Run `backfill` on `url`, expecting exit 2; its stderr."""
    assert main(["backfill", "--db", url, "--yes"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


def _backfilled(tmp_path: Path, run_backfill) -> AppDatabase:
    """`app.db` in `tmp_path`, backfilled once."""
    path = tmp_path / "app.db"
    path.touch()
    app = AppDatabase(f"file:{path}").create_legacy_tables()
    busy_timeline(app)
    assert run_backfill(app.url)["messages_copied"] == 3
    return app


HARD_LINKS = {
    # where the second name is: the error's fragment
    "link.db": "is another name (a hard link) of {d}/app.db, whose bookkeeping is "
    "{d}/app.db.v2_backfill.sqlite: one file has one bookkeeping\n"
    "  fix: run with --db file:{d}/app.db",
    "other/link.db": "already holds 3 of the 5 oldest legacy messages, but the bookkeeping "
    "file {d}/other/link.db.v2_backfill.sqlite records no migration",
}


@pytest.mark.sqlite
@pytest.mark.parametrize("name", HARD_LINKS, ids=["beside", "elsewhere"])
def test_a_hard_link_is_refused_not_quarantined(tmp_path, run_backfill, capsys, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    app = _backfilled(tmp_path, run_backfill)
    before = _state(app)
    (tmp_path / "other").mkdir()
    os.link(tmp_path / "app.db", tmp_path / name)

    err = _refused(f"file:{tmp_path}/{name}", capsys)

    assert HARD_LINKS[name].format(d=tmp_path) in err
    assert not (tmp_path / f"{name}.v2_backfill.sqlite").exists()
    assert _state(app) == before


_HOLDER = """
import sys
from v2_backfill.config import parse_database_url
from v2_backfill.db import open_database
from v2_backfill.lock import run_lock
with run_lock(open_database(parse_database_url(sys.argv[1])), mark_interrupted=False):
    print("held", flush=True)
    sys.stdin.read()
"""


@pytest.mark.sqlite
def test_two_names_of_one_file_share_one_run_lock_across_processes(tmp_path, capsys):
    path = tmp_path / "app.db"
    path.touch()
    AppDatabase(f"file:{path}").create_legacy_tables().dispose()
    (tmp_path / "other").mkdir()
    os.link(path, tmp_path / "other" / "link.db")
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, f"file:{path}"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        second = open_database(parse_database_url(f"file:{tmp_path}/other/link.db"))
        with pytest.raises(RunInProgress), run_lock(second, mark_interrupted=False):
            pass
        assert main(["backfill", "--db", f"file:{tmp_path}/other/link.db", "--yes"]) == 2
        assert "another v2-backfill run is in progress" in capsys.readouterr().err
    finally:
        holder.communicate("", timeout=60)
    with run_lock(second, mark_interrupted=False):  # free once the holder has ended
        pass
    second.dispose()


@pytest.mark.sqlite
def test_a_sidecar_beside_another_database_is_refused(tmp_path, run_backfill, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _backfilled(tmp_path, run_backfill)
    other = tmp_path / "other.db"
    other.touch()
    busy_timeline(AppDatabase(f"file:{other}").create_legacy_tables())
    shutil.copyfile(
        tmp_path / "app.db.v2_backfill.sqlite", tmp_path / "other.db.v2_backfill.sqlite"
    )
    sidecar = (tmp_path / "other.db.v2_backfill.sqlite").read_bytes()
    legacy = other.read_bytes()

    err = _refused(f"file:{other}", capsys)

    assert f"the bookkeeping file {other}.v2_backfill.sqlite belongs to another database" in err
    assert f"(recorded for {tmp_path}/app.db, device" in err
    assert "fix: point --db at the database it belongs to; if no run ever published" in err
    assert (tmp_path / "other.db.v2_backfill.sqlite").read_bytes() == sidecar
    assert other.read_bytes() == legacy


@pytest.mark.sqlite
def test_a_database_restored_from_an_older_backup_is_refused_then_rolled_back(
    tmp_path, run_backfill, capsys, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "app.db"
    path.touch()
    app = AppDatabase(f"file:{path}").create_legacy_tables()
    busy_timeline(app)
    app.create_v2_tables()  # by the app's Prisma migration, before the backfill
    shutil.copyfile(path, tmp_path / "backup.db")
    first = run_backfill(app.url)["run_id"]
    shutil.copyfile(tmp_path / "backup.db", path)  # the backup put back, the sidecar kept
    sidecar = (tmp_path / "app.db.v2_backfill.sqlite").read_bytes()
    legacy = path.read_bytes()

    err = _refused(app.url, capsys)

    assert f"is older than the bookkeeping file {path}.v2_backfill.sqlite" in err
    assert f"of run {first}, the newest run the store records as published" in err
    assert f"`v2-backfill rollback --db file:{path} --run {first}`" in err
    assert (tmp_path / "app.db.v2_backfill.sqlite").read_bytes() == sidecar
    assert path.read_bytes() == legacy

    assert main(["rollback", "--db", app.url, "--run", first]) == 0  # the fix it names
    assert run_backfill(app.url)["messages_copied"] == 3


def _in_store(app: AppDatabase, statement: str) -> None:
    """Execute a statement on a connection that reaches the store."""
    db = open_database(app.target)
    with db.begin() as conn:
        conn.execute(sa.text(statement))
    db.dispose()


def _drop_store(app: AppDatabase) -> None:
    """Lose the store: the SQLite sidecar deleted, the PostgreSQL schema dropped."""
    if app.dialect == "sqlite":
        Path(app.target.sidecar_path).unlink()
    else:
        _in_store(app, "DROP SCHEMA v2_backfill CASCADE")


def _empty_v2_tables(app: AppDatabase, *, drop: bool) -> None:
    """Empty the V2 tables, or drop them (as a restore of an older dump would)."""
    with app.db.begin() as conn:
        for table in ("notifications_v2", "messages_v2", "property_conversations"):
            conn.execute(sa.text(f'DROP TABLE "{table}"' if drop else f'DELETE FROM "{table}"'))


@pytest.mark.parametrize("drop", [False, True], ids=["emptied", "dropped"])
def test_v2_tables_emptied_under_a_store_listing_published_lineage_are_refused(
    app, run_backfill, capsys, monkeypatch, tmp_path, drop
):
    monkeypatch.chdir(tmp_path)
    busy_timeline(app)
    first = run_backfill(app.url)["run_id"]
    _empty_v2_tables(app, drop=drop)
    runs = app.rows("SELECT run_id, status FROM v2_backfill.runs")

    err = _refused(app.url, capsys)

    found = "no V2 table" if drop else "none of the 3 sampled rows"
    assert f"it holds {found} of run {first}, the newest run" in err
    assert ("as V2 holds nothing" if drop else "v2-backfill rollback --db") in err
    assert app.rows("SELECT run_id, status FROM v2_backfill.runs") == runs
    assert app.db.has_bookkeeping()
    if not drop:
        assert app.table_dump("messages_v2") == []


def test_a_lost_store_is_refused_not_quarantined(app, run_backfill, capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    busy_timeline(app)
    run_backfill(app.url)
    v2 = {table: app.table_dump(table) for table in V2}
    _drop_store(app)

    err = _refused(app.url, capsys)

    assert "already holds 3 of the 5 oldest legacy messages" in err
    assert "records no migration" in err
    assert not app.db.has_bookkeeping()
    assert {table: app.table_dump(table) for table in V2} == v2


def test_a_store_of_an_earlier_version_gets_its_identity_recorded(app, run_backfill):
    busy_timeline(app)
    run_backfill(app.url)
    _in_store(app, "DROP TABLE v2_backfill.identity")  # as an earlier version left it

    assert run_backfill(app.url)["messages_already_migrated"] == 3

    (row,) = app.rows("SELECT legacy_sample, file_inode, file_path FROM v2_backfill.identity")
    assert '"messages": ["c' in row.legacy_sample
    if app.dialect == "sqlite":
        assert row.file_inode == os.stat(app.target.sqlite_path).st_ino
        assert row.file_path == str(app.target.sqlite_path)
    else:
        assert row.file_inode is None


@pytest.mark.sqlite
def test_preview_refuses_a_hard_link_too(tmp_path, run_backfill, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _backfilled(tmp_path, run_backfill)
    os.link(tmp_path / "app.db", tmp_path / "link.db")

    assert main(["preview", "--db", f"file:{tmp_path}/link.db"]) == 2

    assert "is another name (a hard link) of" in capsys.readouterr().err
    assert not (tmp_path / "link.db.v2_backfill.sqlite").exists()
