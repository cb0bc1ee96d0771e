"""Typed configuration, resolved once from CLI flags and the environment, then passed down."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from urllib.parse import SplitResult, parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from v2_backfill.errors import UsageError

BOOKKEEPING_SCHEMA = "v2_backfill"
"""Where the pipeline keeps its own tables: a PostgreSQL schema, or the name the SQLite
sidecar file is attached under. Never part of the app's Prisma schema."""

SIDECAR_SUFFIX = ".v2_backfill.sqlite"
SNAPSHOT_SUFFIX = ".v2_backfill.snapshot"
"""A SQLite run's frozen copy of the app's file (rollback-journal mode), removed after use."""

LEGACY_COLUMNS: dict[str, tuple[str, ...]] = {
    "users": ("id",),
    "clients": ("id",),
    "timelines": ("id", "agentId", "clientId"),
    "properties": (
        "id", "timelineId", "address", "position", "createdAt", "mlsId", "listingUrl",
    ),
    "feedback": ("id", "propertyId", "clientId", "createdAt"),
    "client_analytics": ("id", "timelineId", "propertyId", "timestamp"),
    "conversations": ("id", "agentId", "clientId", "timelineId", "propertyId", "isActive"),
    "messages": (
        "id", "conversationId", "senderId", "senderType", "content",
        "isRead", "readAt", "createdAt", "updatedAt",
    ),
}  # fmt: skip
"""Legacy tables and the columns the pipeline reads. The pipeline never writes these tables."""

DEFAULT_LOCK_TIMEOUT = "30s"
"""How long a session waits for a lock another writer holds before the run gives up."""


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min|h)?\s*$")
_UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, "min": 60_000, "h": 3_600_000}


def parse_duration_ms(text: str) -> int:
    """`2h`, `90m`, `30s`, `1500ms` or a bare number of minutes, as milliseconds."""
    match = _DURATION.match(text)
    if not match:
        raise UsageError(f"not a duration: {text!r} (examples: 2h, 90m, 30s)")
    value, unit = float(match.group(1)), match.group(2) or "m"
    return int(value * _UNIT_MS[unit])


def format_duration_ms(ms: int) -> str:
    """Milliseconds in the largest unit that holds them whole (`5m`, `30s`, `1500ms`): the
    spelling `parse_duration_ms` reads back."""
    for unit in ("h", "m", "s"):
        if ms and ms % _UNIT_MS[unit] == 0:
            return f"{ms // _UNIT_MS[unit]}{unit}"
    return f"{ms}ms"


class Fallback(StrEnum):
    """What happens to a shared-conversation message no rule could place."""

    QUARANTINE = "quarantine"
    PRIMARY_PROPERTY = "primary_property"


class SqliteDatetime(StrEnum):
    """How a SQLite V2 DateTime cell is stored (Prisma's libsql adapter's `timestampFormat`)."""

    EPOCH_MS = "epoch-ms"
    """INTEGER milliseconds since 1970 UTC: Prisma 6's engine, the adapter's `unixepoch-ms`."""
    ISO8601 = "iso8601"
    """TEXT `2025-01-02T03:04:05.678+00:00`: the adapter's default, and Prisma 7's."""


