"""The text rules in child processes beside the database (`v2_backfill.rules_process`): the
same rows as in the parent, on both dialects, with chunks that cut timelines anywhere; a
child that dies fails the step and leaves nothing; Ctrl-C in the parent ends the children."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.factory import AppDatabase
from tests.test_partitions import stage_attribution
from tests.test_sync_decisions import DIALECTS, generated
from v2_backfill import backfill
from v2_backfill.config import BackfillConfig
from v2_backfill.db import Database, open_database
from v2_backfill.rules_process import RulesProcessError, can_fork
from v2_backfill.runs import FAILPOINT_ENV

CHUNK = 37
"""Rows per chunk: a prime, so chunks end in the middle of timelines, conversations, runs."""


def rules_children() -> list[multiprocessing.process.BaseProcess]:
    return [p for p in multiprocessing.active_children() if p.name == "v2-backfill-rules"]


@contextmanager
def staged(app: AppDatabase) -> Iterator[Database]:
    """`app` staged for the text rules, its adapter open."""
    db = open_database(app.target)
    try:
        with db.begin() as conn:
            db.ensure_bookkeeping(conn)
        backfill.stage_messages(db, BackfillConfig(target=app.target))
        yield db
    finally:
        db.dispose()


@pytest.fixture
def generated_app(request, tmp_path) -> Iterator[AppDatabase]:
    pg = lambda: request.getfixturevalue("pg_database")  # noqa: E731
    with generated(request.param, tmp_path, pg, "rules_process") as app:
        app.create_v2_tables()
        yield app


def test_this_machine_can_start_the_children():
    assert can_fork()  # two cores and fork: otherwise the tests below test the parent only


@pytest.mark.parametrize("generated_app", DIALECTS, indirect=True)
def test_the_child_decides_as_the_parent(generated_app):
    app = generated_app
    beside = BackfillConfig(target=app.target, chunk_size=CHUNK)
    here = BackfillConfig(target=app.target, chunk_size=CHUNK, rules_process=False)
    seen: set[int] = set()

    def progress(done: int, total: int) -> None:
        seen.update(p.pid for p in rules_children())

    with staged(app) as db:
        decided_here = backfill.attribute_bucket(db, here, 0, 1, progress)
        in_parent = stage_attribution(app)
        assert not seen
        decided_beside = backfill.attribute_bucket(db, beside, 0, 1, progress)
    assert len(seen) == 2  # two children did the work
    assert decided_here == decided_beside == len(in_parent) > 10 * CHUNK
    assert stage_attribution(app) == in_parent
    assert {row[2] for row in in_parent} >= {"address_mention", "topic_run", None}
    assert not rules_children()


@pytest.mark.sqlite
def test_a_child_that_dies_fails_the_step_and_leaves_nothing(app, monkeypatch):
    from tests.test_partitions import scenario

    scenario(app)
    app.create_v2_tables()
    config = BackfillConfig(target=app.target, chunk_size=4)
    with staged(app) as db:
        monkeypatch.setenv(FAILPOINT_ENV, "rules-process")  # the child SIGKILLs itself
        with pytest.raises(RulesProcessError, match=r"ended before .* \(exit code -9\)"):
            backfill.attribute_bucket(db, config, 0, 1)
        monkeypatch.delenv(FAILPOINT_ENV)
        assert stage_attribution(app) == []  # rolled back
        assert not rules_children()
        assert backfill.attribute_bucket(db, config, 0, 1) > 0  # and the next try works


@pytest.mark.sqlite
def test_ctrl_c_in_the_parent_ends_the_children(app):
    from tests.test_partitions import scenario

    scenario(app)
    app.create_v2_tables()
    config = BackfillConfig(target=app.target, chunk_size=4)
    children: list[multiprocessing.process.BaseProcess] = []

    def interrupt(done: int, total: int) -> None:
        children.extend(rules_children())
        raise KeyboardInterrupt

    with staged(app) as db, pytest.raises(KeyboardInterrupt):
        backfill.attribute_bucket(db, config, 0, 1, interrupt)
    assert children and all(child.exitcode is not None for child in children)
    assert not rules_children()
    assert stage_attribution(app) == []
