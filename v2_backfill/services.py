"""The services a command needs besides the database, made ready before any work: the
Prefect API its flows report to (`v2_backfill.prefect_server`) and the Dask scheduler of
`--dask-address`. One that does not answer is refused at once (exit 2), not after the run."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from v2_backfill import warm
from v2_backfill.errors import ServiceUnreachable, UsageError
from v2_backfill.prefect_server import LocalServer, ServerSettings, prefect_api

FLOW_COMMANDS = frozenset({"backfill", "sync", "validate", "serve", "demo", "review-apply"})
"""The commands that run Prefect flows (a backfill's `--dry-run` runs none)."""

WARM_COMMANDS = FLOW_COMMANDS - {"serve"}
"""The commands the background server's warm worker may run (`serve` runs for days)."""

CONNECT_TIMEOUT = 3.0
"""Seconds a Dask scheduler has to accept a TCP connection."""

DASK_PORT = 8786
"""A Dask scheduler's port when the address names none."""


@contextmanager
def ready(
    command: str,
    *,
    dask_address: str | None = None,
    dry_run: bool = False,
    environ: Mapping[str, str] = os.environ,
) -> Iterator[None]:
    """For the block: the Dask scheduler of `dask_address` accepts connections, and a
    command that runs flows has its Prefect API answering (see `prefect_server.prefect_api`).
    Raises ServiceUnreachable before the block otherwise."""
    if dask_address is not None and not dry_run:
        check_dask(dask_address)
    if command not in FLOW_COMMANDS or dry_run:
        yield
        return
    with prefect_api(ServerSettings.from_environ(environ)):
        yield


def run_warm(
    command: str, argv: list[str], *, dry_run: bool, environ: Mapping[str, str] = os.environ
) -> int | None:
    """Run `argv` in the background server's warm worker when the command runs flows and
    uses that server (started first if needed, kept from idling out meanwhile); its exit
    code, or None when it runs in this process instead (see `v2_backfill.warm`)."""
    if command not in WARM_COMMANDS or dry_run:
        return None
    settings = ServerSettings.from_environ(environ)
    if settings.api_url is not None or settings.mode != "background" or not settings.warm_worker:
        return None
    with LocalServer(settings).used():
        return warm.delegate(argv, settings.state_dir)


def check_dask(address: str, timeout: float = CONNECT_TIMEOUT) -> None:
    """Raise ServiceUnreachable unless the Dask scheduler at `address` (`tcp://HOST:PORT`,
    `tls://…`, or `HOST:PORT`) accepts a TCP connection within `timeout` seconds."""
    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    try:
        host, port = parts.hostname, parts.port or DASK_PORT
    except ValueError as exc:
        raise UsageError(f"--dask-address {address!r} is not HOST:PORT: {exc}") from None
    if not host:
        raise UsageError(f"--dask-address {address!r} names no host", hint="e.g. tcp://HOST:8786")
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as exc:
        reason = exc.strerror or str(exc) or type(exc).__name__
        raise ServiceUnreachable(
            f"the Dask scheduler at --dask-address {address} does not answer: {reason} "
            f"(waited up to {timeout:g}s)",
            hint="start it (`dask scheduler`) or fix the address; without --dask-address the "
            "text rules run on Prefect's thread pool",
        ) from None


def server_command(action: str, environ: Mapping[str, str] = os.environ) -> dict[str, Any]:
    """`v2-backfill server status|start|stop`: the local background Prefect server."""
    server = LocalServer(ServerSettings.from_environ(environ))
    if action == "stop":
        return server.stop()
    if action == "start":
        with server.used():  # counts as a use: its idle period starts now
            pass
    return server.status()
