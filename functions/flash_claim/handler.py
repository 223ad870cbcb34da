"""POST /flash-sales/{saleId}/claims: reserve a unit and queue the claim (202), answering fast."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from mall.api.app import entrypoint, make_app
from mall.api.auth import member
from mall.api.idempotency import IdempotencyKey
from mall.api.models import Id
from mall.auth.tokens import Principal
from mall.observability import logger, metrics
from mall.services.flash_sales import ClaimRequest, ClaimView, claim

router = APIGatewayHttpRouter()


@router.post("/flash-sales/<saleId>/claims", summary="Claim a unit", tags=["flash-sales"], status_code=202)
def post_claim(saleId: Id, key: IdempotencyKey, who: Annotated[Principal, Depends(member)]) -> ClaimView:
    queued = claim(ClaimRequest(who.subject, saleId, key))
    logger.info("claim queued", extra={"memberId": who.subject, "saleId": saleId, "claimId": queued.claim_id})
    metrics.add_metric(name="ClaimsQueued", unit="Count", value=1)
    return queued


app = make_app(router)
lambda_handler = entrypoint(app)
