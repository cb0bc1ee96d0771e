"""Strict reading of SQLite legacy cells (`v2_backfill.db.sqlite_cells`), evaluated by SQLite
itself on tiny literal cells, exact expected outputs."""

from __future__ import annotations

import sqlite3

import pytest

from v2_backfill.db.sqlite_cells import (
    EPOCH_MS_MAX,
    EPOCH_MS_MIN,
    sqlite_boolean_sql,
    sqlite_epoch_ms_sql,
)


def _evaluate(expression: str, cell: str) -> object:
    """The expression over one cell given as a SQL literal."""
    with sqlite3.connect(":memory:") as conn:
        return conn.execute(f"SELECT {expression} FROM (SELECT {cell} AS x)").fetchone()[0]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        pytest.param("1757955782123", 1757955782123, id="integer-ms"),
        pytest.param(str(EPOCH_MS_MIN), EPOCH_MS_MIN, id="lowest-ms"),
        pytest.param(str(EPOCH_MS_MAX), EPOCH_MS_MAX, id="highest-ms"),
        pytest.param("'2025-09-15 17:03:02'", 1757955782000, id="current-timestamp"),
        pytest.param("'2025-09-15 17:03:02.123'", 1757955782123, id="with-ms"),
        pytest.param("'2025-09-15T17:03:02Z'", 1757955782000, id="iso-z"),
        pytest.param("'2025-09-15T17:03:02.123Z'", 1757955782123, id="iso-z-ms"),
        pytest.param("'2025-09-15T17:03:02.123+00:00'", 1757955782123, id="iso-utc"),
        pytest.param("'2025-09-15T19:03:02.123+02:00'", 1757955782123, id="iso-offset"),
        pytest.param("'2025-09-15T12:03:02-05:00'", 1757955782000, id="iso-negative-offset"),
        pytest.param("'2024-02-29 00:00:00'", 1709164800000, id="leap-day"),
        pytest.param("1757955782", None, id="integer-seconds"),
        pytest.param(str(EPOCH_MS_MIN - 1), None, id="below-bound"),
        pytest.param(str(EPOCH_MS_MAX + 1), None, id="microseconds-or-beyond-9999"),
        pytest.param("-1", None, id="negative"),
        pytest.param("1757955782123.5", None, id="real"),
        pytest.param("'now'", None, id="now"),
        pytest.param("'2025-02-30 10:00:00'", None, id="february-30"),
        pytest.param("'2023-02-29 10:00:00'", None, id="no-leap-day"),
        pytest.param("'2025-09-15 24:00:00'", None, id="hour-24"),
        pytest.param("'2025-09-15 17:60:00'", None, id="minute-60"),
        pytest.param("'2025-09-15'", None, id="date-only"),
        pytest.param("'2025-09-15 17:03'", None, id="no-seconds"),
        pytest.param("'2025-09-15 17:03:02.1'", None, id="one-digit-fraction"),
        pytest.param("'2025-09-15 17:03:02Z'", None, id="space-with-zone"),
        pytest.param("'2025-09-15T17:03:02'", None, id="iso-without-zone"),
        pytest.param("'2025-09-15T17:03:02.123456Z'", None, id="iso-microseconds"),
        pytest.param("'2025-09-15T17:03:02+25:00'", None, id="iso-impossible-offset"),
        pytest.param("' 2025-09-15 17:03:02'", None, id="leading-space"),
        pytest.param("'2460934.21'", None, id="julian-day-text"),
        pytest.param("x'31373537393535373832313233'", None, id="blob"),
        pytest.param("CAST(x'c328ff41' AS TEXT)", None, id="not-utf8"),
        pytest.param("NULL", None, id="null"),
    ],
)
def test_sqlite_epoch_ms(cell, expected):
    assert _evaluate(sqlite_epoch_ms_sql("x"), cell) == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("1", 1), ("0", 0), ("2", None), ("-1", None), ("1.5", None), ("'true'", None),
     ("'1'", None), ("x'01'", None), ("NULL", None)],
)  # fmt: skip
def test_sqlite_boolean(cell, expected):
    assert _evaluate(sqlite_boolean_sql("x"), cell) == expected
