"""Lucky draws: the admin's PUT /admin/draws/{drawId}, the list, and a draw with each prize's chance now."""

from __future__ import annotations

from mall import clock
from mall.api.access import ADMIN, ANY_ROLE, Caller, Routes
from mall.api.app import entrypoint, make_app
from mall.api.cursor import paged
from mall.api.wire.common import Cursor, Id, Limit, Page
from mall.api.wire.draws import DrawBody, DrawSummaryView, DrawView
from mall.observability import logger
from mall.services.draws import get_draw, list_draws, put_draw

routes = Routes()


@routes.get("/draws", allow=ANY_ROLE, summary="Lucky draws, latest start first", tags=["draws"])
def get_draws(who: Caller, limit: Limit = 20, cursor: Cursor = None) -> Page[DrawSummaryView]:
    found, next_cursor = paged(who.subject, "draws", cursor, lambda at: list_draws(limit, at))
    now = clock.now()
    return Page[DrawSummaryView](items=[DrawSummaryView.of(d, now) for d in found], next_cursor=next_cursor)


@routes.get("/draws/<drawId>", allow=ANY_ROLE, summary="A draw with each prize's chance now", tags=["draws"])
def get_one(drawId: Id) -> DrawView:
    return DrawView.of_standing(get_draw(drawId), clock.now())


@routes.put("/admin/draws/<drawId>", allow=ADMIN, summary="Create or replace a lucky draw", tags=["admin"])
def put_one(drawId: Id, body: DrawBody, who: Caller) -> DrawView:
    standing = put_draw(body.draw(drawId), who.actor)
    logger.info("draw put", extra={"drawId": drawId, "admin": who.subject})
    return DrawView.of_standing(standing, clock.now())


lambda_handler = entrypoint(make_app(routes))
