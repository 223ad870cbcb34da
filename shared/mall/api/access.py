"""Who may call a route, declared once, on the route itself.

`Routes` records each route's roles (and whether it takes an Idempotency-Key) as the route is
registered; the front gate, OpenAPI's security and the idempotent-route list are all read from these
records. The gate verifies the token once and hands the principal to the route as `Caller`.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.request import Request
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from mall.api.idempotency import idempotency_key
from mall.auth.tokens import Principal, Role
from mall.domain.rate_limits import Limited

F = TypeVar("F", bound=Callable[..., Any])

PUBLIC: frozenset[Role] = frozenset()  # no token asked for
MEMBER = frozenset({Role.MEMBER})
SERVICE = frozenset({Role.SERVICE})
ADMIN = frozenset({Role.ADMIN})
ADMIN_OR_SERVICE = frozenset({Role.ADMIN, Role.SERVICE})
ANY_ROLE = frozenset(Role)

PRINCIPAL = "principal"  # the resolver-context key the gate puts the verified caller under


@dataclass(frozen=True)
class Access:
    roles: frozenset[Role]  # empty: a public route
    idempotent: bool  # takes an Idempotency-Key header
    limited: Limited | None = None  # rate limited per member (429 RATE_LIMITED)

    @property
    def public(self) -> bool:
        return not self.roles


def caller(request: Request) -> Principal:
    """The principal the gate verified for this request (it verified the token once, before routing)."""
    principal = request.context.get(PRINCIPAL)
    if not isinstance(principal, Principal):
        raise RuntimeError("route reached without passing the gate")
    return principal


Caller = Annotated[Principal, Depends(caller)]


def api_path(rule: str) -> str:
    """powertools' `/orders/<orderId>` -> API Gateway's `/orders/{orderId}`."""
    return re.sub(r"<(\w+)>", r"{\1}", rule)


def _takes_idempotency_key(func: Callable[..., Any]) -> bool:
    for hint in typing.get_type_hints(func, include_extras=True).values():
        for meta in getattr(hint, "__metadata__", ()):
            if isinstance(meta, Depends) and meta.dependency is idempotency_key:
                return True
    return False


class Routes:
    """A powertools router whose every route says who may call it: `@routes.post(path, allow=MEMBER)`."""

    def __init__(self) -> None:
        self.router = APIGatewayHttpRouter()
        self.access: dict[str, Access] = {}

    def get(self, rule: str, *, allow: frozenset[Role], **options: Any) -> Callable[[F], F]:
        return self._route("GET", rule, allow, options)

    def post(
        self, rule: str, *, allow: frozenset[Role], limit: Limited | None = None, **options: Any
    ) -> Callable[[F], F]:
        """`limit`: the route is rate limited per member as that kind of request (its use case counts)."""
        return self._route("POST", rule, allow, options, limit)

    def put(self, rule: str, *, allow: frozenset[Role], **options: Any) -> Callable[[F], F]:
        return self._route("PUT", rule, allow, options)

    def delete(self, rule: str, *, allow: frozenset[Role], **options: Any) -> Callable[[F], F]:
        return self._route("DELETE", rule, allow, options)

    def _route(
        self,
        method: str,
        rule: str,
        allow: frozenset[Role],
        options: dict[str, Any],
        limit: Limited | None = None,
    ) -> Callable[[F], F]:
        def register(func: F) -> F:
            route_key = f"{method} {api_path(rule)}"
            if route_key in self.access:
                raise ValueError(f"{route_key} is declared twice")
            self.access[route_key] = Access(allow, _takes_idempotency_key(func), limit)
            if allow:
                roles = ", ".join(sorted(r.value for r in allow))
                options["description"] = f"{options.get('description') or ''} Roles: {roles}.".strip()
                options.setdefault("security", [{"bearerAuth": []}])
            return self.router.route(rule, method, **options)(func)

        return register
