"""The warm worker: the commands that run flows start in a process whose imports are done.

A command's own work on a small database is well under a second; importing Prefect, Great
Expectations, pandas and SQLAlchemy takes three to four seconds of CPU in every new
interpreter. The background Prefect server's supervisor (`v2_backfill.prefect_supervisor`)
therefore also runs this worker (`python -m v2_backfill.warm DIR`): it imports what those
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

import atexit
import importlib
import json
import logging
import os
import resource
import select
import signal
import socket
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn

from v2_backfill.signals import CLEANUP_SECONDS

SOCKET_NAME = "warm.sock"
PRELOAD = (
    "v2_backfill.cli.entry",
    "flows.backfill",
    "flows.validate",
    "flows.sync",
    "flows.review",
    "pandas",
    "sqlalchemy.dialects.sqlite",
    "sqlalchemy.dialects.postgresql",
    "psycopg",
)
"""What the worker imports before it serves (Great Expectations too, as the gate loads it)."""

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
        "streams": _streams(),
        "sigint_ignored": signal.getsignal(signal.SIGINT) == signal.SIG_IGN,
        "limits": _limits(),
    }


def _streams() -> dict[str, list[str]]:
    """The encoding and error handler of each standard stream."""
    return {name: [getattr(sys, name).encoding, getattr(sys, name).errors]
            for name in ("stdin", "stdout", "stderr")}  # fmt: skip


def _limits() -> dict[str, Any]:
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
    _kill(facts["pid"], signal.SIGTERM)
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


# -- the worker's side ------------------------------------------------------------------------


@dataclass
class _Worker:
    """The worker's state while it serves."""

    folder: Path
    fingerprint: list[list[Any]]
    environment: dict[str, str]
    listener: socket.socket
    wakeup: int
    """The read end of the pipe a SIGCHLD writes to: a child that ends is reported at once."""
    since: float = field(default_factory=time.time)
    served: int = 0
    children: dict[int, socket.socket] = field(default_factory=dict)
    stopping: list[int] = field(default_factory=list)
    stale: bool = False

    def refusal(self, request: dict[str, Any]) -> str | None:
        """Why this worker cannot run `request` as the caller's own process would; None if
        it can."""
        if request.get("executable") != sys.executable or request.get("path") != sys.path[1:]:
            return "another interpreter or import path"
        if request.get("streams") != _streams():
            return "other encodings of the standard streams"
        if request.get("limits") != _limits():
            return "another priority (nice) or other resource limits (ulimit)"
        theirs = relevant_environment(request.get("env", {}))
        if theirs != self.environment:
            keys = {k for k in theirs.keys() | self.environment.keys()
                    if theirs.get(k) != self.environment.get(k)}  # fmt: skip
            return f"another environment: {', '.join(sorted(keys))} differ"
        if code_fingerprint(project_root(), sys.path[1:]) != self.fingerprint:
            self.stale = True  # for everyone: exit, the supervisor starts a fresh worker
            return "the code or the installed packages changed since the worker started"
        return None


def serve(folder: Path) -> tuple[dict[str, Any], list[int]] | int:
    """The worker's loop: import, listen, fork a child per command. Returns in the child
    (the command's request and the caller's stream descriptors); in the worker once it
    stops (SIGTERM, SIGINT or SIGHUP, its supervisor gone, or its code stale), its exit
    code."""
    from v2_backfill.cli.entry import configure_logging

    configure_logging(debug=False)  # as the CLI does before Prefect is imported
    environment = relevant_environment(os.environ)
    _preload()
    fingerprint = code_fingerprint(project_root(), sys.path[1:])
    wakeup, woken = os.pipe()
    os.set_blocking(woken, False)
    signal.set_wakeup_fd(woken)
    signal.signal(signal.SIGCHLD, lambda signum, frame: None)
    listener = _listen(folder / SOCKET_NAME)
    worker = _Worker(folder, fingerprint, environment, listener, wakeup)
    for signum in FORWARDED:
        signal.signal(signum, lambda signum, frame: worker.stopping.append(signum))
    parent = os.getppid()
    while not worker.stopping and not worker.stale and os.getppid() == parent:
        taken = _serve_once(worker)
        if taken is not None:
            return taken
        _reap(worker)
    _stop(worker)
    return STALE_EXIT if worker.stale else 0


def _preload() -> None:
    """Import what the commands that run flows import (the gate's Great Expectations too)."""
    for module in PRELOAD:
        importlib.import_module(module)
    from v2_backfill.quality import gate

    gate.import_gx()
    sys.stdout.flush()
    sys.stderr.flush()


