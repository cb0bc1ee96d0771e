"""The text rules beside the database: child processes run `ThreadAttributor`s on the rows
their parent streams, while the parent reads the next chunk and loads the placements (the
rules' Python and the database's statements overlap on two cores).

The parent deals the timelines to the children in turn, each with its properties and
activity as the parent's `TimelineFeed`s give them; the attributor's decisions depend on one
timeline's rows only, so they are the same as in one process (`tests/test_rules_process.py`).
Two children, not one (`CHILDREN`). Memory stays bounded: `AHEAD` + 1 chunks' rows at most
on their way to each child, with their timelines' feeds. A child shares nothing else with the
parent: it never touches the inherited database connections (`gc.freeze`; it ends by
`os._exit`), ignores Ctrl-C (the parent ends it) and ends when the parent's end of its pipe
closes. A failure in a child is raised in the parent as `RulesProcessError`.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import queue
import signal
import threading
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from multiprocessing.connection import Connection
from multiprocessing.reduction import ForkingPickler
from typing import Any

from transforms.attribution import (
    Activity,
    ActivityOf,
    PropertiesOf,
    SharedMessage,
    ThreadAttributor,
    TimelineFeed,
    TimelineProperty,
)
from v2_backfill.runs import failpoint

MakeAttributor = Callable[[PropertiesOf, ActivityOf], ThreadAttributor]
"""Builds the attributor of a bucket from its feeds of properties and activity."""

Decided = Iterator[Sequence[tuple]]
"""The placements of each chunk in turn, then the attributor's last ones (`finish`):
`Placement`s, or plain tuples from a child process."""

CHILDREN = 2
"""Child processes of a bucket's rules where `can_fork`: on two cores, two are faster than
one (the parent's reads and loads are lighter than the rules; BENCHMARKS.md)."""

AHEAD = 2
"""Chunks sent to a child before the placements of the first of them are taken."""


class RulesProcessError(RuntimeError):
    """The text rules' child process failed or ended before its work was done."""


def can_fork() -> bool:
    """Whether this process may start the rules' children: two cores at least, `fork` on
    this platform, and not a daemonic process (a Dask worker's may have no children)."""
    return (
        len(os.sched_getaffinity(0)) >= 2
        and "fork" in multiprocessing.get_all_start_methods()
        and not multiprocessing.current_process().daemon
    )


def shared_messages(
    rows: Iterable[Sequence[Any]], to_ms: Callable[[Any], int]
) -> Iterator[SharedMessage]:
    """The `SharedMessage`s of rows of `pending_shared_messages.sql`."""
    for (
        message_id,
        conversation_id,
        timeline_id,
        created,
        content,
        context_only,
        starts_run,
    ) in rows:
        yield SharedMessage(message_id, conversation_id, timeline_id, to_ms(created),
                            content or "", bool(context_only), bool(starts_run))  # fmt: skip


def decide(
    chunks: Iterable[Sequence[Sequence[Any]]],
    properties: Iterable[TimelineProperty],
    activity: Iterable[Activity],
    make: MakeAttributor,
    to_ms: Callable[[Any], int],
    children: int = 0,
) -> Decided:
    """The placements of each chunk of message rows of a bucket, then the attributor's last
    ones: in this process (`children` 0), or in `children` child processes (`can_fork` must
    hold), the timelines dealt to them in turn, each chunk sent before the placements of the
    ones before it are taken, so the children decide while the caller loads them and reads
    on."""
    properties_of, activity_of = TimelineFeed(properties), TimelineFeed(activity)
    if not children:
        attributor = make(properties_of, activity_of)
        for rows in chunks:
            yield attributor.feed(shared_messages(rows, to_ms))
        yield attributor.finish()
        return
    context = multiprocessing.get_context("fork")
    started: list[_Child] = []
    finished = False
    try:
        for _ in range(children):
            started.append(_Child(context, make, to_ms, started))
        yield from _deal(chunks, properties_of, activity_of, started)
        finished = True
    finally:
        for child in started:
            child.end(finished)


def _deal(
    chunks: Iterable[Sequence[Sequence[Any]]],
    properties_of: PropertiesOf,
    activity_of: ActivityOf,
    children: list[_Child],
) -> Decided:
    """Deal each chunk's timelines to `children` in turn, each timeline's rows with its
    properties and activity in the chunk of its first messages; the placements as they come."""
    timeline_id, owner = None, -1
    for chunk in chunks:
        parts: list[list[tuple]] = [[] for _ in children]
        feeds: list[dict[str, tuple]] = [{} for _ in children]
        for row in map(tuple, chunk):
            if row[2] != timeline_id:  # the next timeline: to the next child, with its rows
                timeline_id, owner = row[2], (owner + 1) % len(children)
                feeds[owner][timeline_id] = (properties_of(timeline_id),
                                             activity_of(timeline_id))  # fmt: skip
            parts[owner].append(row)
        for child, rows, fed in zip(children, parts, feeds, strict=True):
            if rows:
                yield from child.send((rows, fed))
    for child in children:
        yield from child.send(None)
    for child in children:
        yield from child.rest()


class _Child:
    """One child process deciding the timelines it is sent, with its pipes and sender."""

    def __init__(
        self,
        context: Any,
        make: MakeAttributor,
        to_ms: Callable[[Any], int],
        siblings: Sequence[_Child] = (),
    ) -> None:
        task_reader, task_writer = context.Pipe(duplex=False)
        self._results, result_writer = context.Pipe(duplex=False)
        self._task_writer = task_writer
        # the parent's ends of its pipes and of the `siblings'` pipes, closed in the child: each
        # child sees the parent's end close when the parent ends, whatever another child does
        ends = [task_writer, self._results]
        ends += [end for child in siblings for end in child._parents_ends()]
        self._process = context.Process(
            target=_serve,
            args=(task_reader, result_writer, ends, make, to_ms),
            name="v2-backfill-rules",
            daemon=True,
        )
        # Ctrl-C held back while the child starts, until it ignores it: the parent ends it
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            self._process.start()
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
        task_reader.close()
        result_writer.close()
        self._sender = _Sender(task_writer)
        self._waiting = 0  # tasks sent whose placements are not taken yet

    def send(self, task: Any) -> Iterator[list[tuple]]:
        """Send a task (a chunk's rows and their timelines' feeds, or None for the end);
        yield the placements of the oldest one once more than `AHEAD` wait."""
        self._sender.send(task)
        self._waiting += 1
        if self._waiting > AHEAD:
            self._waiting -= 1
            yield self._receive()

    def rest(self) -> Iterator[list[tuple]]:
        """The placements still to come, the attributor's last ones among them."""
        while self._waiting:
            self._waiting -= 1
            yield self._receive()

    def end(self, finished: bool) -> None:
        """Wait for the child to end (`finished`), or end it."""
        if not finished:  # stopped or failed: what the child still does is of no use
            self._process.terminate()
        self._results.close()
        self._sender.close()  # a send the child no longer reads fails once it has ended
        self._process.join()
        self._sender.join()

    def _parents_ends(self) -> tuple[Connection, Connection]:
        return self._task_writer, self._results

    def _receive(self) -> list[tuple]:
        try:
            kind, value = self._results.recv()
        except EOFError:
            self._process.join(timeout=10)
            raise RulesProcessError(
                f"the text rules' process ended before its work was done (exit code "
                f"{self._process.exitcode})"
            ) from None
        if kind == "error":
            raise RulesProcessError(f"the text rules' process failed: {value}")
        return value


class _Sender:
    """Writes to a pipe from a thread of its own, `AHEAD` items waiting at most, so that
    neither side blocks writing while the other blocks writing what it has not read yet, and
    the writer goes on working meanwhile (each item is pickled by the caller, so the thread
    only writes, without the GIL). After a failed write (the reader gone) it drops what it is
    given; the other side learns of the end from its own pipe."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._waiting: queue.Queue[Any] = queue.Queue(maxsize=AHEAD)
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="v2-backfill-rules-sender",
                                        daemon=True)  # fmt: skip
        self._thread.start()

    def send(self, item: Any) -> None:
        self._waiting.put(ForkingPickler.dumps(item))

    def close(self) -> None:
        """Stop after what waits (a chunk the child may never read is dropped once it ends)."""
        if not self._closed:
            self._closed = True
            self._waiting.put(_STOP)

    def join(self) -> None:
        self._thread.join()
        self._connection.close()

    def _run(self) -> None:
        broken = False
        while (item := self._waiting.get()) is not _STOP:
            if not broken:
                try:
                    self._connection.send_bytes(item)
                except OSError:
                    broken = True


_STOP = object()


class _Sent:
    """The child's feeds: each timeline's properties and activity as the chunk of its first
    messages brought them, given once (the attributor asks for a timeline's properties, then
    its activity, as its messages begin), so that only in-flight timelines are held."""

    def __init__(self) -> None:
        self._held: dict[str, tuple[list[TimelineProperty], list[Activity]]] = {}

    def add(self, feeds: dict[str, tuple[list[TimelineProperty], list[Activity]]]) -> None:
        self._held.update(feeds)

    def properties(self, timeline_id: str) -> list[TimelineProperty]:
        return self._held[timeline_id][0]

    def activity(self, timeline_id: str) -> list[Activity]:
        return self._held.pop(timeline_id)[1]


def _serve(
    tasks: Connection,
    results: Connection,
    parents_ends: Sequence[Connection],
    make: MakeAttributor,
    to_ms: Callable[[Any], int],
) -> None:
    """The child: decide each chunk it is sent, send back its placements as plain tuples."""
    gc.freeze()  # what it inherited (the parent's connections among it) is never finalised here
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    for end in parents_ends:
        end.close()
    sent = _Sent()
    attributor = make(sent.properties, sent.activity)
    sender = _Sender(results)
    try:
        while (task := tasks.recv()) is not None:
            failpoint("rules-process")
            rows, feeds = task
            sent.add(feeds)
            placed = attributor.feed(shared_messages(rows, to_ms))
            sender.send(("placed", list(map(tuple, placed))))
        sender.send(("placed", list(map(tuple, attributor.finish()))))
    except EOFError:  # the parent is gone
        pass
    except BaseException as error:  # noqa: BLE001 - every failure is the parent's to raise
        sender.send(("error", traceback.format_exception_only(error)[-1].strip()))
    finally:
        sender.close()
        sender.join()
        os._exit(0)
