"""The member's orders: list, read one, cancel (points and stock come back)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from mall.api.app import entrypoint, make_app
from mall.api.auth import member
from mall.api.models import Cursor, Id, Limit, Page
from mall.auth.tokens import Principal
from mall.observability import logger, metrics
from mall.services.order_views import OrderView
from mall.services.orders import cancel, member_order, member_orders

router = APIGatewayHttpRouter()


@router.get("/orders", summary="My orders, newest first", tags=["orders"])
def get_orders(
    who: Annotated[Principal, Depends(member)], limit: Limit = 20, cursor: Cursor = None
) -> Page[OrderView]:
    items, next_cursor = member_orders(who.subject, limit, cursor)
    return Page[OrderView](items=items, next_cursor=next_cursor)


@router.get("/orders/<orderId>", summary="One of my orders", tags=["orders"])
def get_order(orderId: Id, who: Annotated[Principal, Depends(member)]) -> OrderView:
    return member_order(who.subject, orderId)


@router.post("/orders/<orderId>/cancel", summary="Cancel before shipping", tags=["orders"])
def post_cancel(orderId: Id, who: Annotated[Principal, Depends(member)]) -> OrderView:
    order = cancel(who.subject, orderId)
    logger.info("order cancelled", extra={"memberId": who.subject, "orderId": orderId})
    metrics.add_metric(name="OrdersCancelled", unit="Count", value=1)
    return order


app = make_app(router)
lambda_handler = entrypoint(app)
