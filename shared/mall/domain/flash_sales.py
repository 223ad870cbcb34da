"""Flash sales: a window, a stock split over shards, and claims that a queue settles."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

MAX_SHARDS = 16  # 16 items × ~1,000 writes/s each: a rush is not capped at one item's write limit


class SaleStatus(StrEnum):
    UPCOMING = "UPCOMING"
    ACTIVE = "ACTIVE"
    SOLD_OUT = "SOLD_OUT"
    ENDED = "ENDED"


class ClaimStatus(StrEnum):
    QUEUED = "QUEUED"
    CONFIRMED = "CONFIRMED"
    FAILED = "FAILED"


@dataclass(frozen=True)
class Sale:
    sale_id: str
    sku: str
    name: str
    product_type: str
    points_price: int
    stock: int
    starts_at: datetime
    ends_at: datetime
    per_member_limit: int
    shards: int

    def status(self, now: datetime, stock_left: int) -> SaleStatus:
        if now < self.starts_at:
            return SaleStatus.UPCOMING
        if now >= self.ends_at:
            return SaleStatus.ENDED
        return SaleStatus.SOLD_OUT if stock_left <= 0 else SaleStatus.ACTIVE

    def active(self, now: datetime) -> bool:
        return self.starts_at <= now < self.ends_at


@dataclass(frozen=True)
class Claim:
    claim_id: str
    sale_id: str
    member_id: str
    shard: int
    status: ClaimStatus
    created_at: datetime
    order_id: str | None = None
    reason: str | None = None


def shard_count(stock: int) -> int:
    return max(1, min(stock, MAX_SHARDS))


def split_stock(stock: int, shards: int) -> list[int]:
    """Spread units evenly: 10 over 4 shards -> [3, 3, 2, 2]."""
    base, extra = divmod(stock, shards)
    return [base + (1 if i < extra else 0) for i in range(shards)]


def new_sale_id(at: datetime) -> str:
    return f"s{int(at.timestamp()):010d}{secrets.token_hex(4)}"


def new_claim_id(at: datetime) -> str:
    return f"c{int(at.timestamp() * 1000):013d}{secrets.token_hex(5)}"
