"""GET /admin/risk/events: members frozen by risk control, newest first."""

from __future__ import annotations

from mall.api.access import ADMIN, Caller, Routes
from mall.api.app import entrypoint, make_app
from mall.api.cursor import paged
from mall.api.wire.common import Cursor, Limit, Page
from mall.api.wire.risk import RiskEventView
from mall.services.risk import risk_events

routes = Routes()


@routes.get(
    "/admin/risk/events", allow=ADMIN, summary="Members frozen by risk control, newest first", tags=["admin"]
)
def get_risk_events(who: Caller, limit: Limit = 20, cursor: Cursor = None) -> Page[RiskEventView]:
    found, next_cursor = paged(who.subject, "risk-events", cursor, lambda at: risk_events(limit, at))
    return Page[RiskEventView](items=[RiskEventView.of(e) for e in found], next_cursor=next_cursor)


lambda_handler = entrypoint(make_app(routes))
