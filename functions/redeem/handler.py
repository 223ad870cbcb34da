"""POST /redemptions: spend points on a product (Idempotency-Key required)."""

from __future__ import annotations

from mall.api.access import MEMBER, Caller, Routes
from mall.api.app import entrypoint, make_app
from mall.api.idempotency import IdempotencyKey
from mall.api.wire.orders import OrderView, RedeemBody
from mall.domain.rate_limits import Limited
from mall.observability import logger, metrics
from mall.services.rate_limits import charge_alone
from mall.services.redemption import RedeemRequest, redeem

routes = Routes()


@routes.post(
    "/redemptions",
    allow=MEMBER,
    limit=Limited.REDEMPTIONS,
    summary="Redeem points for a product",
    tags=["member"],
    status_code=201,
)
def post_redemption(body: RedeemBody, key: IdempotencyKey, who: Caller) -> OrderView:
    order = redeem(RedeemRequest(who.subject, body.sku, body.quantity, body.address, key))
    logger.info("redeemed", extra={"memberId": who.subject, "orderId": order.order_id, "sku": body.sku})
    metrics.add_metric(name="PointsRedeemed", unit="Count", value=order.points_spent)
    return OrderView.of(order)


lambda_handler = entrypoint(make_app(routes, count_refused=charge_alone))
