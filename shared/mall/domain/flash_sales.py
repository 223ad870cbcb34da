"""Flash sales: a window, a stock split over shards, and claims that a queue settles."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from mall.domain.account import Account, Change, debit, ensure_active, settle_expired
from mall.domain.calendar import business_day
from mall.domain.journey import active
from mall.domain.orders import Order, OrderStatus, new_order_id, voucher_code
from mall.domain.rules import Rules
from mall.errors import AlreadyClaimed, InsufficientPoints, SaleNotActive, SoldOut

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


def claim_shard(
    sale: Sale, account: Account, live_claims: int, stock_left: Sequence[int], rules: Rules, at: datetime
) -> int:
    """May this member claim a unit now? The shard to take it from (a random one with units left, so
    concurrent claims spread over the shards), or the reason not."""
    ensure_active(account)
    if not sale.active(at):
        raise SaleNotActive("the sale is not running")
    if live_claims >= sale.per_member_limit:
        raise AlreadyClaimed("already claimed")
    if settle_expired(account, business_day(at, rules.zone), at).account.balance < sale.points_price:
        raise InsufficientPoints(f"needs {sale.points_price} points")
    open_shards = [i for i, left in enumerate(stock_left) if left > 0]
    if not open_shards:
        raise SoldOut("sold out")
    return secrets.choice(open_shards)


def confirm(claim: Claim, sale: Sale, account: Account, rules: Rules, at: datetime) -> tuple[Change, Order]:
    """Settle a queued claim: the points and the order (INSUFFICIENT_POINTS or ACCOUNT_FROZEN if the
    member can no longer pay, which fails the claim instead)."""
    ensure_active(account)
    today = business_day(at, rules.zone)
    change = settle_expired(account, today, at)
    order_id = new_order_id(at)
    entry = debit(
        change, sale.points_price, at, today, source="FLASH_SALE", ref=f"ORDER#{order_id}", note=sale.name
    )
    active(change, today)  # a redemption: the member is not dormant
    status = OrderStatus.COMPLETED if sale.product_type == "VIRTUAL" else OrderStatus.CONFIRMED
    order = Order(
        order_id=order_id,
        member_id=claim.member_id,
        sku=sale.sku,
        name=sale.name,
        product_type=sale.product_type,
        quantity=1,
        points_spent=sale.points_price,
        cash_due_fen=0,
        status=status,
        created_at=at.astimezone(rules.zone),
        lots=entry.lots if entry else {},
        voucher_code=voucher_code() if status is OrderStatus.COMPLETED else None,
        sale_ref=f"{sale.sale_id}#{claim.shard}",
    )
    return change, order
