"""The member's orders: list, read one, cancel (points and stock come back)."""

from __future__ import annotations

from mall.api.access import MEMBER, Caller, Routes
from mall.api.app import entrypoint, make_app
from mall.api.cursor import paged
from mall.api.wire.common import Cursor, Id, Limit, Page
from mall.api.wire.orders import OrderView
from mall.observability import logger, metrics
from mall.services.orders import cancel, member_order, member_orders

routes = Routes()


@routes.get("/orders", allow=MEMBER, summary="My orders, newest first", tags=["orders"])
def get_orders(who: Caller, limit: Limit = 20, cursor: Cursor = None) -> Page[OrderView]:
    found, next_cursor = paged(
        who.subject, "orders", cursor, lambda at: member_orders(who.subject, limit, at)
    )
    return Page[OrderView](items=[OrderView.of(o) for o in found], next_cursor=next_cursor)


@routes.get("/orders/<orderId>", allow=MEMBER, summary="One of my orders", tags=["orders"])
def get_order(orderId: Id, who: Caller) -> OrderView:
    return OrderView.of(member_order(who.subject, orderId))


@routes.post("/orders/<orderId>/cancel", allow=MEMBER, summary="Cancel before shipping", tags=["orders"])
def post_cancel(orderId: Id, who: Caller) -> OrderView:
    order = cancel(who.subject, orderId)
    logger.info("order cancelled", extra={"memberId": who.subject, "orderId": orderId})
    metrics.add_metric(name="OrdersCancelled", unit="Count", value=1)
    return OrderView.of(order)


lambda_handler = entrypoint(make_app(routes))
