"""POST /earn: the merchant's back end reports a purchase, task or campaign event."""

from __future__ import annotations

from mall.api.access import SERVICE, Caller, Routes
from mall.api.app import entrypoint, make_app
from mall.api.wire.members import EarnBody, EarnResultView
from mall.observability import logger, metrics
from mall.services.earning import EarnRequest, award

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


lambda_handler = entrypoint(make_app(routes))