@dataclass(frozen=True)
class DatabaseTarget:
    """Where the app's data lives, parsed from a SQLAlchemy or Prisma style URL."""

    dialect: str
    """`sqlite` or `postgresql`."""
    sqlalchemy_url: str
    """URL handed to SQLAlchemy: driver set, Prisma-only parameters and the password removed (a
    target is a flow parameter, which Prefect stores; `password()` gives the password)."""
    app_schema: str | None = None
    """PostgreSQL schema holding the app's tables (Prisma's `?schema=`, default `public`)."""
    sqlite_path: Path | None = None
    """Absolute path of the SQLite database file."""
    lock_timeout_ms: int = parse_duration_ms(DEFAULT_LOCK_TIMEOUT)
    """How long a session waits for a lock another writer holds: SQLite's busy timeout,
    PostgreSQL's `lock_timeout`; then the run fails (`LockTimeout`)."""
    sqlite_datetime: SqliteDatetime | None = None
    """`--sqlite-datetime`: the encoding of the SQLite V2 DateTime cells the pipeline writes;
    None: the one the app's native V2 rows hold (epoch ms when there are none). Ignored on
    PostgreSQL, whose timestamps have one encoding."""

    def __post_init__(self) -> None:
        if self.lock_timeout_ms <= 0:  # PostgreSQL would read 0 as "wait forever"
            raise UsageError(
                f"the lock timeout must be at least 1ms, got {self.lock_timeout_ms} ms",
                hint="e.g. --lock-timeout 30s",
            )

    @property
    def sidecar_path(self) -> Path | None:
        """The SQLite bookkeeping file beside the database, `<db file>.v2_backfill.sqlite`."""
        if self.sqlite_path is None:
            return None
        return self.sqlite_path.with_name(self.sqlite_path.name + SIDECAR_SUFFIX)

    def password(self) -> str | None:
        """The PostgreSQL password to connect with: the one of the URL this process parsed the
        target from, else that of $DATABASE_URL when it names the same database (a Dask worker
        on another machine); None: libpq's own $PGPASSWORD or ~/.pgpass, or none needed."""
        if self.sqlalchemy_url not in _PASSWORDS and self.dialect == "postgresql":
            environment_url = os.environ.get("DATABASE_URL", "")
            if environment_url.lower().startswith("postgres"):
                parse_database_url(environment_url)  # registers its password
        return _PASSWORDS.get(self.sqlalchemy_url)

    def describe(self) -> str:
        """A printable form without password."""
        if self.sqlite_path is not None:
            return f"sqlite {self.sqlite_path}"
        parts = urlsplit(self.sqlalchemy_url)
        host = parts.hostname or "localhost"
        port = f":{parts.port}" if parts.port else ""
        return (
            f"postgresql {parts.username or ''}@{host}{port}{parts.path} schema {self.app_schema}"
        )


def parse_postgres_url(url: str) -> DatabaseTarget:
    """`parse_database_url` of a URL that must name a PostgreSQL database."""
    target = parse_database_url(url)
    if target.dialect != "postgresql":
        raise UsageError(
            f"not a PostgreSQL URL: {url!r}", hint="use postgresql://user@host:5432/db?schema=NAME"
        )
    return target


def parse_database_url(
    url: str, *, cwd: Path | None = None, lock_timeout_ms: int = DatabaseTarget.lock_timeout_ms
) -> DatabaseTarget:
    """Parse `file:./dev.db`, `sqlite:///path`, `postgresql://…?schema=NAME` and the like."""
    url = url.strip()
    if not url:
        raise UsageError("no database given", hint="pass --db URL or set DATABASE_URL")
    base = cwd or Path.cwd()
    if url.startswith("file:"):
        return _sqlite_target(base / url[len("file:") :].split("?", 1)[0], lock_timeout_ms)
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme.startswith("sqlite"):
        path = url.split(":///", 1)[1] if ":///" in url else ""
        if not path or path.startswith(":memory:"):
            raise UsageError(f"unusable SQLite URL {url!r}", hint="name a database file")
        return _sqlite_target(base / path.split("?", 1)[0], lock_timeout_ms)
    if scheme in {"postgres", "postgresql"} or scheme.startswith("postgresql+"):
        return _postgres_target(url, lock_timeout_ms)
    raise UsageError(
        f"unknown database URL scheme {scheme or url!r}",
        hint="use file:./dev.db, sqlite:///path/to.db or postgresql://user:pw@host:5432/db",
    )


def _sqlite_target(path: Path, lock_timeout_ms: int) -> DatabaseTarget:
    path = path.resolve()
    return DatabaseTarget(
        dialect="sqlite",
        sqlalchemy_url=f"sqlite:///{path}",
        sqlite_path=path,
        lock_timeout_ms=lock_timeout_ms,
    )


