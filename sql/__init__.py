"""The pipeline's SQL, kept in `.sql` files per dialect (`sql/<dialect>/<name>.sql`).

Each file starts with a comment saying what the statement does and which parameters it binds.
A statement that reads the same in every dialect lives once, in `sql/common/<name>.sql`.
"""

from functools import cache
from importlib.resources import files

DIALECTS = ("sqlite", "postgresql")


@cache
def load(dialect: str, name: str) -> str:
    """Return the text of `sql/<dialect>/<name>.sql`, else of `sql/common/<name>.sql`."""
    if dialect not in DIALECTS:
        raise ValueError(f"unknown SQL dialect {dialect!r}; expected one of {DIALECTS}")
    own = files(__name__).joinpath(dialect, f"{name}.sql")
    source = own if own.is_file() else files(__name__).joinpath("common", f"{name}.sql")
    return source.read_text(encoding="utf-8")


def statements(dialect: str, name: str, fills: dict[str, str] | None = None) -> list[str]:
    """Split a multi-statement file into its statements (comment lines dropped).

    Statements end with `;` at the end of a line; the files hold no string literal that does.
    A file whose header names placeholders (`{legacy_messages}`) gets them from `fills`.
    """
    text = load(dialect, name)
    return split(text.format(**fills) if fills is not None else text)


def split(text: str) -> list[str]:
    """The statements of a SQL text (see `statements`)."""
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))
    parts = (part.strip().rstrip(";").strip() for part in body.split(";\n"))
    return [part for part in parts if part]
