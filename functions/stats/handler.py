"""GET /admin/stats: daily statistics per business day and the points all members hold now.

Answered from the aggregates the stream aggregator keeps (one BatchGetItem per 100 days), never from
the ledger."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from mall.api.access import ADMIN, Routes
from mall.api.app import entrypoint, make_app
from mall.api.wire.common import Day
from mall.api.wire.stats import StatsView
from mall.services.stats import daily_stats

routes = Routes()


@routes.get(
    "/admin/stats",
    allow=ADMIN,
    summary="Daily statistics and outstanding points",
    description="`from` no later than `to`, and at most 366 dates from one to the other, both ends "
    "included (otherwise 400 VALIDATION_ERROR).",
    tags=["admin"],
)
def get_stats(
    from_: Annotated[
        Day | None, Query(alias="from", description="first business day, YYYY-MM-DD (default: `to`)")
    ] = None,
    to: Annotated[Day | None, Query(description="last business day, YYYY-MM-DD (default: today)")] = None,
) -> StatsView:
    return StatsView.of(daily_stats(from_, to))


lambda_handler = entrypoint(make_app(routes))
