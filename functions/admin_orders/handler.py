"""Fulfilment by operations staff: ship and complete orders."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import Field

from mall.api.app import entrypoint, make_app
from mall.api.auth import admin
from mall.api.models import Id, WireModel
from mall.auth.tokens import Principal
from mall.observability import logger
from mall.services.order_views import OrderView
from mall.services.orders import fulfil

router = APIGatewayHttpRouter()


class ShipBody(WireModel):
    carrier: str = Field(min_length=1, max_length=64)
    tracking_no: str = Field(min_length=1, max_length=64)


@router.post("/admin/orders/<orderId>/ship", summary="Ship a confirmed order", tags=["admin"])
def post_ship(orderId: Id, body: ShipBody, who: Annotated[Principal, Depends(admin)]) -> OrderView:
    logger.info("ship", extra={"orderId": orderId, "admin": who.subject})
    return fulfil(orderId, "ship", carrier=body.carrier, trackingNo=body.tracking_no)


@router.post("/admin/orders/<orderId>/complete", summary="Complete a shipped order", tags=["admin"])
def post_complete(orderId: Id, who: Annotated[Principal, Depends(admin)]) -> OrderView:
    logger.info("complete", extra={"orderId": orderId, "admin": who.subject})
    return fulfil(orderId, "complete")


app = make_app(router)
lambda_handler = entrypoint(app)
