"""GET|PUT /admin/rules: the earn/spend rules, validated whole, versioned, in force without a deploy."""

from __future__ import annotations

from mall.api.access import ADMIN, Caller, Routes
from mall.api.app import entrypoint, make_app
from mall.api.wire.rules import RulesBody, RulesView
from mall.observability import logger
from mall.services import rules

routes = Routes()


@routes.get("/admin/rules", allow=ADMIN, summary="The rules in force and their version", tags=["admin"])
def get_rules() -> RulesView:
    return RulesView.of(rules.current())


@routes.put("/admin/rules", allow=ADMIN, summary="Replace the rules document", tags=["admin"])
def put_rules(body: RulesBody, who: Caller) -> RulesView:
    stored = rules.replace(body.rules(), body.version, who.actor)
    logger.info("rules replaced", extra={"admin": who.subject, "version": stored.version})
    return RulesView.of(stored)


lambda_handler = entrypoint(make_app(routes))
