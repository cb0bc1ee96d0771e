"""The text rules split into buckets of timelines: serial, on Prefect's thread pool and on a
local Dask cluster, the published result is the same row for row (both dialects)."""

from __future__ import annotations

import faulthandler
import os
import threading
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import dask
import pytest
from distributed import Client, LocalCluster, Worker, WorkerPlugin, get_task_stream

from tests.factory import HOUR, MINUTE, T0, AppDatabase
from tests.test_backfill_runs import busy_timeline
from tests.test_crash_safety import state, wipe
from tests.test_sync_decisions import DIALECTS, generated
from v2_backfill import backfill
from v2_backfill.config import BackfillConfig
from v2_backfill.db import open_database

BUCKETS = 4


def thread_window_timeline(app: AppDatabase) -> None:
    """Two houses, two shared threads: a mention, follow-ups in and out of the window, a
    switch to the other house, a message naming both."""
    agent, client, timeline = app.household()
    app.property(timeline, "1052 Cecil Ave, Louisville, KY 40211", position=1)
    app.property(timeline, "426 E Oak St, Louisville, KY 40203", position=2)
    first, second = (app.conversation(timeline, agent, client) for _ in range(2))
    app.message(first, agent, "Have a look at 1052 Cecil Ave", created=T0)
    app.message(first, client, "love the kitchen", sender_type="client", created=T0 + 30 * MINUTE)
    app.message(first, agent, "and 426 East Oak Street?", created=T0 + 40 * MINUTE)
    app.message(first, client, "even better", sender_type="client", created=T0 + 50 * MINUTE)
    app.message(first, client, "any news?", sender_type="client", created=T0 + 3 * HOUR)
    app.message(first, agent, "1052 Cecil Ave or 426 E Oak St?", created=T0 + 9 * HOUR)
    app.message(first, client, "hmm", sender_type="client", created=T0 + 9 * HOUR + 1)
    app.message(second, client, "426 e oak st, is it free?", sender_type="client", created=T0)
    app.message(second, agent, "it is", created=T0 + HOUR)


def scenario(app: AppDatabase) -> None:
    """Eight multi-property timelines with shared conversations."""
    for _ in range(4):
        busy_timeline(app)
        thread_window_timeline(app)


HUNG_S = 45
"""How long a task may run on a Dask worker before the worker writes its threads' stacks."""


class StacksOfAHungTask(WorkerPlugin):
    """On each worker: a task still executing after HUNG_S writes every thread's stack to a
    file of `folder` (from faulthandler's own thread, which works while another holds the
    GIL): a worker restarted on its missing heartbeat leaves a trace of where it stopped."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def setup(self, worker: Worker) -> None:
        self.stacks = open(self.folder / f"worker-{worker.name}-{os.getpid()}.txt", "w")

    def transition(self, key: object, start: str, finish: str, **kwargs: object) -> None:
        if finish == "executing":
            faulthandler.dump_traceback_later(HUNG_S, file=self.stacks)
        elif start == "executing":
            faulthandler.cancel_dump_traceback_later()

    def teardown(self, worker: Worker) -> None:
        faulthandler.cancel_dump_traceback_later()
        self.stacks.close()


@pytest.fixture(scope="module")
def dask_client(tmp_path_factory) -> Iterator[Client]:
    """A client of a local Dask cluster of two worker processes, closed afterwards. A worker
    that stops answering is restarted after a minute, not the default five (its task runs
    again elsewhere: a bucket run twice leaves the same rows), and the stacks of a task that
    hung end in a warning (the CI log's summary shows it)."""
    folder = tmp_path_factory.mktemp("dask-stacks")
    with (
        dask.config.set({"distributed.scheduler.worker-ttl": "60s"}),
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True) as cluster,
        Client(cluster) as client,
    ):
        client.register_plugin(StacksOfAHungTask(folder))
        yield client
    for stacks in folder.iterdir():
        if stacks.read_text():
            warnings.warn(f"a Dask task ran over {HUNG_S} s:\n{stacks.read_text()}", stacklevel=1)


def test_partitions_on_threads_and_dask_publish_the_same_rows(app, run_backfill, dask_client):
    scenario(app)
    variants = {
        "serial": {"rules_process": False},
        "serial, rules in child processes": {"chunk_size": 5},
        "threads": {"partitions": BUCKETS, "chunk_size": 5},
        "dask": {"partitions": BUCKETS, "dask_address": dask_client.scheduler.address},
    }
    results = {}
    with get_task_stream(dask_client) as on_dask:
        for name, options in variants.items():
            summary = run_backfill(app.url, **options)
            results[name] = {
                **state(app),  # lineage and quarantine without run ids, no updatedAt stamps
                "messages_v2": app.table_dump("messages_v2"),  # every column: from legacy
                "rules": summary["attribution_by_rule"],
                "reasons": summary["quarantined_by_reason"],
            }
            wipe(app)

    serial = results["serial"]
    assert serial["messages_v2"] and serial["quarantine"]
    assert {"address_mention", "topic_run"} <= set(serial["rules"])
    assert results["serial, rules in child processes"] == serial
    assert results["threads"] == serial
    assert results["dask"] == serial
    # every bucket ran on Dask (once, or again after its worker was restarted)
    ran_on_dask = {task["key"] for task in on_dask.data if "attribute_bucket" in str(task["key"])}
    assert len(ran_on_dask) == BUCKETS


