"""The warm worker's process (`python -m v2_backfill.warm_worker DIR`, run by the background
server's supervisor; what it is for, and the caller's side, in `v2_backfill.warm`): import what
the commands that run flows import, listen on `DIR/warm.sock`, fork one child per command that
takes the caller's streams, folder, environment and signals, and report each child's exit
status to its caller."""

from __future__ import annotations

import atexit
import importlib
import json
import logging
import os
import select
import signal
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from v2_backfill.warm import (
    FORWARDED,
    REQUEST_BYTES,
    SOCKET_NAME,
    STALE_EXIT,
    STOP_GRACE_SECONDS,
    code_fingerprint,
    kill,
    limits,
    project_root,
    relevant_environment,
    streams,
)

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
        if request.get("streams") != streams():
            return "other encodings of the standard streams"
        if request.get("limits") != limits():
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
            kill(pid, signal.SIGKILL)
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
        kill(pid, signal.SIGKILL)
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
            kill(pid, signum)
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


def _close(fds: list[int]) -> None:
    for fd in fds:
        try:
            os.close(fd)
        except OSError:
            pass


def main(folder: Path) -> int:
    """`python -m v2_backfill.warm_worker DIR`: serve; in a command's child, run the command."""
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