def _listen(path: Path) -> socket.socket:
    """A socket listening at `path`, put there at once (a caller never finds half of it)."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    staging = path.with_name(f".{path.name}.{os.getpid()}")
    staging.unlink(missing_ok=True)
    listener.bind(str(staging))
    listener.listen(16)
    staging.rename(path)
    return listener


def _serve_once(
    worker: _Worker, *, accepting: bool = True
) -> tuple[dict[str, Any], list[int]] | None:
    """Wait (up to a second) for a caller (unless not `accepting`), a caller that went away
    or a child that ended; in a child just forked, its request."""
    callers = {conn: pid for pid, conn in worker.children.items() if conn is not None}
    listening = [worker.listener] if accepting else []
    readable, _, _ = select.select([*listening, worker.wakeup, *callers], [], [], 1.0)
    for ready in readable:
        if ready == worker.wakeup:
            os.read(worker.wakeup, 4096)
        elif ready is worker.listener:
            taken = _accept(worker)
            if taken is not None:
                return taken
        else:  # a caller sends nothing after its request: readable means it is gone
            pid = callers[ready]
            _kill(pid, signal.SIGKILL)
            ready.close()
            worker.children[pid] = None
    return None


def _accept(worker: _Worker) -> tuple[dict[str, Any], list[int]] | None:
    """Take one caller's request: answer a ping, refuse, or fork the command's child."""
    conn, _ = worker.listener.accept()
    fds: list[int] = []
    try:
        conn.settimeout(5.0)
        data, fds, _, _ = socket.recv_fds(conn, REQUEST_BYTES, 3)
        request = json.loads(data)
        if request.get("ping"):
            _send(conn, {"pid": os.getpid(), "served": worker.served, "since": worker.since})
            refusal: str | None = "ping"
        else:
            refusal = worker.refusal(request) if len(fds) == 3 else "no standard streams"
            if refusal is not None:
                _send(conn, {"refused": refusal})
    except (OSError, ValueError) as exc:
        refusal = f"an unreadable request: {exc}"
    if refusal is not None:
        conn.close()
        _close(fds)
        return None
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        os.close(signal.set_wakeup_fd(-1))
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.close(worker.wakeup)
        worker.listener.close()
        for other in worker.children.values():
            if other is not None:
                other.close()
        conn.close()
        return request, fds
    _close(fds)
    worker.children[pid] = conn
    worker.served += 1
    try:
        _send(conn, {"pid": pid})
    except OSError:  # the caller went away already
        _kill(pid, signal.SIGKILL)
    return None


def _reap(worker: _Worker) -> None:
    """Collect the children that ended and report each one's exit status to its caller."""
    while worker.children:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        conn = worker.children.pop(pid, None)
        if conn is None:
            continue
        code = os.waitstatus_to_exitcode(status)
        try:
            _send(conn, {"exit": code} if code >= 0 else {"signal": -code})
        except OSError:
            pass
        conn.close()


def _stop(worker: _Worker) -> None:
    """Stop serving: no new caller finds the socket; the commands running get SIGTERM (they
    stop cleanly, as on a Ctrl-C), and those still running after `STOP_GRACE_SECONDS`
    SIGKILL. A stale worker lets them finish instead."""
    path = worker.folder / SOCKET_NAME
    try:
        if os.stat(path).st_ino == os.fstat(worker.listener.fileno()).st_ino:
            path.unlink()
    except OSError:
        pass
    worker.listener.close()
    if worker.stale:
        while worker.children:
            _serve_once(worker, accepting=False)  # a caller gone still takes its command
            _reap(worker)
        return
    for signum, grace in ((signal.SIGTERM, STOP_GRACE_SECONDS), (signal.SIGKILL, 5.0)):
        for pid in worker.children:
            _kill(pid, signum)
        deadline = time.monotonic() + grace
        while worker.children and time.monotonic() < deadline:
            _reap(worker)
            time.sleep(0.1)


def become_caller(request: dict[str, Any], fds: list[int]) -> None:
    """In a child just forked: take the caller's standard streams, folder, environment,
    umask, arguments and signal dispositions, in a session of its own."""
    os.setsid()
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
    _close(fds)
    os.chdir(request["cwd"])
    os.umask(request["umask"])
    os.environ.clear()
    os.environ.update(request["env"])
    time.tzset()
    sys.argv = [request["argv0"], *request["argv"]]
    for signum in FORWARDED:
        signal.signal(signum, signal.SIG_DFL)
    root = logging.getLogger()
    for handler in list(root.handlers):  # the worker's; the command sets up its own
        root.removeHandler(handler)
    ignored = request["sigint_ignored"]
    signal.signal(signal.SIGINT, signal.SIG_IGN if ignored else signal.default_int_handler)
    sys.stdout.reconfigure(line_buffering=os.isatty(1))  # as a new interpreter would
    sys.stderr.reconfigure(line_buffering=True)


def _send(conn: socket.socket, message: dict[str, Any]) -> None:
    conn.send(json.dumps(message).encode())


def _kill(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except OSError:
        pass


def _close(fds: list[int]) -> None:
    for fd in fds:
        try:
            os.close(fd)
        except OSError:
            pass


def main(folder: Path) -> int:
    """`python -m v2_backfill.warm DIR`: serve; in a command's child, run the command."""
    taken = serve(folder)
    if isinstance(taken, int):
        return taken
    request, fds = taken
    become_caller(request, fds)
    from v2_backfill.cli.entry import run

    code = run(request["argv"])
    _exit(code)


def _exit(code: int) -> NoReturn:
    """End the command's child as the interpreter ends a process (its other threads waited
    for, then the exit handlers: Prefect sends its last logs), without the interpreter's
    teardown of every module and object the worker imported (about a second)."""
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and not thread.daemon:
            thread.join()
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
