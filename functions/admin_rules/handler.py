"""GET|PUT /admin/rules: the earn/spend rules, validated whole, in force without a deploy."""

from __future__ import annotations

from mall.api.access import ADMIN, Caller, Routes
from mall.api.app import entrypoint, make_app
from mall.domain.rules import Rules
from mall.observability import logger
from mall.services import rules

routes = Routes()


@routes.get("/admin/rules", allow=ADMIN, summary="The rules in force", tags=["admin"])
def get_rules() -> Rules:
    return rules.current()


@routes.put("/admin/rules", allow=ADMIN, summary="Replace the rules document", tags=["admin"])
def put_rules(body: Rules, who: Caller) -> Rules:
    logger.info("rules replaced", extra={"admin": who.subject})
    return rules.replace(body)


lambda_handler = entrypoint(make_app(routes))
