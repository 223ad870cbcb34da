"""Products of the catalog and the pure rules about them (what is on the shelf, what a search finds)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from mall.domain.campaigns import Campaign, redemption_price

SKU_PATTERN = r"^[A-Za-z0-9_.-]{1,64}$"
# '#' separates category and sku in the shelf index key, so a category may not contain it.
CATEGORY_PATTERN = r"^[^#]{1,64}$"

_SKU = re.compile(SKU_PATTERN)
_CATEGORY = re.compile(CATEGORY_PATTERN)


class ProductType(StrEnum):
    PHYSICAL = "PHYSICAL"
    VIRTUAL = "VIRTUAL"


class ShelfStatus(StrEnum):
    ON_SHELF = "ON_SHELF"
    OFF_SHELF = "OFF_SHELF"


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    category: str
    type: ProductType
    points_price: int
    cash_price_fen: int
    stock: int
    status: ShelfStatus
    min_tier: str | None = None
    per_member_limit: int | None = None
    review_required: bool = False  # its redemptions wait for an admin's review (PENDING_REVIEW)

    def __post_init__(self) -> None:
        # The wire model validates requests; this guards every other way a Product gets built.
        if not _SKU.match(self.sku):
            raise ValueError(f"invalid sku {self.sku!r}")
        if not _CATEGORY.match(self.category):
            raise ValueError(f"invalid category {self.category!r}")
        if min(self.points_price, self.cash_price_fen, self.stock) < 0:
            raise ValueError("prices and stock must not be negative")
        if self.per_member_limit is not None and self.per_member_limit < 1:
            raise ValueError("perMemberLimit must be at least 1")

    @property
    def on_shelf(self) -> bool:
        return self.status is ShelfStatus.ON_SHELF


@dataclass(frozen=True)
class Listing:
    """A product as the shelf shows it now: `product.points_price` is what a redemption costs at this
    moment (a redemption campaign's price inside its window), `list_points_price` the usual price."""

    product: Product
    list_points_price: int
    redeemed_last_7d: int = 0


def priced(product: Product, campaigns: Iterable[Campaign], at: datetime) -> Product:
    """The product at its price at `at`: lowered by the highest redemption campaign in force for its
    category (price ÷ multiplier, rounded up), else as listed."""
    price = redemption_price(product.points_price, campaigns, at, product.category)
    return product if price == product.points_price else replace(product, points_price=price)


def listing(product: Product, campaigns: Iterable[Campaign], at: datetime, redeemed: int = 0) -> Listing:
    return Listing(priced(product, campaigns, at), product.points_price, redeemed)


def matches(product: Product, category: str | None, q: str | None) -> bool:
    """Shelf filter: same category (when given) and `q` anywhere in the name, ignoring case."""
    if category and product.category != category:
        return False
    return not q or q.casefold() in product.name.casefold()
