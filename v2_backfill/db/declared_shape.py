"""PostgreSQL: the V2 tables' shape as the catalog will show it, read from the pipeline's DDL
(`sql/postgresql/create_v2_tables.sql`) without running it anywhere; and the same DDL as TEMP
tables without foreign keys, for a preview (`temporary_v2_tables`).

Running the DDL in a scratch schema of the app's database (what preflight did before issue 20)
needs the right to create there, and its foreign keys take SHARE ROW EXCLUSIVE locks on
`properties`, `users`, `clients` and `timelines`, which queue the app's writers behind any
transaction holding one of their rows. A scratch *database* needs CREATEDB, which a read-only
role lacks. So the shape is derived from the DDL's text, in process: it is written in
Prisma's few fixed forms (enum types, one column per line, named inline constraints, then the
indexes), and anything else in it is refused (`ValueError`), never guessed. The result has
`preflight.shape`'s form: type names compiled by SQLAlchemy's PostgreSQL dialect and defaults
as the server renders them (`'ACTIVE'::"ConversationStatus"`). That they equal what the
server reflects after running the same DDL is tested (`tests/test_pg_readonly.py`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

_IDENT = r'"([^"]+)"'
_NAMES = r"\(([^)]*)\)"
_ENUM = re.compile(rf"CREATE TYPE {_IDENT} AS ENUM {_NAMES}$")
_TABLE = re.compile(rf"CREATE TABLE {_IDENT} \((.*)\)$", re.DOTALL)
_INDEX = re.compile(rf"CREATE (UNIQUE )?INDEX {_IDENT} ON {_IDENT}{_NAMES}$")
_COLUMN = re.compile(rf"{_IDENT} (\"[^\"]+\"|[A-Z]+(?:\(\d+\))?)( NOT NULL)?(?: DEFAULT (.+))?$")
_PRIMARY_KEY = re.compile(rf"CONSTRAINT {_IDENT} PRIMARY KEY {_NAMES}$")
_FOREIGN_KEY = re.compile(
    rf"CONSTRAINT {_IDENT} FOREIGN KEY {_NAMES} REFERENCES {_IDENT}{_NAMES}"
    r"(?: ON DELETE (CASCADE|RESTRICT|SET NULL|SET DEFAULT|NO ACTION))?"
    r"(?: ON UPDATE (CASCADE|RESTRICT|SET NULL|SET DEFAULT|NO ACTION))?$"
)
_TYPES: dict[str, sa.types.TypeEngine] = {
    "TEXT": sa.TEXT(),
    "INTEGER": sa.INTEGER(),
    "BOOLEAN": sa.BOOLEAN(),
    "TIMESTAMP(3)": postgresql.TIMESTAMP(precision=3),
}
_PLAIN_DEFAULT = re.compile(r"-?\d+|true|false|CURRENT_TIMESTAMP")
_DIALECT = postgresql.dialect()


def declared_v2_shape(statements: Sequence[str]) -> dict[str, Any]:
    """The shape (`preflight.shape`'s form) of the tables, indexes and enums that
    `statements` create; ValueError on a statement in none of the forms it knows."""
    enums: dict[str, tuple[str, ...]] = {}
    tables: dict[str, dict[str, Any]] = {}
    for statement in statements:
        text = _one_line(statement)
        if match := _ENUM.match(text):
            enums[match[1]] = tuple(_literal(label) for label in _split(match[2]))
        elif match := _TABLE.match(text):
            tables[match[1]] = _table(match[2], enums)
        elif match := _INDEX.match(text):
            tables[match[3]]["indexes"][match[2]] = (_names(match[4]), bool(match[1]))
        else:
            raise ValueError(f"the V2 DDL holds a statement of an unknown form: {text[:80]!r}")
    return {**tables, "enums": enums}


def temporary_v2_tables(statements: Sequence[str]) -> list[str]:
    """`statements` as TEMP objects of the session, for a preview (`pg_temp`, searched first
    for tables and types): enums and tables there, without their foreign keys (a TEMP table
    may refer to none of the app's, and a foreign key would lock the table it refers to); the
    indexes go with their tables. ValueError on a statement of an unknown form."""
    temporary = []
    for statement in statements:
        text = _one_line(statement)
        if match := _ENUM.match(text):
            temporary.append(f'CREATE TYPE pg_temp."{match[1]}" AS ENUM ({match[2]})')
        elif match := _TABLE.match(text):
            items = [item for item in _split(match[2]) if not _FOREIGN_KEY.match(item)]
            temporary.append(f'CREATE TEMP TABLE "{match[1]}" ({", ".join(items)})')
        elif _INDEX.match(text):
            temporary.append(text)
        else:
            raise ValueError(f"the V2 DDL holds a statement of an unknown form: {text[:80]!r}")
    return temporary


def _one_line(statement: str) -> str:
    """A statement on one line, without comments."""
    return " ".join(line.split("--")[0].strip() for line in statement.splitlines()).strip()


def _table(body: str, enums: dict[str, tuple[str, ...]]) -> dict[str, Any]:
    """A CREATE TABLE's body as its shape (indexes come later, from CREATE INDEX)."""
    table: dict[str, Any] = {"columns": {}, "primary key": (), "indexes": {}, "foreign keys": {}}
    for item in _split(body):
        if match := _PRIMARY_KEY.match(item):
            table["primary key"] = _names(match[2])
        elif match := _FOREIGN_KEY.match(item):
            name, columns, referred, referred_columns, on_delete, on_update = match.groups()
            table["foreign keys"][name] = (
                _names(columns), referred, _names(referred_columns),
                on_delete or "NO ACTION", on_update or "NO ACTION",
            )  # fmt: skip
        elif match := _COLUMN.match(item):
            name, type_name, not_null, default = match.groups()
            table["columns"][name] = (
                _type_name(type_name, enums),
                not_null is None,
                _rendered(default, type_name),
            )
        else:
            raise ValueError(f"the V2 DDL holds a table item of an unknown form: {item!r}")
    return table


def _type_name(declared: str, enums: dict[str, tuple[str, ...]]) -> str:
    """The type as SQLAlchemy compiles the reflected one (an enum: its quoted name)."""
    if declared.startswith('"'):
        name = declared.strip('"')
        if name not in enums:
            raise ValueError(f"the V2 DDL uses the undeclared type {declared}")
        type_: sa.types.TypeEngine = postgresql.ENUM(*enums[name], name=name)
    elif declared in _TYPES:
        type_ = _TYPES[declared]
    else:
        raise ValueError(f"the V2 DDL uses the type {declared}, unknown to its shape")
    return type_.compile(dialect=_DIALECT)


def _rendered(default: str | None, declared: str) -> str | None:
    """A column default as PostgreSQL renders it (`pg_get_expr`): an enum's label with its
    cast to the enum type."""
    if default is None or _PLAIN_DEFAULT.fullmatch(default):
        return default
    if declared.startswith('"') and re.fullmatch(r"'[^']*'", default):
        return f"{default}::{declared}"
    raise ValueError(f"the V2 DDL holds the default {default}, unknown to its shape")


def _split(items: str) -> list[str]:
    """The comma-separated items of a list, outside parentheses and quotes."""
    parts, depth, quote, current = [], 0, "", ""
    for char in items:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "()":
            depth += 1 if char == "(" else -1
        elif char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
            continue
        current += char
    return [part for part in [*parts, current.strip()] if part]


def _names(items: str) -> tuple[str, ...]:
    return tuple(name.strip().strip('"') for name in _split(items))


def _literal(item: str) -> str:
    return item.strip()[1:-1].replace("''", "'")
