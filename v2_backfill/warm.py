"""The warm worker: the commands that run flows start in a process whose imports are done.

A command's own work on a small database is well under a second; importing Prefect, Great
Expectations, pandas and SQLAlchemy takes three to four seconds of CPU in every new
interpreter. The background Prefect server's supervisor (`v2_backfill.prefect_supervisor`)
therefore also runs this worker (`python -m v2_backfill.warm_worker DIR`): it imports what those
commands import, listens on `DIR/warm.sock`, and forks one child per command. The child takes
the caller's standard streams (passed over the socket), working folder, environment, umask and
arguments, and runs the command exactly as the CLI would in its own process; the caller waits
for it, forwards SIGINT, SIGTERM and SIGHUP to it, and exits with its exit status.

A command runs in its own process instead (as without the worker) when the worker is not
there yet (a server just starting) or refuses: its code or installed packages changed since
it imported them (it then exits, and its supervisor starts a fresh one), or the caller's
interpreter or environment differs in what the imports read (`PREFECT_*`, `GX_*`,
`PYTHON*`, locale, home folders), or its priority (`nice`) or resource limits (`ulimit`),
which a child takes from the worker. The worker stops with its server (`v2-backfill server
stop`, or the idle period); a command it is running then gets SIGTERM and stops cleanly. A
caller killed outright (SIGKILL) takes its command with it: the worker kills the child.
"""

from __future__ import annotations

import json
import logging
import os
import resource
import signal
import socket
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from types import FrameType
from typing import Any

from v2_backfill.signals import CLEANUP_SECONDS

SOCKET_NAME = "warm.sock"
CODE_FOLDERS = ("v2_backfill", "flows", "transforms", "expectations", "sql")
"""The project's folders whose files the worker watches: one changed, it is stale."""

