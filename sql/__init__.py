"""The pipeline's SQL, kept in `.sql` files, each written once: `sql/common/<name>.sql`.

Each file starts with a comment saying what the statement does, which parameters it binds and
which placeholders it fills. Where the dialects differ only in an expression (a JSON function,
an enum cast, the timestamp encoding), the file names it as a placeholder and the adapter
fills it (`v2_backfill.db.Database.fills`); only a statement that itself differs has a file
per dialect, `sql/<dialect>/<name>.sql`, which then wins.
"""

from functools import cache
from importlib.resources import files

DIALECTS = ("sqlite", "postgresql")


INCLUDE = "-- include: "
"""A line of a per-dialect file that stands for the text of another file (`-- include: name`,
loaded as `load` loads it): the part of a statement list that the dialects share."""


@cache
def load(dialect: str, name: str) -> str:
    """Return the text of `sql/<dialect>/<name>.sql`, else of `sql/common/<name>.sql`, each
    `INCLUDE` line replaced by the text it names."""
    if dialect not in DIALECTS:
        raise ValueError(f"unknown SQL dialect {dialect!r}; expected one of {DIALECTS}")
    own = files(__name__).joinpath(dialect, f"{name}.sql")
    source = own if own.is_file() else files(__name__).joinpath("common", f"{name}.sql")
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    return "".join(
        load(dialect, line.removeprefix(INCLUDE).strip()) if line.startswith(INCLUDE) else line
        for line in lines
    )


def statements(dialect: str, name: str, fills: dict[str, str] | None = None) -> list[str]:
    """Split a multi-statement file into its statements (comment lines dropped).

    Statements end with `;` at the end of a line; the files hold no string literal that does.
    With `fills`, the text is filled by `str.format` (`{legacy_messages}`, `{instant[col]}`;
    a literal brace is doubled); without, it is taken as it is.
    """
    text = load(dialect, name)
    return split(text.format(**fills) if fills is not None else text)


def split(text: str) -> list[str]:
    """The statements of a SQL text (see `statements`)."""
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))
    parts = (part.strip().rstrip(";").strip() for part in body.split(";\n"))
    return [part for part in parts if part]
