"""Flash sales: the admin's sale body, sales as listed, and claims."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from mall.api.wire.common import Instant, WireModel
from mall.domain.calendar import iso
from mall.domain.flash_sales import Claim
from mall.services.flash_sales import SaleStanding


class SaleBody(WireModel):
    """A new flash sale; `endsAt` must be after `startsAt`."""

    sku: str = Field(min_length=1, max_length=64)
    stock: int = Field(ge=1, le=1_000_000, strict=True)
    points_price: int = Field(ge=0, le=100_000_000, strict=True)
    starts_at: Instant
    ends_at: Instant
    per_member_limit: int | None = Field(default=None, ge=1, le=100, strict=True)


class SaleView(WireModel):
    sale_id: str
    sku: str
    name: str
    points_price: int
    stock_left: int
    starts_at: str
    ends_at: str
    status: str
    per_member_limit: int

    @classmethod
    def of(cls, standing: SaleStanding, now: datetime) -> SaleView:
        sale = standing.sale
        return cls(
            sale_id=sale.sale_id,
            sku=sale.sku,
            name=sale.name,
            points_price=sale.points_price,
            stock_left=standing.stock_left,
            starts_at=iso(sale.starts_at),
            ends_at=iso(sale.ends_at),
            status=sale.status(now, standing.stock_left).value,
            per_member_limit=sale.per_member_limit,
        )


class ClaimView(WireModel):
    claim_id: str
    status: str
    order_id: str | None = None
    reason: str | None = None

    @classmethod
    def of(cls, claim: Claim) -> ClaimView:
        return cls(
            claim_id=claim.claim_id, status=claim.status.value, order_id=claim.order_id, reason=claim.reason
        )
