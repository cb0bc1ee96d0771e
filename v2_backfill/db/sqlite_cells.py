"""SQL builders that read SQLite legacy cells strictly, in the encodings the app writes.

SQLite keeps whatever a cell was given (its columns only have affinities), so a hand edit can
leave a DateTime or Boolean cell that Prisma never wrote and that SQLite's own functions would
read as something else (`julianday('now')` is the current time, `'2025-02-30'` is 2 March, an
INTEGER of seconds a date in 1970, the TEXT `'true'` is false). Each builder returns an
expression that is the value in the V2 encoding, or NULL where the cell holds anything else
(the staging rules quarantine those rows). PostgreSQL's types admit only valid values, so its
adapter reads the columns as they are.
"""

from __future__ import annotations

EPOCH_MS_MIN = 100_000_000_000
"""The smallest INTEGER read as epoch milliseconds: 1973-03-03 09:46:40 UTC. Below it a cell
is taken for seconds (1e11 seconds is the year 5138) or garbage, not a date of the app's
era; the app and its data are from 2025 on."""

EPOCH_MS_MAX = 253_402_300_799_999
"""The largest INTEGER read as epoch milliseconds: 9999-12-31 23:59:59.999 UTC, the last
instant SQLite's date functions read (microseconds since 1970 are far above it)."""

_TWO = "[0-9][0-9]"
_DATE = f"{_TWO}{_TWO}-{_TWO}-{_TWO}"
_TIME = f"{_TWO}:{_TWO}:{_TWO}"
_MS = ".[0-9][0-9][0-9]"
_OFFSET = f"[+-]{_TWO}:{_TWO}"


def _round_trips(cell: str, length: int, separator: str, fraction: str) -> str:
    """The first `length` characters of the TEXT `cell` are a date and time of the calendar:
    their instant renders back to them (2025-02-30 would come back as 2025-03-02)."""
    local = f"substr({cell}, 1, {length})"
    return f"strftime('%Y-%m-%d{separator}%H:%M:{fraction}', julianday({local})) = {local}"


def _text_is_datetime(cell: str) -> str:
    """The TEXT `cell` is `YYYY-MM-DD HH:MM:SS[.fff]` (UTC, as SQLite's CURRENT_TIMESTAMP
    writes it), or ISO 8601 `YYYY-MM-DDTHH:MM:SS[.fff]` with a zone (`Z` or `+HH:MM`), and a
    real instant of the calendar."""
    shapes = []
    for fraction, length in (("", 19), (_MS, 23)):
        stamp = "%f" if fraction else "%S"
        plain = f"{_DATE} {_TIME}{fraction}"
        shapes.append(f"({cell} GLOB '{plain}' AND {_round_trips(cell, length, ' ', stamp)})")
        iso = f"{_DATE}T{_TIME}{fraction}"
        zoned = f"({cell} GLOB '{iso}Z' OR {cell} GLOB '{iso}{_OFFSET}')"
        shapes.append(f"({zoned} AND {_round_trips(cell, length, 'T', stamp)})")
    return " OR ".join(shapes)


def sqlite_epoch_ms_sql(cell: str) -> str:
    """An expression: the DateTime `cell` as INTEGER epoch ms (UTC), or NULL when it holds
    neither an INTEGER of epoch ms in [EPOCH_MS_MIN, EPOCH_MS_MAX] nor a TEXT that
    `_text_is_datetime` accepts (REAL, BLOB and NULL cells are NULL too)."""
    from_text = f"CAST(ROUND((julianday({cell}) - 2440587.5) * 86400000.0) AS INTEGER)"
    return (
        f"CASE typeof({cell}) "
        f"WHEN 'integer' THEN CASE WHEN {cell} BETWEEN {EPOCH_MS_MIN} AND {EPOCH_MS_MAX} "
        f"THEN {cell} END "
        f"WHEN 'text' THEN CASE WHEN {_text_is_datetime(cell)} THEN {from_text} END "
        "END"
    )


def sqlite_boolean_sql(cell: str) -> str:
    """An expression: the Boolean `cell` as INTEGER 0 or 1, or NULL unless it holds one."""
    return f"CASE WHEN typeof({cell}) = 'integer' AND {cell} IN (0, 1) THEN {cell} END"


def sqlite_instant_sql(cell: str) -> str:
    """An expression: the DateTime `cell` as INTEGER epoch ms (UTC), for comparing instants
    and cursors: an INTEGER as it is, a REAL truncated, a TEXT (a cell written by hand with
    CURRENT_TIMESTAMP) by its instant, any other storage NULL. Unlike `sqlite_epoch_ms_sql`
    it vets nothing (no range, no calendar check)."""
    return (
        f"CASE typeof({cell}) WHEN 'integer' THEN {cell} "
        f"WHEN 'real' THEN CAST({cell} AS INTEGER) "
        f"WHEN 'text' THEN CAST(ROUND((julianday({cell}) - 2440587.5) * 86400000.0) "
        "AS INTEGER) END"
    )
