"""Strict reading of SQLite legacy cells (`v2_backfill.db.sqlite_cells`), evaluated by SQLite
itself on tiny literal cells, exact expected outputs."""

from __future__ import annotations

import sqlite3
from collections import Counter

import pytest

from v2_backfill.config import SqliteDatetime
from v2_backfill.db.sqlite_cells import (
    EPOCH_MS_MAX,
    EPOCH_MS_MIN,
    sqlite_boolean_sql,
    sqlite_epoch_ms_sql,
)
from v2_backfill.db.sqlite_datetime import app_datetime_sql, choose_encoding, datetime_problem_sql
from v2_backfill.errors import UsageError


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


@pytest.mark.parametrize(
    ("encoding", "cell", "expected"),
    [
        (SqliteDatetime.ISO8601, "1735787045678", "2025-01-02T03:04:05.678+00:00"),
        (SqliteDatetime.ISO8601, "1735787045000", "2025-01-02T03:04:05.000+00:00"),
        (
            SqliteDatetime.ISO8601,
            "'2025-01-02T03:04:05.678+00:00'",
            "2025-01-02T03:04:05.678+00:00",
        ),
        (SqliteDatetime.ISO8601, "'2025-01-02 03:04:05'", "2025-01-02T03:04:05.000+00:00"),
        (SqliteDatetime.EPOCH_MS, "'2025-01-02T03:04:05.678+00:00'", 1735787045678),
        (SqliteDatetime.EPOCH_MS, "1735787045678", 1735787045678),
        (SqliteDatetime.ISO8601, "NULL", None),
    ],
)
def test_app_datetime_writes_what_prisma_writes(encoding, cell, expected):
    # the ISO form is the one Prisma's libsql adapter wrote in iso8601 mode for 1735787045678
    assert _evaluate(app_datetime_sql(encoding, "x"), cell) == expected


@pytest.mark.parametrize(
    ("encoding", "cell", "staged", "problem"),
    [
        (SqliteDatetime.ISO8601, "'2025-01-02T03:04:05.678+00:00'", False, 0),
        (SqliteDatetime.ISO8601, "1735787045678", False, 1),
        (SqliteDatetime.ISO8601, "1735787045678", True, 0),
        (SqliteDatetime.ISO8601, "'2025-01-02T03:04:05.678Z'", False, 1),
        (SqliteDatetime.EPOCH_MS, "'2025-01-02T03:04:05.678+00:00'", False, 1),
        (SqliteDatetime.EPOCH_MS, "1735787045678", False, 0),
        (SqliteDatetime.EPOCH_MS, "x'01'", True, 1),
        (SqliteDatetime.EPOCH_MS, "NULL", False, 0),
    ],
)
def test_datetime_problem(encoding, cell, staged, problem):
    assert _evaluate(datetime_problem_sql(encoding, "x", staged=staged), cell) == problem


@pytest.mark.parametrize(
    ("given", "found", "expected"),
    [
        (None, {}, SqliteDatetime.EPOCH_MS),
        (None, {"integer": 3}, SqliteDatetime.EPOCH_MS),
        (None, {"text": 2}, SqliteDatetime.ISO8601),
        (SqliteDatetime.EPOCH_MS, {"text": 2}, SqliteDatetime.EPOCH_MS),
        (SqliteDatetime.ISO8601, {"integer": 3, "text": 2}, SqliteDatetime.ISO8601),
    ],
)
def test_choose_encoding(given, found, expected):
    assert choose_encoding(given, Counter(found)) is expected


def test_native_rows_that_disagree_need_the_flag():
    with pytest.raises(UsageError, match="3 INTEGER epoch-ms, 2 ISO-8601 TEXT") as raised:
        choose_encoding(None, Counter({"integer": 3, "text": 2}))
    assert "--sqlite-datetime" in (raised.value.hint or "")
