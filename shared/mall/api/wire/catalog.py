"""The catalog: the product body an admin puts, and products as members see them."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from mall.api.wire.common import WireModel
from mall.domain.catalog import CATEGORY_PATTERN, Listing, Product, ProductType, ShelfStatus


class ProductBody(WireModel):
    name: str = Field(min_length=1, max_length=128)
    category: str = Field(pattern=CATEGORY_PATTERN, description="1 to 64 characters, no '#'")
    type: ProductType
    # strict: a bool or a numeric string is a wrong type here, not a number.
    points_price: int = Field(ge=0, le=1_000_000_000, strict=True)
    cash_price_fen: int = Field(ge=0, le=10_000_000_000, strict=True)
    stock: int = Field(ge=0, le=1_000_000_000, strict=True)
    status: ShelfStatus
    min_tier: str | None = Field(default=None, min_length=1, max_length=32)
    per_member_limit: int | None = Field(default=None, ge=1, le=1_000_000, strict=True)
    review_required: bool = Field(
        default=False, strict=True, description="redemptions wait for an admin's review (PENDING_REVIEW)"
    )

    def product(self, sku: str) -> Product:
        return Product(sku=sku, **self.model_dump())


class _ProductFields(WireModel):
    sku: str
    name: str
    category: str
    type: ProductType
    points_price: int
    cash_price_fen: int
    stock: int
    min_tier: str | None
    per_member_limit: int | None
    review_required: bool

    @classmethod
    def fields_of(cls, p: Product) -> dict[str, Any]:
        return {
            "sku": p.sku,
            "name": p.name,
            "category": p.category,
            "type": p.type,
            "points_price": p.points_price,
            "cash_price_fen": p.cash_price_fen,
            "stock": p.stock,
            "min_tier": p.min_tier,
            "per_member_limit": p.per_member_limit,
            "review_required": p.review_required,
        }


class ProductView(_ProductFields):
    points_price: int = Field(description="what a redemption costs now (a redemption campaign's price)")
    list_points_price: int = Field(description="the usual price, outside any redemption campaign")
    redeemed_last_7d: int = Field(
        alias="redeemedLast7d",  # not the generator's "redeemedLast7D"
        description="units redeemed in the last 7 business days",
    )

    @classmethod
    def of(cls, listed: Listing) -> ProductView:
        return cls(
            **cls.fields_of(listed.product),
            list_points_price=listed.list_points_price,
            redeemed_last_7d=listed.redeemed_last_7d,
        )


class AdminProductView(_ProductFields):
    status: ShelfStatus

    @classmethod
    def of(cls, p: Product) -> AdminProductView:
        return cls(**cls.fields_of(p), status=p.status)
