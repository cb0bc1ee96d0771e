"""The legacy table checksums (`transforms.checksums`) on a real SQLite file, through the
adapter's registered functions: typed, and defined for any bytes a cell holds."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from transforms.checksums import tables_checksum_sql
from v2_backfill.config import parse_database_url
from v2_backfill.database import open_database

CELLS = ["5", "'5'", "5.5", "x'35'", "NULL", "'NULL'", "'a,b'", "CAST(x'c328ff41' AS TEXT)",
         "CAST(x'c328ff42' AS TEXT)"]  # fmt: skip


@pytest.mark.sqlite
def test_sqlite_table_checksum_tells_every_cell_apart(tmp_path):
    path = tmp_path / "app.db"
    path.touch()
    db = open_database(parse_database_url(f"file:{path}"), bookkeeping=False)
    query = sa.text(tables_checksum_sql("sqlite", {"t": ["id", "v"]}))
    sums = {}
    with db.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (id TEXT, v)")  # no affinity: cells keep their type
        for cell in CELLS:
            conn.exec_driver_sql("DELETE FROM t")
            conn.exec_driver_sql(f"INSERT INTO t VALUES ('m1', {cell})")
            name, rows, checksum = conn.execute(query).one()
            assert (name, rows) == ("t", 1)
            sums[cell] = checksum
    db.dispose()

    assert len(set(sums.values())) == len(CELLS), sums