def _postgres_target(url: str, lock_timeout_ms: int) -> DatabaseTarget:
    parts = urlsplit(url)
    _check_netloc(parts)
    query = parse_qsl(parts.query, keep_blank_values=True)
    schema = next((value for key, value in query if key == "schema"), "") or "public"
    if schema == BOOKKEEPING_SCHEMA:
        raise UsageError(f"the app schema cannot be {BOOKKEEPING_SCHEMA!r}: the pipeline owns it")
    kept = [(key, value) for key, value in query if key not in _PRISMA_ONLY_PARAMS]
    netloc, password = _split_password(parts.netloc)
    driver_url = urlunsplit(
        ("postgresql+psycopg", netloc, parts.path, urlencode(kept), parts.fragment)
    )
    if password:
        _PASSWORDS[driver_url] = password
    return DatabaseTarget(
        dialect="postgresql",
        sqlalchemy_url=driver_url,
        app_schema=schema,
        lock_timeout_ms=lock_timeout_ms,
    )


_PERCENT_ENCODE = (
    "percent-encode the password (# as %23, @ as %40, / as %2F, : as %3A, ? as %3F), "
    "or leave it out of the URL and use PGPASSWORD or ~/.pgpass"
)


def _check_netloc(parts: SplitResult) -> None:
    """Refuse what a raw `#` or `@` (in a password) makes of a URL, and a port that is not a
    number, naming the cause rather than the parser's symptom."""
    if parts.fragment:
        raise UsageError(
            "the database URL holds a raw '#': everything after it is cut off "
            "(a '#' in the password?)",
            hint=_PERCENT_ENCODE,
        )
    if parts.netloc.count("@") > 1:
        raise UsageError(
            "the database URL holds more than one '@' before the host (an '@' in the password?)",
            hint=_PERCENT_ENCODE,
        )
    try:
        _ = parts.port  # raises when it is not a number from 0 to 65535
    except ValueError:
        port = parts.netloc.rpartition("@")[2].rpartition(":")[2]
        raise UsageError(
            f"the database URL's port {port!r} is not a number from 0 to 65535",
            hint=f"e.g. @host:5432/db; if {port!r} is part of a password, {_PERCENT_ENCODE}",
        ) from None


_PASSWORDS: dict[str, str] = {}
"""The passwords of the PostgreSQL URLs parsed in this process, by their target's
`sqlalchemy_url`: they stay in the process, never in a flow's parameters."""


def without_password(url: str) -> str:
    """A database URL as given (Prisma's form too), its password removed."""
    netloc = urlsplit(url).netloc
    bare, password = _split_password(netloc)
    return url if password is None else url.replace(netloc, bare, 1)


def _split_password(netloc: str) -> tuple[str, str | None]:
    """`user:password@host:port` as (`user@host:port`, the decoded password or None)."""
    userinfo, at, host = netloc.rpartition("@")
    user, colon, password = userinfo.partition(":")
    return (f"{user}{at}{host}", unquote(password) if colon else None)


_PRISMA_ONLY_PARAMS = {
    "schema",
    "connection_limit",
    "pool_timeout",
    "pgbouncer",
    "statement_cache_size",
    "socket_timeout",
}


@dataclass(frozen=True)
class Tolerances:
    """The gate's configurable thresholds (every other check is hard)."""

    quarantine_warn_share: float = 0.05
    """Share of legacy messages in quarantine above which the gate warns."""
    quarantine_fail_share: float = 0.25
    """Share of legacy messages in quarantine above which the gate fails."""
    min_estimated_precision: float = 0.0
    """The gate fails when a heuristic rule's estimated precision (its audit labels' 95%
    Wilson lower bound) is below this (0: off)."""

    def __post_init__(self) -> None:
        if not 0 <= self.quarantine_warn_share <= self.quarantine_fail_share <= 1:
            raise UsageError(
                "quarantine tolerances must satisfy 0 <= warn <= fail <= 1, got "
                f"warn={self.quarantine_warn_share}, fail={self.quarantine_fail_share}",
                hint="e.g. --quarantine-warn 5% --quarantine-fail 25%",
            )