def stage_attribution(app: AppDatabase) -> list[tuple]:
    """The text rules' results as loaded, ordered by message."""
    rows = app.rows("SELECT * FROM v2_backfill.stage_attribution ORDER BY message_id")
    return [tuple(row) for row in rows]


def test_a_bucket_run_twice_leaves_the_same_rows(app):
    scenario(app)
    app.create_v2_tables()
    config = BackfillConfig(target=app.target)
    db = open_database(app.target)
    try:
        with db.begin() as conn:
            db.ensure_bookkeeping(conn)
        backfill.stage_messages(db, config)
        serial = backfill.attribute_bucket(db, config, 0, 1)
        whole = stage_attribution(app)

        decided = [backfill.attribute_bucket(db, config, b, BUCKETS) for b in range(BUCKETS)]
        assert sum(decided) == serial == len(whole)
        assert sum(1 for n in decided if n) >= 2  # the timelines really are spread
        assert stage_attribution(app) == whole

        busiest = max(range(BUCKETS), key=decided.__getitem__)
        assert backfill.attribute_bucket(db, config, busiest, BUCKETS) == decided[busiest]
        assert stage_attribution(app) == whole
    finally:
        db.dispose()


def test_a_bucket_run_twice_at_once_leaves_its_rows_once(app):
    """A bucket run again while its first run still writes (a worker taken for dead goes on):
    the second waits for the first to end, then writes the bucket anew."""
    scenario(app)
    app.create_v2_tables()
    config = BackfillConfig(target=app.target, chunk_size=8)
    dbs = [open_database(app.target) for _ in range(2)]
    first_chunk = [threading.Event(), threading.Event()]

    def run(n: int) -> int:
        def progress(done: int, total: int) -> None:  # with rows written, not committed
            if not first_chunk[n].is_set():  # each run waits a while for the other to be here
                first_chunk[n].set()
                first_chunk[1 - n].wait(timeout=1)

        return backfill.attribute_bucket(dbs[n], config, 0, 1, progress)

    try:
        with dbs[0].begin() as conn:
            dbs[0].ensure_bookkeeping(conn)
        backfill.stage_messages(dbs[0], config)
        with ThreadPoolExecutor(2) as pool:
            decided = list(pool.map(run, range(2)))
        assert decided[0] == decided[1] > 0
        rows = stage_attribution(app)
        assert len(rows) == len({row[0] for row in rows}) == decided[0]
        backfill.apply_attribution(dbs[0])  # its unique index builds
    finally:
        for db in dbs:
            db.dispose()


def decisions(app: AppDatabase) -> dict[str, tuple]:
    """Per legacy message: lineage property, rule and confidence, or quarantine reason and
    detail (a low_confidence one names the best candidate, its rule and confidence)."""
    lineage = "SELECT legacy_message_id, property_id, rule, confidence FROM v2_backfill.lineage"
    quarantine = "SELECT legacy_message_id, reason, detail FROM v2_backfill.quarantine"
    placed = {r[0]: (r[1], r[2], r[3], None, None) for r in app.rows(lineage)}
    placed |= {r[0]: (None, None, None, r[1], r[2]) for r in app.rows(quarantine)}
    return placed


@pytest.mark.parametrize("dialect", DIALECTS)
def test_partitions_and_dask_decide_a_generated_database_as_one_reading(
    dialect, tmp_path, request, run_backfill, dask_client
):
    pg = lambda: request.getfixturevalue("pg_database")  # noqa: E731
    variants = {
        "serial": {"rules_process": False},
        "serial, rules in child processes": {"chunk_size": 5},
        "threads": {"partitions": BUCKETS, "chunk_size": 5},
        "dask": {"partitions": BUCKETS, "dask_address": dask_client.scheduler.address},
    }
    results, per_message = {}, {}
    with generated(dialect, tmp_path, pg, "partitioned") as app:
        for name, options in variants.items():
            run_backfill(app.url, **options)
            per_message[name] = decisions(app)
            results[name] = state(app)  # lineage (evidence too), quarantine (detail too), V2
            wipe(app)

    serial = per_message["serial"]
    fired = {rule or reason for _, rule, _, reason, _ in serial.values()}
    assert set(TEXT_RULES) <= fired, fired
    # activity_context's placements (confidence 0.85) are below the default minimum: each is
    # quarantined with it as the best candidate's rule, and compared so
    assert any("by activity_context" in (detail or "") for *_, detail in serial.values())
    for name in ("threads", "dask"):
        differ = sorted((m, serial[m], per_message[name].get(m)) for m in serial
                        if per_message[name].get(m) != serial[m])  # fmt: skip
        assert per_message[name].keys() == serial.keys() and not differ, (name, differ[:5])
        assert results[name] == results["serial"], name


TEXT_RULES = ("address_mention", "mls_mention", "listing_link", "topic_run",
              "conflicting_evidence", "low_confidence", "no_property_evidence")  # fmt: skip
"""What the text rules decide on a generated database: each rule and reason fires there."""
