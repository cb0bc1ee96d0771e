"""Prefect flows and tasks: orchestration only; the work is done in v2_backfill and transforms."""
