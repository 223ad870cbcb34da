"""Member administration: profile, freeze and unfreeze, point adjustments."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import Field, field_validator

from mall.api.app import entrypoint, make_app
from mall.api.auth import admin
from mall.api.idempotency import IdempotencyKey
from mall.api.models import Id, WireModel
from mall.auth.tokens import Principal
from mall.observability import logger
from mall.services.accounts import admin_profile
from mall.services.members import Adjustment, AdjustmentView, adjust, set_frozen
from mall.services.views import AdminProfileView

router = APIGatewayHttpRouter()


class ReasonBody(WireModel):
    reason: str = Field(min_length=1, max_length=256)


@router.get("/admin/members/<memberId>", summary="A member's profile", tags=["admin"])
def get_member(memberId: Id, who: Annotated[Principal, Depends(admin)]) -> AdminProfileView:
    return admin_profile(memberId)


@router.post("/admin/members/<memberId>/freeze", summary="Freeze an account", tags=["admin"])
def post_freeze(
    memberId: Id, body: ReasonBody, who: Annotated[Principal, Depends(admin)]
) -> AdminProfileView:
    logger.info("freeze", extra={"memberId": memberId, "admin": who.subject, "reason": body.reason})
    return set_frozen(memberId, True, body.reason)


@router.post("/admin/members/<memberId>/unfreeze", summary="Unfreeze an account", tags=["admin"])
def post_unfreeze(
    memberId: Id, body: ReasonBody, who: Annotated[Principal, Depends(admin)]
) -> AdminProfileView:
    logger.info("unfreeze", extra={"memberId": memberId, "admin": who.subject, "reason": body.reason})
    return set_frozen(memberId, False, None)


class AdjustBody(WireModel):
    delta: int = Field(ge=-100_000_000, le=100_000_000, strict=True)
    reason: str = Field(min_length=1, max_length=256)

    @field_validator("delta")
    @classmethod
    def _not_zero(cls, value: int) -> int:
        if value == 0:
            raise ValueError("must not be 0")
        return value


@router.post("/admin/members/<memberId>/adjust", summary="Add or deduct points (ADJUST)", tags=["admin"])
def post_adjust(
    memberId: Id, body: AdjustBody, key: IdempotencyKey, who: Annotated[Principal, Depends(admin)]
) -> AdjustmentView:
    result = adjust(Adjustment(who.subject, memberId, body.delta, body.reason, key))
    logger.info("adjusted", extra={"memberId": memberId, "admin": who.subject, "delta": body.delta})
    return result


app = make_app(router)
lambda_handler = entrypoint(app)
