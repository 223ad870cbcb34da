"""Risk control's events (GET /admin/risk/events)."""

from __future__ import annotations

from pydantic import Field

from mall.api.wire.common import WireModel
from mall.domain.calendar import iso
from mall.domain.risk import RiskEvent


class RiskEventView(WireModel):
    event_id: str
    member_id: str
    reason: str = Field(description="always RISK_AUTO_FREEZE: the member was frozen by risk control")
    rule: str = Field(description="the limit crossed: maxNonPurchasePoints or maxRedemptions")
    observed: int = Field(description="what the member earned (points) or redeemed (count) in the window")
    limit: int
    window_minutes: int
    ref: str | None = Field(description="what the crossing request wrote (an order, an earn event)")
    created_at: str

    @classmethod
    def of(cls, e: RiskEvent) -> RiskEventView:
        return cls(
            event_id=e.event_id,
            member_id=e.member_id,
            reason=e.reason,
            rule=e.rule,
            observed=e.observed,
            limit=e.limit,
            window_minutes=e.window_minutes,
            ref=e.ref,
            created_at=iso(e.created_at),
        )
