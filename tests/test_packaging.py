"""Packaging: setuptools builds the package from pyproject.toml warning of nothing, SQL included."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT

SQL_FOLDERS = ("sql", "expectations", "devtools")


def test_build_warns_of_nothing_and_ships_every_sql_file(tmp_path):
    built = subprocess.run(
        [sys.executable, "-c", "import setuptools; setuptools.setup()",
         "egg_info", "--egg-base", str(tmp_path), "build_py", "--build-lib", str(tmp_path / "lib")],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    output = built.stdout + built.stderr
    assert "would be ignored" not in output and "absent from the `packages`" not in output
    shipped = {path.relative_to(tmp_path / "lib") for path in (tmp_path / "lib").rglob("*.sql")}
    assert shipped == {
        path.relative_to(ROOT) for folder in SQL_FOLDERS for path in (ROOT / folder).rglob("*.sql")
    }
