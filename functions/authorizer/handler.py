"""AuthorizerFunction: the HTTP API's Lambda authorizer (payload 2.0, simple responses), in front of every
route but the public ones. It verifies the bearer token and lets the request through with its verdict
(`mall.auth.verdict`): the route's function answers 401/403 in the contract's error shape."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from mall.auth import verdict
from mall.observability import logger, observed


@observed
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    found = verdict.of_header(headers.get("authorization"))
    if "error" in found:
        logger.info("token refused", extra={"route": event.get("routeKey"), "reason": found["error"]})
    return {"isAuthorized": True, "context": found}
