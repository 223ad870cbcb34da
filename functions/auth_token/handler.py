"""POST /auth/token: the merchant's back end exchanges its client credentials for a service token."""

from __future__ import annotations

from mall.api.access import PUBLIC, Routes
from mall.api.app import entrypoint, make_app
from mall.api.wire.clients import TokenBody, TokenView
from mall.observability import logger, metrics
from mall.services.clients import token_for

routes = Routes()


@routes.post("/auth/token", allow=PUBLIC, summary="Service token by client credentials", tags=["auth"])
def post_token(body: TokenBody) -> TokenView:
    issued = token_for(body.client_id, body.client_secret)
    logger.info("service token issued", extra={"clientId": body.client_id})
    metrics.add_metric(name="ServiceTokens", unit="Count", value=1)
    return TokenView.of(issued)


lambda_handler = entrypoint(make_app(routes))
