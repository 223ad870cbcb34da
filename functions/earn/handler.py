"""POST /earn: the merchant's back end reports a purchase, task or campaign event; and takes back the
points of a purchase it refunded (POST /earn/{eventId}/reverse)."""

from __future__ import annotations

from mall.api.access import SERVICE, Caller, Routes
from mall.api.app import entrypoint, make_app
from mall.api.wire.members import EarnBody, EarnResultView, EventId, ReversalView, ReverseBody
from mall.observability import logger, metrics
from mall.services.earning import EarnRequest, award
from mall.services.returns import ReverseRequest, reverse_purchase

routes = Routes()


@routes.post(
    "/earn", allow=SERVICE, summary="Award points for a purchase, task or campaign", tags=["service"]
)
def post_earn(body: EarnBody, who: Caller) -> EarnResultView:
    result = award(EarnRequest(merchant=who.subject, **body.model_dump()))
    logger.info(
        "earn", extra={"memberId": body.member_id, "eventId": body.event_id, "awarded": result.awarded}
    )
    metrics.add_metric(name="PointsAwarded", unit="Count", value=0 if result.replayed else result.awarded)
    return EarnResultView.of(result)


@routes.post(
    "/earn/<eventId>/reverse",
    allow=SERVICE,
    summary="Take back the points of a refunded purchase (all of it or part)",
    tags=["service"],
)
def post_reverse(eventId: EventId, body: ReverseBody, who: Caller) -> ReversalView:
    result = reverse_purchase(ReverseRequest(merchant=who.subject, event_id=eventId, **body.model_dump()))
    logger.info(
        "purchase reversed",
        extra={"eventId": eventId, "reversed": result.reversed, "shortfall": result.shortfall},
    )
    metrics.add_metric(name="PointsReversed", unit="Count", value=0 if result.replayed else result.reversed)
    return ReversalView.of(result)


lambda_handler = entrypoint(make_app(routes))
