"""POST /earn: the merchant's back end reports a purchase, task or campaign event."""

from __future__ import annotations

from typing import Annotated, Self

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import Field, model_validator

from mall.api.app import entrypoint, make_app
from mall.api.auth import service
from mall.api.models import ID_PATTERN, WireModel
from mall.auth.tokens import Principal
from mall.domain.earning import EarnKind
from mall.observability import logger, metrics
from mall.services.earning import EarnRequest, award
from mall.services.views import EarnResultView

router = APIGatewayHttpRouter()


class EarnBody(WireModel):
    member_id: str = Field(pattern=ID_PATTERN)
    event_id: str = Field(min_length=1, max_length=128)
    kind: EarnKind
    amount_fen: int | None = Field(default=None, ge=1, le=10_000_000_000, strict=True)
    category: str | None = Field(default=None, min_length=1, max_length=64)
    points: int | None = Field(default=None, ge=1, le=10_000_000, strict=True)
    note: str | None = Field(default=None, max_length=256)

    @model_validator(mode="after")
    def _amount_or_points(self) -> Self:
        if self.kind is EarnKind.PURCHASE and self.amount_fen is None:
            raise ValueError("amountFen is required for kind PURCHASE")
        if self.kind is not EarnKind.PURCHASE and self.points is None:
            raise ValueError(f"points is required for kind {self.kind.value}")
        return self


@router.post("/earn", summary="Award points for a purchase, task or campaign", tags=["service"])
def post_earn(body: EarnBody, caller: Annotated[Principal, Depends(service)]) -> EarnResultView:
    result = award(EarnRequest(merchant=caller.subject, **body.model_dump()))
    logger.info(
        "earn", extra={"memberId": body.member_id, "eventId": body.event_id, "awarded": result.awarded}
    )
    metrics.add_metric(name="PointsAwarded", unit="Count", value=0 if result.replayed else result.awarded)
    return result


app = make_app(router)
lambda_handler = entrypoint(app)
