"""Cash refunds of cancelled orders whose cash part was paid: the pending list, and the payment side's
confirmation (admin or the merchant's back end)."""

from __future__ import annotations

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler.openapi.params import Query

from mall.api.access import ADMIN_OR_SERVICE, Caller, Routes
from mall.api.app import entrypoint, make_app
from mall.api.cursor import paged
from mall.api.wire.common import Cursor, Id, Limit, Page
from mall.api.wire.orders import AdminOrderView, CashRefundBody
from mall.observability import logger, metrics
from mall.services.orders import cash_refunds_pending, confirm_cash_refund

routes = Routes()

Status = Annotated[Literal["PENDING"], Query(description="PENDING: owed back, oldest first")]


@routes.get(
    "/admin/refunds", allow=ADMIN_OR_SERVICE, summary="Cash refunds still owed, oldest first", tags=["admin"]
)
def get_refunds(
    who: Caller, status: Status = "PENDING", limit: Limit = 20, cursor: Cursor = None
) -> Page[AdminOrderView]:
    found, next_cursor = paged(
        who.subject, "refunds:pending", cursor, lambda at: cash_refunds_pending(limit, at)
    )
    return Page[AdminOrderView](items=[AdminOrderView.of(o) for o in found], next_cursor=next_cursor)


@routes.post(
    "/admin/orders/<orderId>/cash-refund",
    allow=ADMIN_OR_SERVICE,
    summary="Confirm a cancelled order's cash went back",
    tags=["admin"],
)
def post_cash_refund(orderId: Id, body: CashRefundBody, who: Caller) -> AdminOrderView:
    order = confirm_cash_refund(orderId, body.refund_id, who.actor)
    logger.info("cash refund confirmed", extra={"orderId": orderId, "by": who.subject})
    metrics.add_metric(name="CashRefundsConfirmed", unit="Count", value=1)
    return AdminOrderView.of(order)


lambda_handler = entrypoint(make_app(routes))
