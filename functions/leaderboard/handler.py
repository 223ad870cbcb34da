"""GET /leaderboard: the top ten by points earned this week or month, and the caller's own rank."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from mall.api.access import MEMBER, Caller, Routes
from mall.api.app import entrypoint, make_app
from mall.api.wire.leaderboard import LeaderboardView
from mall.domain.leaderboard import Period
from mall.services.leaderboard import board

routes = Routes()

PeriodQuery = Annotated[Period, Query(description="the calendar week (from Monday) or month, business time")]


@routes.get("/leaderboard", allow=MEMBER, summary="Top ten by points earned, and my rank", tags=["member"])
def get_leaderboard(who: Caller, period: PeriodQuery = Period.WEEK) -> LeaderboardView:
    return LeaderboardView.of(board(who.subject, period))


lambda_handler = entrypoint(make_app(routes))
