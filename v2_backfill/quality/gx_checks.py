"""A Great Expectations expectation for the gate's custom checks that runs each query once.

GX's `UnexpectedRowsExpectation` runs its query twice, once to count the unexpected rows and
once to fetch them; over a million staged rows every check then costs double.
`ExpectNoUnexpectedRows` counts and samples in one query: the first `SAMPLE` rows, each with
`COUNT(*) OVER ()` of them all. Its result has the same shape (`observed_value`: how many;
`details.unexpected_rows`: the sample). Importing this module imports GX: only the gate does,
and only when it runs.
"""

from __future__ import annotations

from typing import Any, ClassVar

import sqlalchemy as sa
from great_expectations.core.metric_domain_types import MetricDomainTypes
from great_expectations.execution_engine import SqlAlchemyExecutionEngine
from great_expectations.expectations.core.unexpected_rows_expectation import (
    UnexpectedRowsExpectation,
)
from great_expectations.expectations.metrics.metric_provider import metric_value
from great_expectations.expectations.metrics.query_metric_provider import QueryMetricProvider

from v2_backfill.quality import EXAMPLES as SAMPLE

_TOTAL = "v2_backfill_unexpected_total"


class UnexpectedRowsSample(QueryMetricProvider):
    """Metric: how many rows an unexpected-rows query returns, and the first `SAMPLE` of them."""

    metric_name = "v2_backfill_unexpected_rows.sample"
    value_keys = ("unexpected_rows_query",)
    query_param_name: ClassVar[str] = "unexpected_rows_query"

    @metric_value(engine=SqlAlchemyExecutionEngine)
    def _sqlalchemy(
        cls,
        execution_engine: SqlAlchemyExecutionEngine,
        metric_domain_kwargs: dict,
        metric_value_kwargs: dict,
        metrics: dict[str, Any],
        runtime_configuration: dict,
    ) -> dict[str, Any]:
        batch, _, _ = execution_engine.get_compute_domain(
            metric_domain_kwargs, domain_type=MetricDomainTypes.TABLE
        )
        query = cls._get_substituted_batch_subquery_from_query_and_batch_selectable(
            query=cls._get_query_from_metric_value_kwargs(metric_value_kwargs),
            batch_selectable=batch,
            execution_engine=execution_engine,
        )
        sampled = (
            f"SELECT * FROM (SELECT u.*, COUNT(*) OVER () AS {_TOTAL} FROM ({query}) AS u) "
            f"AS s LIMIT {SAMPLE}"
        )
        rows = execution_engine.execute_query(sa.text(sampled)).fetchall()
        return {
            "count": int(rows[0]._mapping[_TOTAL]) if rows else 0,
            "rows": [{k: v for k, v in row._asdict().items() if k != _TOTAL} for row in rows],
        }


class ExpectNoUnexpectedRows(UnexpectedRowsExpectation):
    """The query returns no row; like `UnexpectedRowsExpectation`, with one query, not two."""

    metric_dependencies: ClassVar[tuple[str, ...]] = (UnexpectedRowsSample.metric_name,)

    def _validate(
        self,
        metrics: dict,
        runtime_configuration: dict | None = None,
        execution_engine: Any = None,
    ) -> dict[str, Any]:
        sample = metrics[UnexpectedRowsSample.metric_name]
        return {
            "success": sample["count"] == 0,
            "result": {
                "observed_value": sample["count"],
                "details": {"unexpected_rows": sample["rows"]},
            },
        }
