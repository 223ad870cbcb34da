"""GET|PUT /admin/rules: the earn/spend rules, validated whole, in force without a deploy."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from mall import clock
from mall.api.app import entrypoint, make_app
from mall.api.auth import admin
from mall.auth.tokens import Principal
from mall.data import rules_store
from mall.domain.rules import Rules
from mall.observability import logger

router = APIGatewayHttpRouter()


@router.get("/admin/rules", summary="The rules in force", tags=["admin"])
def get_rules(who: Annotated[Principal, Depends(admin)]) -> Rules:
    return rules_store.current()


@router.put("/admin/rules", summary="Replace the rules document", tags=["admin"])
def put_rules(body: Rules, who: Annotated[Principal, Depends(admin)]) -> Rules:
    logger.info("rules replaced", extra={"admin": who.subject})
    return rules_store.replace(body, clock.now().isoformat(timespec="seconds"))


app = make_app(router)
lambda_handler = entrypoint(app)
