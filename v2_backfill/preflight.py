"""Preflight: the legacy tables and columns exist, and existing V2 tables have Prisma's shape.

The expected shape is not written down twice: it comes from the DDL the pipeline itself would
run (`sql/<dialect>/create_v2_tables.sql`), without touching the app's database
(`Database.expected_v2_shape`: SQLite runs it in an in-memory database, PostgreSQL derives the
shape from its text, since running it there would lock the app's tables and need CREATE).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from v2_backfill.config import LEGACY_COLUMNS
from v2_backfill.db import Database

V2_TABLES = ("property_conversations", "messages_v2", "notifications_v2")

READ_TABLES = (*LEGACY_COLUMNS, *V2_TABLES)
"""The app's tables a run reads (a preview or a validation reads no other)."""

OPTIONAL_INDEXES = frozenset({"messages_v2_conversationId_senderType_isRead_idx"})
"""Indexes the app has but Prisma's first migration preview did not list: created with the
tables, but their absence from existing tables is only noted (`--create-missing-indexes`
creates them)."""

_INDEX_NAME = re.compile(r'CREATE (?:UNIQUE )?INDEX "([^"]+)"')


@dataclass
class PreflightReport:
    """What preflight found: blocking problems, notes, and whether V2 tables must be created."""

    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    create_v2_tables: bool = False
    create_indexes: dict[str, str] = field(default_factory=dict)
    """With `--create-missing-indexes`: each Prisma index the existing V2 tables lack, by name,
    with its statement (from `sql/common/create_v2_indexes.sql`), to run as the run publishes."""


def run_preflight(
    db: Database,
    *,
    allow_extra_indexes: bool = False,
    create_missing_indexes: bool = False,
    datetimes: bool = True,
) -> PreflightReport:
    """Check the database without writing anything. With `create_missing_indexes`, a Prisma
    index the V2 tables lack (by name) is not a problem but one of `create_indexes`; with
    `datetimes`, settle the encoding the run writes the app's DateTimes in
    (`Database.resolve_datetime_encoding`) and note it."""
    report = PreflightReport()
    with db.connect() as conn:
        tables = db.app_tables(conn)
        inspector = sa.inspect(conn)
        where = f" from schema {db.app_schema!r}" if db.app_schema else ""
        for table, needed in LEGACY_COLUMNS.items():
            if table not in tables:
                report.problems.append(f"legacy table {table!r} is missing{where}")
                continue
            have = {c["name"] for c in inspector.get_columns(table, schema=db.app_schema)}
            missing = [name for name in needed if name not in have]
            if missing:
                report.problems.append(f"legacy table {table!r} lacks column(s) {missing}")
        present = [t for t in V2_TABLES if t in tables]
        if not present:
            report.create_v2_tables = True
        elif len(present) < len(V2_TABLES):
            absent = [t for t in V2_TABLES if t not in present]
            report.problems.append(
                f"V2 tables only partly present: {present} exist, {absent} do not"
            )
        else:
            expected, actual = expected_shape(db), shape(conn, db.app_schema)
            absent = missing_indexes(expected, actual)
            report.problems.extend(
                compare_shapes(
                    expected, actual, report.notes,
                    allow_extra_indexes=allow_extra_indexes,
                    absent_allowed={name for _, name, _ in absent},
                )
            )  # fmt: skip
            _report_absent_indexes(db, report, absent, create=create_missing_indexes)
    note = db.resolve_datetime_encoding() if datetimes else None
    if note is not None:
        report.notes.append(note)
    return report


def index_statements(db: Database) -> dict[str, str]:
    """Each V2 index Prisma generates, by name: its `CREATE INDEX` statement as the pipeline
    runs it with the tables (`sql/common/create_v2_indexes.sql`)."""
    found = {}
    for statement in db.statements("create_v2_indexes"):
        match = _INDEX_NAME.match(statement)
        if match is None:
            raise ValueError(f"create_v2_indexes holds a statement that is no index: {statement}")
        found[match.group(1)] = statement
    return found


def missing_indexes(
    expected: dict[str, Any], actual: dict[str, Any]
) -> list[tuple[str, str, tuple[str, ...]]]:
    """(table, index, columns) of each index Prisma generates that the V2 tables lack by name
    (one of that name but another definition is a shape problem, not missing)."""
    return [
        (table, name, expected[table]["indexes"][name][0])
        for table in V2_TABLES
        for name in sorted(set(expected[table]["indexes"]) - set(actual[table]["indexes"]))
    ]


def _report_absent_indexes(
    db: Database,
    report: PreflightReport,
    absent: list[tuple[str, str, tuple[str, ...]]],
    *,
    create: bool,
) -> None:
    """Each absent index: with `create`, noted and listed in `report.create_indexes`; else
    what Prisma reports as drift and the two ways to fix it, a note for an `OPTIONAL_INDEXES`
    one and a problem for any other."""
    statements = index_statements(db)
    where = f" in schema {db.app_schema}" if db.app_schema else ""
    for table, name, columns in absent:
        if create:
            report.create_indexes[name] = statements[name]
            report.notes.append(
                f"{table}: index {name} is absent; it will be created as the run publishes"
            )
        elif name in OPTIONAL_INDEXES:
            report.notes.append(
                f"{table}: index {name} on ({', '.join(columns)}) is absent, and Prisma reports "
                f"it as drift: {statements[name]}. To fix it, run the backfill with "
                f"--create-missing-indexes, or run that statement{where}"
            )
        else:
            report.problems.append(
                f"{table} index {name} is missing: Prisma reports it as drift "
                f"({statements[name]}); --create-missing-indexes creates it"
            )


