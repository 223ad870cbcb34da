"""POST /draws/{drawId}/spins: pay for a spin and win a prize (cost, prize and stock in one transaction)."""

from __future__ import annotations

from mall.api.access import MEMBER, Caller, Routes
from mall.api.app import entrypoint, make_app
from mall.api.idempotency import IdempotencyKey
from mall.api.wire.common import Id
from mall.api.wire.draws import SpinView
from mall.domain.rate_limits import Limited
from mall.observability import logger, metrics
from mall.services.draws import SpinRequest, spin_once
from mall.services.rate_limits import charge_alone

routes = Routes()


@routes.post(
    "/draws/<drawId>/spins",
    allow=MEMBER,
    limit=Limited.SPINS,
    summary="Spin a lucky draw",
    tags=["draws"],
    status_code=201,
)
def post_spin(drawId: Id, key: IdempotencyKey, who: Caller) -> SpinView:
    result = spin_once(SpinRequest(who.subject, drawId, key))
    logger.info(
        "spin",
        extra={"memberId": who.subject, "drawId": drawId, "spinId": result.spin_id, "prize": result.prize_id},
    )
    metrics.add_metric(name="Spins", unit="Count", value=1)
    return SpinView.of(result)


lambda_handler = entrypoint(make_app(routes, count_refused=charge_alone))