@dataclass(frozen=True)
class BackfillConfig:
    """Everything a backfill run needs to know, resolved once."""

    target: DatabaseTarget
    """The app's database."""
    thread_window_ms: int = 2 * 60 * 60 * 1000
    """The longest silence inside a topic run of a shared conversation (the upper bound of the
    threshold each conversation derives from its own gaps)."""
    min_confidence: float = 0.97
    """Text-rule placements below this confidence are quarantined (`low_confidence`); the
    default keeps precision at or above 99.5% on the generated data (BENCHMARKS.md)."""
    fallback: Fallback = Fallback.QUARANTINE
    """Where shared-conversation messages without evidence go."""
    chunk_size: int = 5000
    """Rows per chunk when shared-conversation messages are streamed to Python."""
    rules_process: bool = True
    """Whether the text rules of more than one chunk run in child processes beside the
    database's reads and writes, where two cores and `fork` allow it
    (`v2_backfill.rules_process`; the same decisions either way)."""
    tolerances: Tolerances = field(default_factory=Tolerances)
    """The data-quality gate's thresholds."""
    report_dir: Path | None = None
    """Where the run's report goes (default: reports/<run id>/)."""
    allow_extra_indexes: bool = False
    """Whether indexes Prisma does not generate may exist on the V2 tables."""
    create_missing_indexes: bool = False
    """Whether the Prisma indexes that existing V2 tables lack are created (in the publishing
    transaction); otherwise an absent optional one is only noted, any other is drift."""
    partitions: int = 1
    """Buckets of timelines the text rules are split into, one task each (1: serial)."""
    dask_address: str | None = None
    """The Dask scheduler (`tcp://host:port`) the text rules' tasks run on; None: threads."""
    replace: bool = False
    """Whether a run moves a migrated message that the rules now place in another property's
    conversation (otherwise such a re-placement is only reported)."""

    def __post_init__(self) -> None:
        if self.partitions < 1:
            raise UsageError(f"partitions must be at least 1, got {self.partitions}")

    def run_params(self) -> dict[str, object]:
        """The parameters recorded with a run (no password)."""
        return {
            "database": self.target.describe(),
            "thread_window_ms": self.thread_window_ms,
            "min_confidence": self.min_confidence,
            "fallback": str(self.fallback),
            "chunk_size": self.chunk_size,
            "partitions": self.partitions,
            "dask_address": self.dask_address,
            "replace": self.replace,
            "quarantine_warn_share": self.tolerances.quarantine_warn_share,
            "quarantine_fail_share": self.tolerances.quarantine_fail_share,
            "min_estimated_precision": self.tolerances.min_estimated_precision,
        }


def parse_report_dir(text: str) -> Path:
    """The folder a report goes to: refused when it, or a folder it would be made in, is an
    existing file (checked before any work)."""
    path = Path(text)
    existing = next((p for p in (path, *path.parents) if p.exists()), None)
    if existing is not None and not existing.is_dir():
        raise UsageError(
            f"the report folder {text!r} cannot be made: {str(existing)!r} is a file",
            hint="name a folder that does not exist yet, or an existing folder",
        )
    return path


def parse_share(text: str) -> float:
    """`5%` or `0.05` as the fraction 0.05."""
    try:
        value = float(text[:-1]) / 100 if text.strip().endswith("%") else float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 1:
        raise UsageError(f"expected a share such as 5% or 0.05, got {text!r}")
    return value


def database_url_from(cli_value: str | None, environ: dict[str, str] | None = None) -> str:
    """`--db` if given, else the app's own `DATABASE_URL`."""
    env = os.environ if environ is None else environ
    value = cli_value or env.get("DATABASE_URL", "")
    if not value:
        raise UsageError("no database given", hint="pass --db URL or set DATABASE_URL")
    return value
