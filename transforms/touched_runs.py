"""Which topic runs a sync's changes touch, and the context the text rules need to decide
them as a reading of the whole thread does.

A sync stages, around the changes of a shared conversation, the stretches between silences
longer than the thread window that hold them (a run never spans one), with messages before
(`sql/common/scope_changes.sql`). Read in thread order, those messages are cut into runs by
the backfill's own `RunCutter`; a run (or a capped run's piece) holding a change is placed
again whole — the quarantined messages its new evidence now places included — and the
`CONTEXT_MESSAGES` messages before it are fed as context only: the threshold and the rhythm
read the last `RECENT_GAPS` gaps, nothing older. Every other message is left as placed.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from itertools import groupby
from typing import NamedTuple

from transforms.attribution import RECENT_GAPS, RunCutter

CONTEXT_MESSAGES = RECENT_GAPS + 1
"""The messages before a run that hold the gaps its cuts and rhythm read."""


class ThreadTime(NamedTuple):
    """A message the text rules would read in a conversation a sync staged around its changes."""

    conversation_id: str
    message_id: str
    created_at_ms: int
    changed: bool
    """One of the sync's changes (else staged only to find its runs)."""


class RunRole(NamedTuple):
    """How the text rules read a message kept: placed again, or context only; `starts_run`:
    a run starts there (the first of a touched run, and of a context after a message left)."""

    message_id: str
    context_only: bool
    starts_run: bool


def touched_runs(messages: Iterable[ThreadTime], window_ms: int) -> Iterator[RunRole]:
    """The messages to keep of `messages` (in thread order), with their role (see the module
    docstring); the others are left as placed. Holds one run and `CONTEXT_MESSAGES`."""
    for _, thread in groupby(messages, key=lambda m: m.conversation_id):
        yield from _conversation(thread, window_ms)


def _conversation(thread: Iterable[ThreadTime], window_ms: int) -> Iterator[RunRole]:
    cutter = RunCutter(window_ms)
    before: deque[str] = deque(maxlen=CONTEXT_MESSAGES)
    run: list[ThreadTime] = []
    for message in thread:
        cut = cutter.starts_run(message.created_at_ms)
        cutter.take(message.created_at_ms, starts_run=cut)
        if cut and run:
            yield from _kept(run, before)
            run = []
        run.append(message)
    yield from _kept(run, before)


def _kept(run: list[ThreadTime], before: deque[str]) -> Iterator[RunRole]:
    """A run's messages and its context when a change touches it (then `before` empties: what
    follows has the run as its context), else none (the run joins `before`). A context starts
    a run in the reading: it follows a run that ended, or messages left out."""
    if not any(m.changed for m in run):
        before.extend(m.message_id for m in run)
        return
    for i, message_id in enumerate(before):
        yield RunRole(message_id, True, i == 0)
    before.clear()
    for i, message in enumerate(run):
        yield RunRole(message.message_id, False, i == 0)
