"""Points as cash at the merchant's checkout: the deduction request and the deduction as answered."""

from __future__ import annotations

from pydantic import Field

from mall.api.wire.common import ID_PATTERN, WireModel
from mall.domain.calendar import iso
from mall.domain.deductions import Deduction


class DeductionBody(WireModel):
    member_id: str = Field(pattern=ID_PATTERN)
    order_ref: str = Field(min_length=1, max_length=128, description="the merchant's order")
    order_amount_fen: int = Field(ge=1, le=10_000_000_000, strict=True, description="the order's total")
    points: int = Field(
        ge=1,
        le=1_000_000_000,
        strict=True,
        description="a whole number of yuan at the rules' deduction.pointsPerYuan, paying at most "
        "deduction.maxRatio of the order (409 DEDUCTION_LIMIT otherwise)",
    )


class DeductionView(WireModel):
    deduction_id: str
    member_id: str
    order_ref: str
    order_amount_fen: int
    points_spent: int
    deducted_fen: int
    balance: int = Field(
        description="the member's balance after the deduction (after the reversal, once reversed)"
    )
    status: str = Field(description="DEDUCTED or REVERSED")
    created_at: str
    reversed_at: str | None

    @classmethod
    def of(cls, d: Deduction) -> DeductionView:
        return cls(
            deduction_id=d.deduction_id,
            member_id=d.member_id,
            order_ref=d.order_ref,
            order_amount_fen=d.order_amount_fen,
            points_spent=d.points_spent,
            deducted_fen=d.deducted_fen,
            balance=d.balance,
            status=d.status.value,
            created_at=iso(d.created_at),
            reversed_at=iso(d.reversed_at) if d.reversed_at else None,
        )