ENV_PREFIXES = ("PREFECT_", "GX_", "GE_", "PYTHON", "LC_")
ENV_KEYS = frozenset({"HOME", "LANG", "TZ", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME"})
"""The environment that imports read (Prefect bakes its settings in at import): a caller
whose values differ runs in its own process."""

ANSWER_SECONDS = 10.0
"""How long a caller waits for the worker to take or refuse its command."""
FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
REQUEST_BYTES = 1 << 20
STOP_GRACE_SECONDS = CLEANUP_SECONDS + 10.0
"""How long a stopping worker waits for the commands it runs to stop on SIGTERM (a command
cuts its own cleanup short after `CLEANUP_SECONDS`)."""
STALE_EXIT = 75
"""The worker's exit code when its code went stale: its supervisor starts a fresh one (after
any other exit it does not)."""

logger = logging.getLogger("v2_backfill")


def relevant_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The part of `environ` the worker's imports depend on (`PREFECT_API_URL` aside: a
    command that uses the worker uses the worker's server)."""
    return {
        key: value
        for key, value in environ.items()
        if (key in ENV_KEYS or key.startswith(ENV_PREFIXES)) and key != "PREFECT_API_URL"
    }


def code_fingerprint(root: Path, search_path: list[str]) -> list[list[Any]]:
    """What the worker's imports depend on besides the environment: every file of the
    project's folders under `root` (name, size, modification time) and the modification time
    of each folder on `search_path` (installing or removing a package changes it)."""
    facts: list[list[Any]] = []
    for name in CODE_FOLDERS:
        for path in sorted((root / name).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                stat = path.stat()
                facts.append([str(path.relative_to(root)), stat.st_size, stat.st_mtime_ns])
    for entry in search_path:
        try:
            facts.append([entry, os.stat(entry or ".").st_mtime_ns])
        except OSError:
            facts.append([entry, None])
    return facts


def project_root() -> Path:
    """The folder that holds the `v2_backfill` package and its siblings (`flows/`, `sql/`)."""
    return Path(__file__).resolve().parents[1]


# -- the caller's side ------------------------------------------------------------------------


def delegate(argv: list[str], folder: Path) -> int | None:
    """Run the command `argv` in the warm worker of the server folder `folder`; its exit
    code, or None when there is no worker to take it (the caller then runs it itself)."""
    try:
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        conn.connect(str(folder / SOCKET_NAME))
    except OSError:
        return None
    with conn:
        request = _request(argv)
        try:
            conn.settimeout(ANSWER_SECONDS)
            socket.send_fds(conn, [json.dumps(request).encode()], [0, 1, 2])
            answer = json.loads(conn.recv(REQUEST_BYTES) or b"{}")
            conn.settimeout(None)
        except (OSError, ValueError):  # one that does not answer kills what it may have begun
            return None
        if "pid" not in answer:
            logger.debug("the warm worker did not take the command: %s", answer.get("refused"))
            return None
        logger.debug("the command runs in the warm worker's child, pid %d", answer["pid"])
        with _forwarding(answer["pid"]):
            return _wait(conn, answer["pid"])


def _request(argv: list[str]) -> dict[str, Any]:
    umask = os.umask(0)
    os.umask(umask)
    return {
        "argv": argv,
        "argv0": sys.argv[0],
        "cwd": os.getcwd(),
        "env": dict(os.environ),
        "umask": umask,
        "executable": sys.executable,
        "path": sys.path[1:],
        "streams": streams(),
        "sigint_ignored": signal.getsignal(signal.SIGINT) == signal.SIG_IGN,
        "limits": limits(),
    }


def streams() -> dict[str, list[str]]:
    """The encoding and error handler of each standard stream."""
    return {name: [getattr(sys, name).encoding, getattr(sys, name).errors]
            for name in ("stdin", "stdout", "stderr")}  # fmt: skip


def limits() -> dict[str, Any]:
    """This process's scheduling priority and resource limits, which a child inherits from
    the worker, not from its caller."""
    limits: dict[str, Any] = {"nice": os.getpriority(os.PRIO_PROCESS, 0)}
    for name in sorted(n for n in dir(resource) if n.startswith("RLIMIT_")):
        limits[name] = list(resource.getrlimit(getattr(resource, name)))
    return limits


def _wait(conn: socket.socket, pid: int) -> int:
    """The child's exit code (128 + N for a child ended by signal N), as its worker reports
    it. A worker that goes away first leaves the child without anyone to report: it is sent
    SIGTERM and the command fails (exit 2)."""
    try:
        outcome = json.loads(conn.recv(REQUEST_BYTES) or b"{}")
    except (OSError, ValueError):
        outcome = {}
    if "exit" in outcome:
        return int(outcome["exit"])
    if "signal" in outcome:
        return 128 + int(outcome["signal"])
    try:
        os.kill(pid, signal.SIGTERM)
    except OSError:
        pass
    print("v2-backfill: error: the warm worker running the command stopped before it; "
          "run the command again", file=sys.stderr)  # fmt: skip
    return 2


class _forwarding:
    """Within the block, SIGINT, SIGTERM and SIGHUP reach the child instead of this process
    (a Ctrl-C at the terminal reaches only the caller: the child is in a session of its own)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.previous: dict[int, Any] = {}

    def _forward(self, signum: int, frame: FrameType | None) -> None:
        try:
            os.kill(self.pid, signum)
        except OSError:
            pass

    def __enter__(self) -> None:
        for signum in FORWARDED:
            if signal.getsignal(signum) != signal.SIG_IGN:
                self.previous[signum] = signal.signal(signum, self._forward)

    def __exit__(self, *exc: object) -> None:
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)


def ping(folder: Path, timeout: float = 2.0) -> dict[str, Any] | None:
    """The worker's facts (`pid`, `served`, `since`) if one answers in `folder`, else None."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as conn:
            conn.settimeout(timeout)
            conn.connect(str(folder / SOCKET_NAME))
            conn.send(json.dumps({"ping": True}).encode())
            facts = json.loads(conn.recv(REQUEST_BYTES))
    except (OSError, ValueError):
        return None
    return facts if isinstance(facts, dict) else None


def stop(folder: Path) -> None:
    """Stop the worker of `folder`, if one answers, before its server: the commands it runs
    stop cleanly (SIGTERM) while the server can still record how they ended."""
    facts = ping(folder)
    if facts is None:
        return
    kill(facts["pid"], signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS + 10.0
    while _running(facts["pid"]) and time.monotonic() < deadline:
        time.sleep(0.1)


def _running(pid: int) -> bool:
    """Whether `pid` runs (an ended process its parent has not reaped yet does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def kill(pid: int, signum: int) -> None:
    """Send `signum` to `pid` unless it is gone."""
    try:
        os.kill(pid, signum)
    except OSError:
        pass
