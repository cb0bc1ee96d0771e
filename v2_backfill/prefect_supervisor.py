"""The supervisor of the CLI's background Prefect server (see `v2_backfill.prefect_server`):
`python -m v2_backfill.prefect_supervisor DIR PORT IDLE_SECONDS`, started detached in a session
of its own. It runs `prefect server start` and the warm worker (`v2_backfill.warm_worker`, started
again when it exits), and stops both when the server dies, on SIGTERM or SIGINT, or once no
command has used it for the idle period (none holds the users' lock)."""

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

WARM_RESTARTS = 3
"""How many times in a row a warm worker that ended within `WARM_SHORT_SECONDS` of its start
is started again (a worker that cannot import would otherwise burn a core in a loop)."""
WARM_SHORT_SECONDS = 30.0


def _supervise(folder: Path, port: int, idle_seconds: float) -> None:
    """The supervisor's body: run `prefect server start` on `port` until it dies, a SIGTERM
    or SIGINT comes, or no command has used it for `idle_seconds`; then stop it."""
    server = LocalServer(ServerSettings(state_dir=folder, idle_seconds=idle_seconds))
    stopping: list[int] = []
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, lambda signum, frame: stopping.append(signum))
    clients = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    environ = clients | {"PREFECT_HOME": str(folder / "home"),
                         "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}  # fmt: skip
    prefect = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", HOST, "--port", str(port)],
        stdin=subprocess.DEVNULL, env=environ,
    )  # fmt: skip
    warm = _WarmWorker(folder, clients | {"PREFECT_API_URL": f"http://{HOST}:{port}/api"})
    users = open(folder / "users.lock", "ab")  # held until the process ends
    server.last_used.touch()  # a new server counts as just used
    try:
        while not stopping and prefect.poll() is None:
            time.sleep(POLL_SECONDS)
            warm.keep_running()
            if server.idle_seconds() > idle_seconds and try_lock(users, fcntl.LOCK_EX):
                break  # no command uses it (and none can start to until the state is gone)
    finally:
        for process in (warm.process, prefect):
            _stop(process)
        state = server.state()
        if state is not None and state.supervisor_pid == os.getpid():
            server.state_file.unlink(missing_ok=True)


class _WarmWorker:
    """The warm worker under the supervisor: started at once, started again when it exits
    (its code went stale), unless it keeps ending right after its start."""

    def __init__(self, folder: Path, environ: dict[str, str]) -> None:
        self.folder, self.environ = folder, environ
        self.short_lives = 0
        self.process = self._start()

    def _start(self) -> subprocess.Popen[bytes]:
        self.started = time.monotonic()
        return subprocess.Popen(
            [sys.executable, "-m", "v2_backfill.warm_worker", str(self.folder)],
            stdin=subprocess.DEVNULL, env=self.environ, cwd=self.folder,
        )  # fmt: skip

    def keep_running(self) -> None:
        """Start the worker again if it exited other than on request (stale, or failed), and
        has not kept failing at once."""
        if self.process.poll() in (None, 0) or self.short_lives >= WARM_RESTARTS:
            return
        short = time.monotonic() - self.started < WARM_SHORT_SECONDS
        self.short_lives = self.short_lives + 1 if short else 0
        if self.short_lives < WARM_RESTARTS:
            self.process = self._start()


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


if __name__ == "__main__":
    _supervise(Path(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]))
