"""POST /flash-sales/{saleId}/claims: reserve a unit and queue the claim (202), answering fast."""

from __future__ import annotations

from mall.api.access import MEMBER, Caller, Routes
from mall.api.app import entrypoint, make_app
from mall.api.idempotency import IdempotencyKey
from mall.api.wire.common import Id
from mall.api.wire.flash_sales import ClaimView
from mall.domain.rate_limits import Limited
from mall.observability import logger, metrics
from mall.services.flash_sales import ClaimRequest, claim
from mall.services.rate_limits import charge_alone

routes = Routes()


@routes.post(
    "/flash-sales/<saleId>/claims",
    allow=MEMBER,
    limit=Limited.CLAIMS,
    summary="Claim a unit",
    tags=["flash-sales"],
    status_code=202,
)
def post_claim(saleId: Id, key: IdempotencyKey, who: Caller) -> ClaimView:
    queued = claim(ClaimRequest(who.subject, saleId, key))
    logger.info("claim queued", extra={"memberId": who.subject, "saleId": saleId, "claimId": queued.claim_id})
    metrics.add_metric(name="ClaimsQueued", unit="Count", value=1)
    return ClaimView.of(queued)


lambda_handler = entrypoint(make_app(routes, count_refused=charge_alone))
