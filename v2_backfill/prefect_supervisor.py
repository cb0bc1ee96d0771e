"""The supervisor of the CLI's background Prefect server (see `v2_backfill.prefect_server`):
`python -m v2_backfill.prefect_supervisor DIR PORT IDLE_SECONDS`, started detached in a session
of its own. It runs `prefect server start` and stops it when the server dies, on SIGTERM or
SIGINT, or once no command has used it for the idle period (none holds the users' lock)."""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from v2_backfill.prefect_server import HOST, LocalServer, ServerSettings, try_lock

POLL_SECONDS = 1.0
"""How often the supervisor looks at its server and at the idle time."""


def _supervise(folder: Path, port: int, idle_seconds: float) -> None:
    """The supervisor's body: run `prefect server start` on `port` until it dies, a SIGTERM
    or SIGINT comes, or no command has used it for `idle_seconds`; then stop it."""
    server = LocalServer(ServerSettings(state_dir=folder, idle_seconds=idle_seconds))
    stopping: list[int] = []
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, lambda signum, frame: stopping.append(signum))
    environ = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    environ |= {"PREFECT_HOME": str(folder / "home"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    prefect = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", HOST, "--port", str(port)],
        stdin=subprocess.DEVNULL, env=environ,
    )  # fmt: skip
    users = open(folder / "users.lock", "ab")  # held until the process ends
    server.last_used.touch()  # a new server counts as just used
    try:
        while not stopping and prefect.poll() is None:
            time.sleep(POLL_SECONDS)
            if server.idle_seconds() > idle_seconds and try_lock(users, fcntl.LOCK_EX):
                break  # no command uses it (and none can start to until the state is gone)
    finally:
        prefect.terminate()
        try:
            prefect.wait(20)
        except subprocess.TimeoutExpired:
            prefect.kill()
            prefect.wait()
        state = server.state()
        if state is not None and state.supervisor_pid == os.getpid():
            server.state_file.unlink(missing_ok=True)


if __name__ == "__main__":
    _supervise(Path(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]))
