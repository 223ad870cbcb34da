"""Route dependencies that authenticate the caller: `who: Annotated[Principal, Depends(member)]`."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.request import Request

from mall.auth.tokens import Principal, Role, verify
from mall.errors import Forbidden, Unauthenticated


def _principal(request: Request) -> Principal:
    header = request.headers.get("authorization") or request.headers.get("Authorization") or ""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("missing bearer token")
    return verify(token.strip())


def _require(request: Request, *roles: Role) -> Principal:
    principal = _principal(request)
    if principal.role not in roles:
        raise Forbidden(f"requires role {' or '.join(r.value for r in roles)}")
    return principal


def member(request: Request) -> Principal:
    return _require(request, Role.MEMBER)


def service(request: Request) -> Principal:
    return _require(request, Role.SERVICE)


def admin(request: Request) -> Principal:
    return _require(request, Role.ADMIN)


def anyone(request: Request) -> Principal:
    return _principal(request)
