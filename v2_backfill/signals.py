"""Ctrl-C and SIGTERM: the first one stops the command cleanly, later ones wait for it.

`interruptible()` turns the first SIGINT or SIGTERM into `Interrupted` (a KeyboardInterrupt,
so whatever already stops on Ctrl-C — Prefect's engine marking its flow run Crashed, a
transaction rolling back, `serve` pausing its schedules — stops on SIGTERM alike). Every
later signal is swallowed while the command cleans up, so no second traceback interrupts the
cleanup; if the cleanup takes longer than `CLEANUP_SECONDS` the process exits anyway with the
signal's exit code (128 + its number: 130 for SIGINT, 143 for SIGTERM).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from v2_backfill.config import DatabaseTarget
from v2_backfill.db import open_database
from v2_backfill.errors import LockTimeout, RunInProgress, V2BackfillError
from v2_backfill.lock import run_lock

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)

CLEANUP_SECONDS = 30.0
"""How long a command may clean up after the first signal before it exits regardless."""


class Interrupted(KeyboardInterrupt):
    """The command was stopped by a signal (SIGINT or SIGTERM)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def name(self) -> str:
        """The signal's name, e.g. `SIGINT`."""
        return signal.Signals(self.signum).name

    @property
    def exit_code(self) -> int:
        """The shell's code of a process ended by this signal: 130 (SIGINT), 143 (SIGTERM)."""
        return 128 + self.signum

    def describe(self) -> str:
        """What happened, in one line."""
        return (
            f"interrupted by {self.name}: the command stopped; a run it started is recorded as "
            "interrupted, and publishing is one transaction, so nothing is half-published"
        )


class Stopped(V2BackfillError):
    """The CLI's error for a command stopped by a signal: exit 130 (SIGINT) or 143 (SIGTERM)."""

    def __init__(self, interrupted: Interrupted) -> None:
        super().__init__(interrupted.describe())
        self.exit_code = interrupted.exit_code


@contextmanager
def interruptible() -> Iterator[None]:
    """Within the block, the first SIGINT or SIGTERM raises `Interrupted` in the main thread;
    later ones are swallowed (and end the process after `CLEANUP_SECONDS`), also after the
    block, while the command reports how it stopped. A SIGINT that the process inherited as
    ignored (a background job of a shell) stays ignored. Without a signal, the previous
    handlers are back once the block is left."""
    first: list[Interrupted] = []

    def stop(signum: int, frame: FrameType | None) -> None:
        if first:  # already stopping: let the cleanup finish
            return
        first.append(Interrupted(signum))
        _exit_after(CLEANUP_SECONDS, first[0])
        raise first[0]

    previous = {}
    for signum in STOP_SIGNALS:
        if signal.getsignal(signum) is signal.SIG_IGN:
            continue
        previous[signum] = signal.signal(signum, stop)
    try:
        yield
    finally:
        if not first:
            for signum, handler in previous.items():
                signal.signal(signum, handler)


def _exit_after(seconds: float, stopped: Interrupted) -> None:
    """End the process with the signal's exit code unless it has ended within `seconds`."""

    def exit_now() -> None:
        print(f"v2-backfill: error: {stopped.describe()} (cleanup cut short after {seconds:g}s)",
              file=sys.stderr)  # fmt: skip
        sys.stderr.flush()
        os._exit(stopped.exit_code)

    timer = threading.Timer(seconds, exit_now)
    timer.daemon = True
    timer.start()


def stopped(interrupted: Interrupted, target: DatabaseTarget | None) -> Stopped:
    """The error to report for a command stopped by `interrupted`, once the runs it left
    `running` on `target` (its database, None when it records no runs) are marked
    `interrupted`: as the holder of the run lock marks them (see `v2_backfill.lock`). Nothing
    is marked where no run ever started, or while another run holds the lock (it will)."""
    if target is not None:
        db = open_database(target)
        try:
            if db.has_bookkeeping():
                with run_lock(db):
                    pass
        except (RunInProgress, LockTimeout):
            pass
        finally:
            db.dispose()
    return Stopped(interrupted)
