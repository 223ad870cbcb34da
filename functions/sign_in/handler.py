"""POST /sign-in: the daily sign-in with its streak reward."""

from __future__ import annotations

from mall.api.access import MEMBER, Caller, Routes
from mall.api.app import entrypoint, make_app
from mall.api.wire.members import SignInResultView
from mall.domain.rate_limits import Limited
from mall.observability import logger, metrics
from mall.services.earning import daily_sign_in
from mall.services.rate_limits import charge_alone

routes = Routes()


@routes.post("/sign-in", allow=MEMBER, limit=Limited.SIGN_IN, summary="Daily sign-in", tags=["member"])
def post_sign_in(who: Caller) -> SignInResultView:
    result = daily_sign_in(who.subject)
    logger.info("signed in", extra={"memberId": who.subject, "streak": result.streak})
    metrics.add_metric(name="SignIns", unit="Count", value=1)
    return SignInResultView.of(result)


lambda_handler = entrypoint(make_app(routes, count_refused=charge_alone))
