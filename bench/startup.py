"""Start-up cost from the shell: `v2-backfill backfill` and `validate` of the development
fixture (`tests/data/property-sync-dev.db`, copied first), each the median of `--runs` runs:
with the CLI's background Prefect server up and its warm worker taking the commands, the same
server without the worker (`V2_BACKFILL_WARM_WORKER=off`: each command imports everything in
its own process), and Prefect's temporary server per command
(`V2_BACKFILL_PREFECT_SERVER=temporary`, the cold figure), the three alternating run after
run; and the first command, which starts the background server. With each its CPU seconds
(user + system; of the caller alone where the warm worker runs the command), steadier than
the wall time on a loaded machine, and the load average. Results also go to
`bench/results/startup-<UTC time>.json`.

    .venv/bin/python bench/startup.py --runs 5
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "data" / "property-sync-dev.db"
CLI = [sys.executable, "-m", "v2_backfill.cli"]


CPU_SECONDS: list[float] = []
"""The CPU seconds (user + system) of each command `timed` ran, in order: on a loaded
machine they vary far less than the wall time."""


def timed(args: list[str], cwd: Path, env: dict[str, str]) -> float:
    """Seconds `v2-backfill ARGS` takes from the shell; fails unless it exits 0. Its CPU
    seconds go to `CPU_SECONDS`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([*CLI, *args], cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"{' '.join(args)} exited {done.returncode}:\n{done.stderr[-3000:]}")
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    CPU_SECONDS.append(round(cpu, 2))
    return round(elapsed, 2)


def backfill_and_validate(folder: Path, env: dict[str, str]) -> tuple[float, float]:
    """One backfill of a fresh copy of the fixture, then one validate of it."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    shutil.copyfile(FIXTURE, folder / "dev.db")
    backfill = timed(["backfill", "--db", "file:./dev.db"], folder, env)
    return backfill, timed(["validate", "--db", "file:./dev.db"], folder, env)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    work = Path(tempfile.mkdtemp(prefix="v2b-startup-"))
    base = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    background = base | {"V2_BACKFILL_PREFECT_SERVER": "background",
                         "V2_BACKFILL_PREFECT_STATE": str(work / "state")}  # fmt: skip
    temporary = base | {"V2_BACKFILL_PREFECT_SERVER": "temporary",
                        "PREFECT_HOME": str(work / "prefect-home")}  # fmt: skip
    results: dict[str, object] = {"runs": runs, "at": datetime.now(UTC).isoformat(),
                                  "load_average": os.getloadavg()}  # fmt: skip
    try:
        first = backfill_and_validate(work / "first", background)
        results["background_first_command"] = {"backfill": first[0], "validate": first[1]}
        modes = {"warm_worker": background,
                 "background_no_worker": background | {"V2_BACKFILL_WARM_WORKER": "off"},
                 "temporary": temporary}  # fmt: skip
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in modes}
        cpu: dict[str, list[float]] = {name: [] for name in modes}
        for _ in range(runs):
            for name, env in modes.items():
                CPU_SECONDS.clear()
                times[name].append(backfill_and_validate(work / name, env))
                cpu[name].extend(CPU_SECONDS)
        for name in modes:
            results[name] = {
                "backfill": statistics.median(t[0] for t in times[name]),
                "validate": statistics.median(t[1] for t in times[name]),
                "backfill_cpu": statistics.median(cpu[name][0::2]),
                "validate_cpu": statistics.median(cpu[name][1::2]),
                "all": times[name],
            }
            print(name, results[name], flush=True)
        results["load_average_after"] = os.getloadavg()
    finally:
        subprocess.run([*CLI, "server", "stop"], cwd=work, env=background, check=False)
    out = ROOT / "bench" / "results" / f"startup-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
