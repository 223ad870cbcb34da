"""POST /orders/{orderId}/payment: the merchant reports the cash part of a points + cash order."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import Field

from mall.api.app import entrypoint, make_app
from mall.api.auth import service
from mall.api.models import Id, WireModel
from mall.auth.tokens import Principal
from mall.observability import logger
from mall.services.order_views import OrderView
from mall.services.orders import pay

router = APIGatewayHttpRouter()


class PaymentBody(WireModel):
    transaction_id: str = Field(min_length=1, max_length=128)


@router.post("/orders/<orderId>/payment", summary="Record the cash payment", tags=["service"])
def post_payment(orderId: Id, body: PaymentBody, who: Annotated[Principal, Depends(service)]) -> OrderView:
    order = pay(orderId, body.transaction_id)
    logger.info("order paid", extra={"orderId": orderId, "status": order.status})
    return order


app = make_app(router)
lambda_handler = entrypoint(app)
