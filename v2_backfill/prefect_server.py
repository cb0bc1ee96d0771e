"""The Prefect server the CLI's flows report to, ready before any work.

- `PREFECT_API_URL` set (in the environment or the active Prefect profile): that server; its
  `/health` must answer within `HEALTH_TIMEOUT` seconds before any work, else exit 2.
- Otherwise (`V2_BACKFILL_PREFECT_SERVER=background`, the default): a local server of the
  CLI's own, started on first use in the background (`prefect server start` under a
  supervisor, in a session of its own, so that a Ctrl-C at the terminal never reaches it),
  reused by every later command, and stopped by its supervisor once no command has used it for
  the idle period (`V2_BACKFILL_PREFECT_IDLE`, default 30m), or by `v2-backfill server stop`.
  Its state (port, pids, Prefect version, log, `PREFECT_HOME`) is in
  `$V2_BACKFILL_PREFECT_STATE`, default `$XDG_CACHE_HOME/v2-backfill/prefect`. A server that
  died, or runs another Prefect version than the one installed, is replaced.
- `V2_BACKFILL_PREFECT_SERVER=temporary`: left to Prefect (its temporary server per command).

Commands starting together share one server (a lock file), and a command in progress holds a
shared lock that keeps the supervisor from stopping the server under it. Never imports
Prefect (ruff TID251): it runs Prefect's CLI as a subprocess and talks HTTP.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import IO, Any

from v2_backfill import warm
from v2_backfill.config import parse_duration_ms
from v2_backfill.errors import ServiceUnreachable, UsageError

MODE_ENV = "V2_BACKFILL_PREFECT_SERVER"
STATE_ENV = "V2_BACKFILL_PREFECT_STATE"
IDLE_ENV = "V2_BACKFILL_PREFECT_IDLE"
WARM_ENV = "V2_BACKFILL_WARM_WORKER"
MODES = ("background", "temporary")
DEFAULT_IDLE = "30m"
HOST = "127.0.0.1"
HEALTH_TIMEOUT = 3.0
"""Seconds a Prefect API named by `PREFECT_API_URL` has to answer its health check."""

logger = logging.getLogger("v2_backfill")


@dataclass(frozen=True)
class ServerSettings:
    """How the CLI finds its Prefect server, resolved once from the environment."""

    mode: str = "background"
    """`background` (a local server of the CLI's own, reused) or `temporary` (Prefect's)."""
    api_url: str | None = None
    """The Prefect API named by `PREFECT_API_URL` (environment or active profile), if any."""
    state_dir: Path = Path("~/.cache/v2-backfill/prefect")
    """The background server's folder: state file, locks, log, its `PREFECT_HOME`."""
    idle_seconds: float = parse_duration_ms(DEFAULT_IDLE) / 1000
    """How long the background server runs on once no command uses it."""
    startup_seconds: float = 180.0
    """How long a starting server may take to answer (a busy two-core machine is slow)."""
    warm_worker: bool = True
    """Whether the commands that run flows go to the server's warm worker
    (`v2_backfill.warm`; `V2_BACKFILL_WARM_WORKER=off`: each runs in its own process)."""

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> ServerSettings:
        """The settings `environ` gives (`os.environ` as the CLI runs)."""
        mode = environ.get(MODE_ENV, "background") or "background"
        if mode not in MODES:
            raise UsageError(
                f"{MODE_ENV}={mode!r} is none of {', '.join(MODES)}",
                hint=f"unset it (a background server, reused) or set {MODE_ENV}=temporary",
            )
        cache = Path(environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        state_dir = Path(environ.get(STATE_ENV) or cache / "v2-backfill" / "prefect")
        idle = parse_duration_ms(environ.get(IDLE_ENV) or DEFAULT_IDLE) / 1000
        warm_worker = environ.get(WARM_ENV, "on") or "on"
        if warm_worker not in ("on", "off"):
            raise UsageError(
                f"{WARM_ENV}={warm_worker!r} is neither on nor off",
                hint=f"unset it (commands use the warm worker) or set {WARM_ENV}=off",
            )
        return cls(
            mode,
            configured_api_url(environ),
            state_dir.expanduser().resolve(),
            idle,
            warm_worker=warm_worker == "on",
        )


def configured_api_url(environ: Mapping[str, str]) -> str | None:
    """`PREFECT_API_URL` from the environment, else from the active Prefect profile
    (`$PREFECT_PROFILES_PATH`, default `$PREFECT_HOME/profiles.toml`); None when neither sets
    it."""
    if environ.get("PREFECT_API_URL"):
        return environ["PREFECT_API_URL"]
    home = Path(environ.get("PREFECT_HOME") or "~/.prefect").expanduser()
    path = Path(environ.get("PREFECT_PROFILES_PATH") or home / "profiles.toml").expanduser()
    try:
        profiles = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return None
    name = environ.get("PREFECT_PROFILE") or profiles.get("active", "ephemeral")
    url = profiles.get("profiles", {}).get(name, {}).get("PREFECT_API_URL")
    return str(url) if url else None


def check_api(url: str, timeout: float = HEALTH_TIMEOUT) -> None:
    """Raise ServiceUnreachable unless the Prefect API at `url` answers its health check."""
    problem = _health_problem(url, timeout)
    if problem is not None:
        raise ServiceUnreachable(
            f"the Prefect API at PREFECT_API_URL={url} does not answer: {problem}",
            hint="start that server (`prefect server start`) or fix PREFECT_API_URL; unset "
            "it to let v2-backfill run a local server of its own",
        )


def _health_problem(url: str, timeout: float) -> str | None:
    """None when `GET <url>/health` answers 200 within `timeout` seconds, else why not."""
    try:
        with urllib.request.urlopen(f"{url.rstrip('/')}/health", timeout=timeout) as answer:
            return None if answer.status == 200 else f"HTTP {answer.status}"
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return f"{reason or type(exc).__name__} (waited up to {timeout:g}s)"


@dataclass(frozen=True)
class ServerState:
    """A background server as its state file records it."""

    supervisor_pid: int
    """The supervisor's pid: also its session and process group, the server's too."""
    port: int
    prefect_version: str
    started_at: str

    @property
    def url(self) -> str:
        """The server's API URL, the value of `PREFECT_API_URL` for its clients."""
        return f"http://{HOST}:{self.port}/api"


class LocalServer:
    """The background Prefect server kept in one state folder."""

    def __init__(self, settings: ServerSettings) -> None:
        self.settings = settings
        self.folder = settings.state_dir
        self.state_file = self.folder / "state.json"
        self.log_file = self.folder / "server.log"
        self.last_used = self.folder / "last-used"

    @contextmanager
    def used(self) -> Iterator[ServerState]:
        """A running server for the block (started when there is none, or none healthy of
        this Prefect version), kept from idling out until the block ends."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with _locked(self.folder / "users.lock", fcntl.LOCK_SH):
            state = self._ensure()
            try:
                yield state
            finally:
                self.last_used.touch()

    def _ensure(self) -> ServerState:
        """The running server, started (or replaced) first when needed. Call it holding the
        users' lock (`used`): a server that is starting may otherwise idle out."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with _locked(self.folder / "start.lock", fcntl.LOCK_EX):
            state = self.state()
            if state is None or not self._usable(state):
                if state is not None:
                    _terminate(state.supervisor_pid)
                    self.state_file.unlink(missing_ok=True)
                state = self._start()
            self.last_used.touch()
            return state

    def state(self) -> ServerState | None:
        """The server the state file records, or None."""
        try:
            return ServerState(**json.loads(self.state_file.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            return None

    def status(self) -> dict[str, Any]:
        """What `v2-backfill server status` prints: the server, whether it answers, how long
        it has been idle."""
        state = self.state()
        running = state is not None and _group_alive(state.supervisor_pid)
        facts: dict[str, Any] = {"kind": "server", "state_dir": str(self.folder)}
        facts["running"] = running and state is not None and self._answers(state, HEALTH_TIMEOUT)
        if state is not None and running:
            facts |= asdict(state) | {
                "url": state.url,
                "idle_seconds": round(self.idle_seconds(), 1),
                "warm_worker": warm.ping(self.folder),
            }
        facts["stops_after_idle_seconds"] = self.settings.idle_seconds
        return facts

    def stop(self) -> dict[str, Any]:
        """Stop the server (and its supervisor); what `v2-backfill server stop` prints."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with _locked(self.folder / "start.lock", fcntl.LOCK_EX):
            state = self.state()
            if state is not None:
                warm.stop(self.folder)
                _terminate(state.supervisor_pid)
            self.state_file.unlink(missing_ok=True)
        stopped = state is not None
        return {"kind": "server", "state_dir": str(self.folder), "running": False,
                "stopped": stopped, "url": state.url if state else None}  # fmt: skip

    def _start(self) -> ServerState:
        port = _free_port()
        logger.info(
            "starting a local Prefect server in the background on port %d (state in %s; it "
            "stops after %gs unused, or with `v2-backfill server stop`)",
            port, self.folder, self.settings.idle_seconds,
        )  # fmt: skip
        environ = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
        with open(self.log_file, "ab") as log:
            supervisor = subprocess.Popen(
                [sys.executable, "-m", "v2_backfill.prefect_supervisor", str(self.folder),
                 str(port), str(self.settings.idle_seconds)],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                env=environ, start_new_session=True,
            )  # fmt: skip
        state = ServerState(supervisor.pid, port, _prefect_version(), _now())
        self.state_file.write_text(json.dumps(asdict(state)), encoding="utf-8")
        deadline = time.monotonic() + self.settings.startup_seconds
        while _health_problem(state.url, 2.0) is not None:
            if supervisor.poll() is not None or time.monotonic() > deadline:
                _terminate(supervisor.pid)
                self.state_file.unlink(missing_ok=True)
                raise ServiceUnreachable(
                    f"the local Prefect server did not start: {self._log_tail()}",
                    hint=f"see {self.log_file}; or point PREFECT_API_URL at a running server",
                )
            time.sleep(0.25)
        return state

    def _usable(self, state: ServerState) -> bool:
        """Whether the recorded server runs this Prefect version and answers."""
        if state.prefect_version != _prefect_version():
            return False
        return _group_alive(state.supervisor_pid) and self._answers(state, 15.0)

    def _answers(self, state: ServerState, within: float) -> bool:
        """Whether the server answers its health check within `within` seconds (retried: a
        busy server may take a moment)."""
        deadline = time.monotonic() + within
        while _health_problem(state.url, 2.0) is not None:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.25)
        return True

    def idle_seconds(self) -> float:
        """Seconds since a command last used the server."""
        try:
            return time.time() - self.last_used.stat().st_mtime
        except OSError:
            return 0.0

    def _log_tail(self) -> str:
        try:
            lines = self.log_file.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return "no log"
        return " / ".join(line.strip() for line in lines[-3:] if line.strip()) or "no output"


@contextmanager
def prefect_api(settings: ServerSettings) -> Iterator[str | None]:
    """For a command that runs flows: the Prefect API checked (or the background server
    started) before any work, `PREFECT_API_URL` set for this process; yields the URL (None
    when left to Prefect)."""
    if settings.api_url is not None:
        check_api(settings.api_url)
        yield settings.api_url
        return
    if settings.mode == "temporary":
        yield None
        return
    with LocalServer(settings).used() as state:
        os.environ["PREFECT_API_URL"] = state.url
        yield state.url


def format_status(facts: dict[str, Any]) -> str:
    """`server status` / `server stop` as text."""
    if "stopped" in facts:
        done = f"stopped the server at {facts['url']}" if facts["stopped"] else "none was running"
        return f"local Prefect server ({facts['state_dir']}): {done}"
    if not facts["running"]:
        return f"local Prefect server ({facts['state_dir']}): not running"
    worker = facts["warm_worker"]
    warmed = (
        f"warm worker pid {worker['pid']}, {worker['served']} commands served"
        if worker
        else "no warm worker (yet)"
    )
    return (
        f"local Prefect server at {facts['url']} (Prefect {facts['prefect_version']}, "
        f"supervisor pid {facts['supervisor_pid']}, started {facts['started_at']}): idle "
        f"{facts['idle_seconds']:g}s, stops after {facts['stops_after_idle_seconds']:g}s idle; "
        f"{warmed}"
    )


@contextmanager
def _locked(path: Path, mode: int) -> Iterator[IO[bytes]]:
    """Hold an flock on `path` (waiting for it) for the block."""
    with open(path, "ab") as handle:
        fcntl.flock(handle, mode)
        try:
            yield handle
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def try_lock(handle: IO[bytes], mode: int) -> bool:
    """Take an flock on the open `handle` if no one holds a conflicting one; whether taken."""
    try:
        fcntl.flock(handle, mode | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _terminate(group: int, grace: float = 20.0) -> None:
    """Stop a supervisor's process group (the supervisor and its server): SIGTERM, then
    SIGKILL to whatever is left after `grace` seconds."""
    for signum, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(group, signum)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait
        while _group_alive(group) and time.monotonic() < deadline:
            time.sleep(0.1)
        if not _group_alive(group):
            return


def _group_alive(group: int) -> bool:
    """Whether a process of the group `group` runs (a child of ours that ended is reaped)."""
    try:
        os.waitpid(group, os.WNOHANG)
    except ChildProcessError:
        pass
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def _prefect_version() -> str:
    return version("prefect")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
