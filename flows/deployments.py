"""The scheduled deployments of `incremental_sync`: `sync` and the daily `reconcile`.

`v2-backfill serve` runs them in its own process (`serve_deployments`); `prefect.yaml` at the
top of the repository declares the same two for a work pool (`prefect deploy --all`). Each
deployment has a concurrency limit of 1, and the serving process runs one flow run at a time,
so a sync and the reconcile never overlap there; the database's run lock refuses any other
run (another process, a manual `v2-backfill sync`) cleanly.
"""

from __future__ import annotations

from prefect import serve
from prefect.deployments.runner import RunnerDeployment

from flows.sync import incremental_sync
from v2_backfill import sync
from v2_backfill.config import DEFAULT_LOCK_TIMEOUT

SYNC_DEPLOYMENT = "sync"
RECONCILE_DEPLOYMENT = "reconcile"
TAGS = ["v2-backfill"]


def deployments(
    *,
    sync_cron: str = sync.SYNC_CRON,
    reconcile_cron: str = sync.RECONCILE_CRON,
    lookback: str = sync.DEFAULT_LOOKBACK,
    replace: bool = False,
    propagate_deletes: bool = False,
    lock_timeout: str = DEFAULT_LOCK_TIMEOUT,
) -> list[RunnerDeployment]:
    """The sync every `sync_cron` and the reconcile every `reconcile_cron`, one run at a time
    each. Their parameters hold no database URL: runs read $DATABASE_URL where they run."""
    common = {"lookback": lookback, "replace": replace, "lock_timeout": lock_timeout}
    return [
        incremental_sync.to_deployment(
            name=SYNC_DEPLOYMENT,
            cron=sync_cron,
            parameters=common,
            concurrency_limit=1,
            tags=TAGS,
            description="Legacy changes since the last run into V2 (v2-backfill sync).",
        ),
        incremental_sync.to_deployment(
            name=RECONCILE_DEPLOYMENT,
            cron=reconcile_cron,
            parameters={**common, "reconcile": True, "propagate_deletes": propagate_deletes},
            concurrency_limit=1,
            tags=TAGS,
            description="Every legacy message re-examined, hard deletes found "
            "(v2-backfill sync --reconcile).",
        ),
    ]


def serve_deployments(**options: object) -> None:
    """Register the deployments (`deployments(**options)`) and run their flow runs in this
    process, one at a time, until interrupted (their schedules are paused on shutdown)."""
    serve(*deployments(**options), limit=1)  # type: ignore[arg-type]
