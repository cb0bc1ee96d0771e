"""The legacy tables' DDL per dialect (`devtools/sql/<dialect>/create_legacy_tables.sql`), as
the app's Prisma schema creates them: the demo and the tests' databases are made with it."""

from importlib.resources import files

import sql


def legacy_ddl(dialect: str) -> list[str]:
    """The statements creating the legacy tables in `dialect`."""
    if dialect not in sql.DIALECTS:
        raise ValueError(f"unknown SQL dialect {dialect!r}; expected one of {sql.DIALECTS}")
    text = files(__name__).joinpath(dialect, "create_legacy_tables.sql").read_text("utf-8")
    return sql.split(text)
