"""POST /redemptions: spend points on a product (Idempotency-Key required)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import Field

from mall.api.app import entrypoint, make_app
from mall.api.auth import member
from mall.api.idempotency import IdempotencyKey
from mall.api.models import WireModel
from mall.auth.tokens import Principal
from mall.observability import logger, metrics
from mall.services.order_views import OrderView
from mall.services.redemption import RedeemRequest, redeem

router = APIGatewayHttpRouter()


class RedeemBody(WireModel):
    sku: str = Field(min_length=1, max_length=64)
    quantity: int = Field(ge=1, le=100, strict=True)
    address: str | None = Field(default=None, max_length=500)


@router.post("/redemptions", summary="Redeem points for a product", tags=["member"], status_code=201)
def post_redemption(
    body: RedeemBody, key: IdempotencyKey, who: Annotated[Principal, Depends(member)]
) -> OrderView:
    order = redeem(RedeemRequest(who.subject, body.sku, body.quantity, body.address, key))
    logger.info("redeemed", extra={"memberId": who.subject, "orderId": order.order_id, "sku": body.sku})
    metrics.add_metric(name="PointsRedeemed", unit="Count", value=order.points_spent)
    return order


app = make_app(router)
lambda_handler = entrypoint(app)
