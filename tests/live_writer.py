"""The old app, writing: a separate process that commits legacy changes until told to stop.

    python -m tests.live_writer --db URL --stats FILE [--interval SECONDS] [--seed N]

Every `--interval` it commits one change, each in its own transaction as the app's Prisma
does, through the plain driver (never the pipeline's code): a new message in a random
conversation (half of the changes), a read receipt of an unread message, or a content edit,
each bumping `updatedAt` as Prisma does. It prints `ready` once it has committed its first
change; on SIGTERM it stops and writes to FILE how many changes of each kind it committed,
the ids it wrote, how long its commits took (the slowest is how long the pipeline held it),
and every error.
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import sqlite3
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from v2_backfill.config import parse_database_url

BUSY_TIMEOUT_MS = 5000
"""How long the app waits for a lock before its write fails."""

_EPOCH = datetime(1970, 1, 1)


_stopping: list[int] = []
"""Set by SIGTERM: the writer finishes the change it is making, then stops."""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--stats", required=True, type=Path)
    parser.add_argument("--interval", type=float, default=0.005)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda signum, frame: _stopping.append(signum))
    app = _App(args.db)
    rng = random.Random(args.seed)
    stats: dict[str, Any] = {"new": [], "read": [], "edited": [], "errors": [], "seconds": []}
    while not _stopping:
        _one_change(app, rng, stats)
        if len(stats["seconds"]) == 1:
            print("ready", flush=True)
        time.sleep(args.interval)
    args.stats.write_text(json.dumps(stats), encoding="utf-8")


def _one_change(app: _App, rng: random.Random, stats: dict[str, Any]) -> None:
    kind = rng.choices(("new", "read", "edited"), weights=(5, 4, 1))[0]
    if kind == "read" and not app.unread:
        kind = "new"
    start = time.perf_counter()
    try:
        stats[kind].append(getattr(app, kind)(rng))
    except Exception as exc:  # the app's write failed: the test says which and why
        stats["errors"].append(f"{kind}: {exc}")
    stats["seconds"].append(round(time.perf_counter() - start, 4))


class _App:
    """The app's writes, in the dialect's encoding (SQLite: epoch ms and 0/1)."""

    def __init__(self, url: str) -> None:
        target = parse_database_url(url)
        self.sqlite = target.dialect == "sqlite"
        if self.sqlite:
            self.conn: Any = sqlite3.connect(target.sqlite_path, isolation_level=None)
            self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self.mark = "?"
        else:
            import psycopg

            plain = target.sqlalchemy_url.replace("postgresql+psycopg://", "postgresql://", 1)
            schema = target.app_schema or "public"
            self.conn = psycopg.connect(plain, autocommit=True, options=f"-csearch_path={schema}")
            self.mark = "%s"
        self.conversations = self._all(
            'SELECT c.id, t."agentId", t."clientId" FROM conversations AS c '
            'JOIN timelines AS t ON t.id = c."timelineId"'
        )
        self.unread = [row[0] for row in self._all('SELECT id FROM messages WHERE NOT "isRead"')]
        self.messages = [row[0] for row in self._all("SELECT id FROM messages")]
        self.count = 0

    def _all(self, query: str) -> list[tuple]:
        return list(self.conn.execute(query).fetchall())

    def _now(self) -> Any:
        ms = int(datetime.now(UTC).timestamp() * 1000)
        return ms if self.sqlite else _EPOCH + timedelta(milliseconds=ms)

    def _write(self, statement: str, *values: Any) -> None:
        self.conn.execute(statement.replace("?", self.mark), values)

    def new(self, rng: random.Random) -> str:
        conversation, agent, client = rng.choice(self.conversations)
        from_client = rng.random() < 0.5
        self.count += 1
        message = f"clive{self.count:0>20}"[:25]
        now = self._now()
        self._write(
            'INSERT INTO messages (id, "conversationId", "senderId", "senderType", content, '
            '"isRead", "createdAt", "updatedAt") VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
            message, conversation, client if from_client else agent,
            "client" if from_client else "agent", f"live message {self.count}",
            0 if self.sqlite else False, now, now,
        )  # fmt: skip
        self.unread.append(message)
        self.messages.append(message)
        return message

    def read(self, rng: random.Random) -> str:
        message = self.unread.pop(rng.randrange(len(self.unread)))
        now = self._now()
        self._write(
            'UPDATE messages SET "isRead" = ?, "readAt" = ?, "updatedAt" = ? WHERE id = ?',
            1 if self.sqlite else True, now, now, message,
        )  # fmt: skip
        return message

    def edited(self, rng: random.Random) -> str:
        message = rng.choice(self.messages)
        self._write(
            "UPDATE messages SET content = content || ?, \"updatedAt\" = ? WHERE id = ?",
            " (edited)", self._now(), message,
        )  # fmt: skip
        return message


def start(
    python: str, url: str, stats: Path, interval: float = 0.005
) -> Callable[[], dict[str, Any]]:
    """Start the writer as a subprocess (a change every `interval` seconds), wait until it
    has committed a change, and return the function that stops it and returns its stats."""
    import subprocess

    process = subprocess.Popen(
        [
            python,
            "-m",
            "tests.live_writer",
            "--db",
            url,
            "--stats",
            str(stats),
            "--interval",
            str(interval),
        ],  # fmt: skip
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if line.strip() != "ready":
        process.kill()
        raise RuntimeError(f"the writer did not start: {line!r}")

    def stop() -> dict[str, Any]:
        process.terminate()
        process.wait(timeout=30)
        return json.loads(stats.read_text(encoding="utf-8"))

    return stop


if __name__ == "__main__":
    main()
