"""The exception hierarchy, and the exit code each kind of failure maps to.

Terminal failures (bad input, a database that does not have the expected shape, failed
checks) are never retried; transient ones (a connection that dropped, a lock held beyond the
timeout) are: the flows' retried tasks retry on them alone (`flows.backfill.transient_failure`).
"""

from __future__ import annotations

from typing import Any


class V2BackfillError(Exception):
    """Base of every error the CLI turns into a short message and an exit code."""

    exit_code = 2
    transient = False
    """Whether a retry may succeed where this failed (Prefect retries only those)."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint

    @property
    def message(self) -> str:
        """What went wrong, without the hint."""
        return super().__str__()

    def __str__(self) -> str:
        return f"{self.message}\n  fix: {self.hint}" if self.hint else self.message


class UsageError(V2BackfillError):
    """Invalid option values or an unusable database URL (exit 2)."""


class ConnectionFailed(V2BackfillError):
    """The database cannot be reached or refuses the login (exit 2); worth a retry."""

    transient = True


class LockTimeout(V2BackfillError):
    """Another writer held a lock the run needs for the whole lock timeout (exit 2); worth a
    retry once it has finished."""

    transient = True


class RunInProgress(V2BackfillError):
    """Another backfill or sync holds this database's run lock (exit 2)."""


class PreflightError(V2BackfillError):
    """The database does not have the tables and columns the pipeline needs (exit 3)."""

    exit_code = 3

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        listed = "\n".join(f"  - {p}" for p in problems)
        super().__init__(
            f"preflight failed, nothing was written:\n{listed}",
            hint="point --db at the app's database, or bring its schema to the Prisma shape",
        )


class DataQualityError(V2BackfillError):
    """The run's result failed its checks; nothing was published (exit 1).

    A run that was audited carries its `summary` (as recorded in the bookkeeping's `runs`
    row), so that the CLI prints it as it prints a successful run's."""

    exit_code = 1

    def __init__(
        self, message: str, *, hint: str | None = None, summary: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message, hint=hint)
        self.summary = summary


class ServiceUnreachable(V2BackfillError):
    """A service the run needs (the Prefect API, a Dask scheduler) does not answer (exit 2);
    refused before any work. Worth a retry once it runs."""

    transient = True


class DiskFull(V2BackfillError):
    """A filesystem the run writes (the database, its bookkeeping file, the report) is full
    (exit 2); nothing was published."""


def known_cause(exc: BaseException) -> V2BackfillError | None:
    """The first error in the cause chain that says what went wrong in our terms (a chain
    that loops back on itself is walked once)."""
    seen: BaseException | None = exc
    walked: set[int] = set()
    while seen is not None and id(seen) not in walked:
        if isinstance(seen, V2BackfillError):
            return seen
        walked.add(id(seen))
        seen = seen.__cause__ or seen.__context__
    return None
