"""The front gate every HTTP request passes before routing: who may call the route, then a JSON body.

Run before powertools' resolver so that a missing token is 401 and a wrong role 403 whatever the body
says (the resolver validates bodies before route dependencies run), and so that no body, however odd,
reaches a JSON parser that could fail with anything but a 400. The roles come from the routes'
own declarations (`mall.api.access`); the token was verified once, by the Lambda authorizer in front of
every protected route (`mall.auth.verdict`), whose verdict arrives in the request context. A protected
route reached without one (a route deployed without the authorizer) is refused: the gate never trusts
a bare header."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools.event_handler import content_types

from mall.api.access import Access
from mall.auth import verdict
from mall.auth.tokens import Principal
from mall.errors import Forbidden, Unauthenticated, ValidationFailed


def _access(event: Mapping[str, Any], policy: Mapping[str, Access]) -> Access | None:
    """The route's declared access: by API Gateway's route key, or by method and path should the route
    key not name a declared route (say a catch-all route in front), so no path slips past the gate."""
    declared = policy.get(str(event.get("routeKey", "")))
    if declared is not None:
        return declared
    http = (event.get("requestContext") or {}).get("http") or {}
    wanted = f"{http.get('method', '')} {event.get('rawPath', '')}"
    for route_key, access in policy.items():
        pattern = re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(route_key))
        if re.fullmatch(pattern, wanted):
            return access
    return None


def _principal(access: Access | None, event: Mapping[str, Any]) -> Principal | None:
    if access is None or access.public:
        return None
    found = ((event.get("requestContext") or {}).get("authorizer") or {}).get("lambda")
    if not isinstance(found, Mapping):
        raise Unauthenticated("no verdict from the authorizer")
    principal = verdict.principal(found)
    if principal.role not in access.roles:
        raise Forbidden(f"requires role {' or '.join(sorted(r.value for r in access.roles))}")
    return principal


def _json_body(event: dict[str, Any]) -> str:
    """The body as JSON text; API Gateway base64-encodes bodies it takes for binary."""
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        try:
            body = base64.b64decode(body).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise ValidationFailed("body: not UTF-8 JSON") from exc
    if body.strip():
        try:
            json.loads(body)
        except (ValueError, RecursionError) as exc:  # malformed, too deep, or an integer too long
            raise ValidationFailed("body: malformed JSON") from exc
    return str(body)


def admit(event: dict[str, Any], policy: Mapping[str, Access]) -> Principal | None:
    """Check the caller against the route's declared roles and normalise the event in place.

    Returns the verified principal (None on a public route); raises the DomainError to answer."""
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    principal = _principal(_access(event, policy), event)
    body = _json_body(event)
    # The API speaks only JSON: whatever content type came with a body, it is read as JSON.
    if body.strip():
        headers["content-type"] = content_types.APPLICATION_JSON
    event["headers"], event["body"], event["isBase64Encoded"] = headers, body, False
    return principal
