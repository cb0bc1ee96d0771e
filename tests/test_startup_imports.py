"""What a command imports (issue 19, start-up): the heavy libraries only where they run --
Great Expectations where a gate runs, and of GX's own imports not those for expectations the
gate has none of; pandas, Prefect, Dask and Playwright never for a command that does not use
them. Each case is the real command in a new interpreter, read through `python -X importtime`."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURE_DB

HEAVY = ("great_expectations", "prefect", "pandas", "dask", "distributed", "playwright", "scipy")


def imported(args: list[str], cwd: Path) -> set[str]:
    """The modules `python -X importtime ARGS` imports (it must exit 0)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *args], cwd=cwd,
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return set(re.findall(r"^import time:\s+\d+ \|\s+\d+ \| +(\S+)$", done.stderr, re.M))


@pytest.mark.sqlite
@pytest.mark.parametrize(
    ("command", "backfilled"),
    [(["--help"], False), (["server", "status"], False),
     (["preview", "--db", "file:./dev.db"], False),
     (["review", "status", "--db", "file:./dev.db"], True), (["rollback", "--help"], False)],
    ids=lambda value: " ".join(value[:2]) if isinstance(value, list) else "",
)  # fmt: skip
def test_a_command_that_runs_no_flow_imports_no_heavy_library(
    command, backfilled, request, tmp_path
):
    shutil.copyfile(FIXTURE_DB, tmp_path / "dev.db")
    if backfilled:  # what the command reads
        request.getfixturevalue("run_backfill")(f"file:{tmp_path / 'dev.db'}")
    modules = imported(["-m", "v2_backfill.cli", *command], tmp_path)
    assert sorted(m for m in modules if m.split(".")[0] in HEAVY) == []


def test_gx_is_imported_without_what_only_other_expectations_use(tmp_path):
    script = (
        "import sys\n"
        "from v2_backfill.quality import gate\n"
        "gate.import_gx()\n"
        "print(sorted({'great_expectations', 'scipy.stats._stats_py', 'altair.vegalite'}"
        " & set(sys.modules)))\n"
        "from scipy import stats\n"
        "print(stats.norm.cdf(0))  # loaded, whole, on first use\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path,
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.splitlines() == ["['great_expectations']", "0.5"]
