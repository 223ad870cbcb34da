"""The front gate every HTTP request passes before routing: who may call the route, then a JSON body.

Run before powertools' resolver so that a missing token is 401 and a wrong role 403 whatever the body
says (the resolver validates bodies before route dependencies run), and so that no body, however odd,
reaches a JSON parser that could fail with anything but a 400."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from aws_lambda_powertools.event_handler import content_types

from mall.auth.tokens import Role, verify
from mall.errors import DomainError, Forbidden, Unauthenticated, ValidationFailed

PUBLIC = frozenset({"POST /auth/login", "GET /openapi.json"})
SERVICE_ROUTES = frozenset({"POST /earn", "POST /orders/{orderId}/payment"})
ANY_ROLE_ROUTES = frozenset({"GET /products", "GET /products/{sku}", "GET /flash-sales"})


def required_roles(route_key: str) -> frozenset[Role] | None:
    """The contract's roles per route (API.md); None for public routes."""
    if route_key in PUBLIC:
        return None
    path = route_key.partition(" ")[2]
    if path.startswith("/admin/"):
        return frozenset({Role.ADMIN})
    if route_key in SERVICE_ROUTES:
        return frozenset({Role.SERVICE})
    if route_key in ANY_ROLE_ROUTES:
        return frozenset(Role)
    return frozenset({Role.MEMBER})


def _authorize(event: dict[str, Any], headers: dict[str, str]) -> None:
    roles = required_roles(str(event.get("routeKey", "")))
    if roles is None:
        return
    scheme, _, token = headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("missing bearer token")
    if verify(token.strip()).role not in roles:
        raise Forbidden(f"requires role {' or '.join(sorted(r.value for r in roles))}")


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


def _error(exc: DomainError) -> dict[str, Any]:
    return {
        "statusCode": exc.status,
        "headers": {"Content-Type": content_types.APPLICATION_JSON},
        "body": json.dumps({"error": {"code": exc.code, "message": exc.message}}, ensure_ascii=False),
        "isBase64Encoded": False,
    }


def admit(event: dict[str, Any]) -> dict[str, Any] | None:
    """Normalise the event in place; answer the error response if the request may not go on."""
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    try:
        _authorize(event, headers)
        body = _json_body(event)
    except DomainError as refused:
        return _error(refused)
    # The API speaks only JSON: whatever content type came with a body, it is read as JSON.
    if body.strip():
        headers["content-type"] = content_types.APPLICATION_JSON
    event["headers"], event["body"], event["isBase64Encoded"] = headers, body, False
    return None
