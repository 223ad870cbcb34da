"""GET /admin/stats: daily statistics per business day and the points all members hold now.

Answered from the aggregates the stream aggregator keeps (one BatchGetItem per 100 days), never from
the ledger."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import BeforeValidator

from mall.api.access import ADMIN, Routes
from mall.api.app import entrypoint, make_app
from mall.api.wire.stats import StatsView
from mall.services.stats import daily_stats

routes = Routes()

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _calendar_date(value: Any) -> Any:
    """Only YYYY-MM-DD: pydantic alone would also take a unix time ("0") or a datetime."""
    if isinstance(value, str) and not _ISO_DATE.fullmatch(value):
        raise ValueError("must be a date as YYYY-MM-DD")
    return value


IsoDate = Annotated[date, BeforeValidator(_calendar_date)]


@routes.get("/admin/stats", allow=ADMIN, summary="Daily statistics and outstanding points", tags=["admin"])
def get_stats(
    from_: Annotated[
        IsoDate | None, Query(alias="from", description="first business day, YYYY-MM-DD (default: `to`)")
    ] = None,
    to: Annotated[IsoDate | None, Query(description="last business day, YYYY-MM-DD (default: today)")] = None,
) -> StatsView:
    return StatsView.of(daily_stats(from_, to))


lambda_handler = entrypoint(make_app(routes))
