"""POST /sign-in: the daily sign-in with its streak reward."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from mall.api.app import entrypoint, make_app
from mall.api.auth import member
from mall.auth.tokens import Principal
from mall.observability import logger, metrics
from mall.services.earning import daily_sign_in
from mall.services.views import SignInResultView

router = APIGatewayHttpRouter()


@router.post("/sign-in", summary="Daily sign-in", tags=["member"])
def post_sign_in(who: Annotated[Principal, Depends(member)]) -> SignInResultView:
    result = daily_sign_in(who.subject)
    logger.info("signed in", extra={"memberId": who.subject, "streak": result.streak})
    metrics.add_metric(name="SignIns", unit="Count", value=1)
    return result


app = make_app(router)
lambda_handler = entrypoint(app)
