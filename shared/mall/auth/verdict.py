"""The authorizer's verdict on a bearer token, as API Gateway hands it to the route's function.

The Lambda authorizer (`AuthorizerFunction`) verifies the token and always lets the request through
with its verdict in the context: the principal (`sub`, `role`, `exp`), or why there is none (`error`).
It never refuses a request itself, because API Gateway would then answer in its own shape
(`{"message": "Forbidden"}`), not the contract's; the function's gate turns the verdict into the
principal, or into 401 `UNAUTHENTICATED` / 403 `FORBIDDEN` in the contract's error shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mall import clock
from mall.auth.tokens import Principal, Role, verify_until
from mall.errors import Unauthenticated

Verdict = dict[str, str | int]  # what API Gateway accepts as an authorizer context: flat, simple values


def of_header(authorization: str | None) -> Verdict:
    """Verify `Authorization: Bearer <token>`; the verdict carries the principal or the reason."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return {"error": "missing bearer token"}
    try:
        principal, expires = verify_until(token.strip())
    except Unauthenticated as refused:
        return {"error": refused.message}
    return {"sub": principal.subject, "role": principal.role.value, "exp": expires}


def principal(verdict: Mapping[str, Any]) -> Principal:
    """The principal a verdict names, or `Unauthenticated` with the authorizer's reason.

    The expiry is checked again here: a verdict may be served from API Gateway's cache after the
    token it was made for has expired."""
    if "error" in verdict:
        raise Unauthenticated(str(verdict["error"]))
    try:
        subject, role, expires = str(verdict["sub"]), Role(verdict["role"]), int(verdict["exp"])
    except (KeyError, TypeError, ValueError) as exc:
        raise Unauthenticated("malformed authorizer verdict") from exc
    if expires <= clock.now().timestamp():
        raise Unauthenticated("token expired")
    return Principal(subject=subject, role=role)
