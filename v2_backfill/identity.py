"""The identity of the database a bookkeeping store belongs to, checked at every command's start.

The store follows the database, not its name: the SQLite sidecar `<db file>.v2_backfill.sqlite`
is found by the file's name, so a hard link under another name, a sidecar copied beside another
file or kept after the database was restored from an older backup would each pair a store with
a database it does not describe (and quarantine everything as `id_taken_by_native_message` or
`removed_from_v2`). Before anything is written, `check` compares, with primary-key lookups of a
bounded number of ids:

- the legacy fingerprint the store recorded (the ids of the oldest legacy messages and
  conversations when a run last wrote) with the database: fewer than half found, the store
  belongs to another database;
- the newest run's lineage with `messages_v2`: none of its sampled rows there, the database is
  older than the store (restored from a backup, or its V2 tables emptied);
- a store that records no lineage with `messages_v2`: most of the oldest legacy messages
  already there under their ids, the database's store is elsewhere;
- on SQLite, another name of the file (a hard link beside it) that has a sidecar of its own.

`record` (a run that writes, under the run lock) records the fingerprint and, on SQLite, the
file's device, inode and name; a store made by an earlier version gets one then. The run lock
itself follows the file: see `SqliteDatabase.run_lock`.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from v2_backfill.config import BOOKKEEPING_SCHEMA
from v2_backfill.db import Database, utc_now_ms
from v2_backfill.errors import UsageError
from v2_backfill.rollback import rollback_command

SAMPLE = 16
"""How many ids of each kind the checks look up."""


def check(db: Database, *, v2_tables: bool) -> None:
    """Raise UsageError when the store is not the one of `db`'s database (see the module);
    `v2_tables`: whether the V2 tables exist. Writes nothing; reaches the store only when it
    exists (a SQLite sidecar is not made here)."""
    other = db.store_of_another_name()
    if other is not None:
        raise UsageError(
            f"{db.target.describe()} is another name (a hard link) of {other[0]}, whose "
            f"bookkeeping is {other[1]}: one file has one bookkeeping",
            hint=f"run with --db file:{other[0]}, the name its earlier runs used",
        )
    stored: set[str] = set()
    if db.has_bookkeeping():
        db.reach_bookkeeping()
        with db.connect() as conn:
            inspector = sa.inspect(conn)
            stored = {t for t in ("identity", "lineage")
                      if inspector.has_table(t, schema=BOOKKEEPING_SCHEMA)}  # fmt: skip
            if "identity" in stored:
                _check_legacy(db, conn)
            if "lineage" in stored and _check_v2(db, conn, v2_tables=v2_tables):
                return
    if v2_tables:
        _check_unrecorded(db)


def record(db: Database) -> None:
    """Record (again) the identity of the store's database: its legacy fingerprint now and, on
    SQLite, the file's device, inode and name. Creates the store when missing."""
    file = db.file_identity()
    with db.begin() as conn:
        db.ensure_bookkeeping(conn)
        params = {
            "legacy_sample": json.dumps(_legacy_sample(db, conn)),
            "file_device": None if file is None else file[0],
            "file_inode": None if file is None else file[1],
            "file_path": None if file is None else file[2],
            "now": db.from_ms(utc_now_ms()),
        }
        db.run(conn, "identity_record", params)


def _legacy_sample(db: Database, conn: sa.Connection) -> dict[str, list[str]]:
    """The ids of the oldest legacy messages and conversations, by kind."""
    sample: dict[str, list[str]] = {"messages": [], "conversations": []}
    for row in db.query(conn, "identity_legacy_sample", {"n": SAMPLE}):
        sample[row.kind].append(row.id)
    return sample


def _check_legacy(db: Database, conn: sa.Connection) -> None:
    """Refuse a store whose recorded legacy fingerprint is mostly absent from the database."""
    rows = db.query(conn, "identity_read")
    if not rows:
        return  # a store of an earlier version: recorded at its next run
    sample = json.loads(rows[0].legacy_sample)
    sampled = len(sample["messages"]) + len(sample["conversations"])
    params = {kind: json.dumps(ids) for kind, ids in sample.items()}
    present = db.query(conn, "identity_legacy_present", params)[0].present
    if 2 * present >= sampled:
        return
    raise UsageError(
        f"{db.store_name} belongs to another database{_recorded_file(rows[0])}: of the "
        f"{sampled} oldest legacy ids it recorded, {present} are in {db.target.describe()}",
        hint="point --db at the database it belongs to; if no run ever published to this "
        f"database, {db.store_reset_hint()} and run again",
    )


def _recorded_file(row: Any) -> str:
    """` (recorded for <file>, inode <n>)`, or nothing for a server database."""
    if row.file_inode is None:
        return ""
    return f" (recorded for {row.file_path}, device {row.file_device} inode {row.file_inode})"


def _check_v2(db: Database, conn: sa.Connection, *, v2_tables: bool) -> bool:
    """Refuse a store whose newest run's lineage rows are all absent from `messages_v2`;
    return whether the store records any lineage."""
    if v2_tables:
        rows = db.query(conn, "identity_v2_sample", {"n": SAMPLE})
        if not rows:
            return False
        run_id, sampled, present = rows[0].run_id, rows[0].sampled, rows[0].present
    else:
        run_id, sampled, present = db.query(conn, "identity_newest_lineage_run")[0].run_id, 0, 0
        if run_id is None:
            return False
    if present:
        return True
    restore = f"restore {db.store_name} from the same backup as the database"
    if sampled:
        found = f"none of the {sampled} sampled rows"
        hint = (
            "roll back what the database no longer holds, newest run first: "
            f"`{rollback_command(db.target, run_id)}` (the next check names an older run if "
            f"that is missing too); or {restore}"
        )
    else:
        found, hint = "no V2 table", f"{restore}; or, as V2 holds nothing, {db.store_reset_hint()}"
    raise UsageError(
        f"{db.target.describe()} is older than {db.store_name}: it holds {found} of run "
        f"{run_id}, the newest run the store records as published (the database restored from "
        "an older backup, or its V2 tables emptied?)",
        hint=hint,
    )


def _check_unrecorded(db: Database) -> None:
    """Refuse a store recording no lineage when `messages_v2` already holds most of the oldest
    legacy messages under their ids: the database's store is elsewhere."""
    with db.connect() as conn:
        row = db.query(conn, "identity_v2_taken", {"n": SAMPLE})[0]
    if row.present == 0 or 2 * row.present < row.sampled:
        return
    raise UsageError(
        f"messages_v2 of {db.target.describe()} already holds {row.present} of the "
        f"{row.sampled} oldest legacy messages, but {db.store_name} records no migration: "
        "the bookkeeping of this database is elsewhere (another name of the file, or a "
        "bookkeeping moved or lost)",
        hint="run with --db naming the file the earlier runs used, or put their bookkeeping "
        f"back ({db.store_name}); a rollback needs it too",
    )