def shape(conn: Connection, schema: str | None) -> dict[str, Any]:
    """The comparable facts about the V2 tables (and their enums) in `schema`."""
    inspector = sa.inspect(conn)
    result: dict[str, Any] = {}
    for table in V2_TABLES:
        result[table] = {
            "columns": {
                c["name"]: (
                    _type_name(c["type"], conn.dialect),
                    c["nullable"],
                    _default(c.get("default")),
                )
                for c in inspector.get_columns(table, schema=schema)
            },
            "primary key": tuple(
                inspector.get_pk_constraint(table, schema=schema)["constrained_columns"]
            ),
            "indexes": {
                i["name"]: (tuple(i["column_names"]), bool(i["unique"]))
                for i in inspector.get_indexes(table, schema=schema)
            },
            "foreign keys": {
                f["name"]: (
                    tuple(f["constrained_columns"]),
                    f["referred_table"],
                    tuple(f["referred_columns"]),
                    (f.get("options") or {}).get("ondelete", "NO ACTION"),
                    (f.get("options") or {}).get("onupdate", "NO ACTION"),
                )
                for f in inspector.get_foreign_keys(table, schema=schema)
            },
        }
    if hasattr(inspector, "get_enums"):  # the dialect has enum types (PostgreSQL's inspector)
        result["enums"] = {
            e["name"]: tuple(e["labels"]) for e in inspector.get_enums(schema=schema or "public")
        }
    return result


def expected_shape(db: Database) -> dict[str, Any]:
    """The shape Prisma generates, from the pipeline's own DDL, without touching the app's
    database (`Database.expected_v2_shape`)."""
    return db.expected_v2_shape(shape)


def compare_shapes(
    expected: dict[str, Any],
    actual: dict[str, Any],
    notes: list[str] | None = None,
    *,
    allow_extra_indexes: bool = False,
    absent_allowed: Collection[str] = OPTIONAL_INDEXES,
) -> list[str]:
    """One line a person understands per difference between two shapes.

    With `allow_extra_indexes`, indexes Prisma does not generate are noted, not problems.
    The absence of an index named in `absent_allowed` is not a problem (preflight notes it).
    """
    problems: list[str] = []
    for table in V2_TABLES:
        want, have = expected[table], dict(actual[table])
        if allow_extra_indexes:
            extra = sorted(set(have["indexes"]) - set(want["indexes"]))
            have["indexes"] = {k: v for k, v in have["indexes"].items() if k not in extra}
            if notes is not None:
                notes += [f"{table}: extra index {name} allowed" for name in extra]
        problems += _diff_named(
            f"{table} column", want["columns"], have["columns"], ("type", "nullable", "default")
        )
        if want["primary key"] != have["primary key"]:
            problems.append(
                f"{table}: primary key is {have['primary key']}, "
                f"Prisma generates {want['primary key']}"
            )
        problems += _diff_named(
            f"{table} foreign key", want["foreign keys"], have["foreign keys"],
            ("columns", "referenced table", "referenced columns", "ON DELETE", "ON UPDATE"),
        )  # fmt: skip
        want_indexes = {k: v for k, v in want["indexes"].items()
                        if k in have["indexes"] or k not in absent_allowed}  # fmt: skip
        problems += _diff_named(
            f"{table} index", want_indexes, have["indexes"], ("columns", "unique")
        )
    if "enums" in expected:
        for name, labels in expected["enums"].items():
            found = actual.get("enums", {}).get(name)
            if found is None:
                problems.append(f"enum type {name} is missing")
            elif found != labels:
                problems.append(
                    f"enum type {name} has values {list(found)}, Prisma generates {list(labels)}"
                )
    return problems


def _diff_named(
    what: str, want: dict[str, tuple], have: dict[str, tuple], facets: tuple[str, ...]
) -> list[str]:
    lines = [f"{what} {name} is missing" for name in sorted(set(want) - set(have))]
    lines += [f"{what} {name} is not in Prisma's schema" for name in sorted(set(have) - set(want))]
    for name in sorted(set(want) & set(have)):
        for facet, expected, actual in zip(facets, want[name], have[name], strict=True):
            if expected != actual:
                lines.append(f"{what} {name}: {facet} is {actual!r}, Prisma generates {expected!r}")
    return lines


def _type_name(type_: Any, dialect: sa.engine.Dialect) -> str:
    try:
        return type_.compile(dialect=dialect)
    except sa.exc.CompileError:
        return repr(type_)


def _default(value: str | None) -> str | None:
    return None if value is None else str(value).strip()
