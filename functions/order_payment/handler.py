"""POST /orders/{orderId}/payment: the merchant reports the cash part of a points + cash order."""

from __future__ import annotations

from mall.api.access import SERVICE, Routes
from mall.api.app import entrypoint, make_app
from mall.api.wire.common import Id
from mall.api.wire.orders import OrderView, PaymentBody
from mall.observability import logger
from mall.services.orders import pay

routes = Routes()


@routes.post("/orders/<orderId>/payment", allow=SERVICE, summary="Record the cash payment", tags=["service"])
def post_payment(orderId: Id, body: PaymentBody) -> OrderView:
    order = pay(orderId, body.transaction_id)
    logger.info("order paid", extra={"orderId": orderId, "status": order.status.value})
    return OrderView.of(order)


lambda_handler = entrypoint(make_app(routes))
