"""POST /deductions: points as cash at the merchant's checkout (Idempotency-Key required), and
POST /deductions/{deductionId}/reverse: the points back, once."""

from __future__ import annotations

from mall.api.access import SERVICE, Caller, Routes
from mall.api.app import entrypoint, make_app
from mall.api.idempotency import IdempotencyKey
from mall.api.wire.common import Id
from mall.api.wire.deductions import DeductionBody, DeductionView
from mall.observability import logger, metrics
from mall.services.deductions import DeductRequest, deduct_points, reverse_deduction

routes = Routes()


@routes.post(
    "/deductions",
    allow=SERVICE,
    summary="Pay part of a checkout with points (积分抵扣现金)",
    tags=["service"],
    status_code=201,
)
def post_deduction(body: DeductionBody, key: IdempotencyKey, who: Caller) -> DeductionView:
    deduction = deduct_points(DeductRequest(merchant=who.subject, idempotency_key=key, **body.model_dump()))
    logger.info(
        "deducted",
        extra={"memberId": body.member_id, "deductionId": deduction.deduction_id, "points": body.points},
    )
    metrics.add_metric(name="PointsDeducted", unit="Count", value=deduction.points_spent)
    return DeductionView.of(deduction)


@routes.post(
    "/deductions/<deductionId>/reverse",
    allow=SERVICE,
    summary="Give a deduction's points back into their original lots (once)",
    tags=["service"],
)
def post_reverse(deductionId: Id, who: Caller) -> DeductionView:
    deduction = reverse_deduction(deductionId, who.subject)
    logger.info("deduction reversed", extra={"deductionId": deductionId})
    return DeductionView.of(deduction)


lambda_handler = entrypoint(make_app(routes))
