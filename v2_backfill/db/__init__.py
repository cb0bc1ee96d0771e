"""Database access: one small adapter per dialect owns every difference between them.

An adapter owns the engine for the app's database with the pipeline's bookkeeping store
reachable as schema `v2_backfill` (a PostgreSQL schema, or the SQLite sidecar file attached
under that name), fills the SQL files' placeholders with its dialect's expressions
(`Database.fills`: timestamps, JSON, enum casts, ...), bulk-loads rows, holds the run lock,
reaches the database for GX and reflects the V2 tables Prisma would create.
"""

from __future__ import annotations

from v2_backfill.config import DatabaseTarget
from v2_backfill.db.base import Database, utc_now_ms
from v2_backfill.db.postgresql import PostgresDatabase, postgres_connect_args, postgres_engine
from v2_backfill.db.sqlite import SqliteDatabase

__all__ = [
    "Database",
    "PostgresDatabase",
    "SqliteDatabase",
    "open_database",
    "postgres_connect_args",
    "utc_now_ms",
]


def open_database(
    target: DatabaseTarget, *, bookkeeping: bool = True, dry_run: bool = False
) -> Database:
    """Open the app's database; with `bookkeeping`, also reach the pipeline's store.

    Without `bookkeeping` nothing is ever created: not the SQLite sidecar file, not a schema.
    With `dry_run` (for `Database.rolled_back`), a missing store is stood in for: on SQLite by
    an in-memory database, on PostgreSQL by TEMP tables, which also stand in for the staging
    and missing V2 tables (a preview needs no right to write and locks no app table).
    """
    if target.dialect == "sqlite":
        return SqliteDatabase(target, bookkeeping=bookkeeping, dry_run=dry_run)
    engine = postgres_engine(target)
    return PostgresDatabase(target, engine, bookkeeping=bookkeeping, dry_run=dry_run)
