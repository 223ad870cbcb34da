"""Redeeming points for a product, as a pure decision: who may, what it costs, the order it makes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mall.domain.account import Account, Change, debit, ensure_active, settle_expired, tier_of, tier_points
from mall.domain.calendar import business_day
from mall.domain.catalog import Product
from mall.domain.journey import active
from mall.domain.orders import (
    PAYMENT_WINDOW,
    Order,
    initial_status,
    needs_review,
    new_order_id,
    voucher_code,
)
from mall.domain.rules import Rules
from mall.errors import LimitReached, OutOfStock, ProductNotFound, TierRequired


@dataclass(frozen=True)
class Redemption:
    """The account change (points spent soonest-expiry first) and the order it creates."""

    change: Change
    order: Order
    per_member_limit: int | None  # the limit the order counts against, if the product has one


def check_product(product: Product | None, standing: int, rules: Rules) -> Product:
    """On the shelf, and the member's tier (decided by `standing`, see `tier_points`) is high enough."""
    if product is None or not product.on_shelf:
        raise ProductNotFound("no such product on the shelf")
    if product.min_tier:
        levels = {tier.name: level for level, tier in enumerate(rules.tiers, start=1)}
        if tier_of(standing, rules)[1] < levels.get(product.min_tier, len(rules.tiers) + 1):
            raise TierRequired(f"requires tier {product.min_tier}")
    return product


def redeem(
    account: Account,
    product: Product | None,
    already_redeemed: int,
    quantity: int,
    address: str | None,
    rules: Rules,
    at: datetime,
) -> Redemption:
    """`already_redeemed`: units of this product the member holds against its per-member limit;
    `product` at its price now (a redemption campaign's, `catalog.priced`)."""
    ensure_active(account)
    product = check_product(product, tier_points(account, rules, business_day(at, rules.zone)), rules)
    if product.per_member_limit is not None and already_redeemed + quantity > product.per_member_limit:
        raise LimitReached(f"at most {product.per_member_limit} per member")
    if product.stock < quantity:
        raise OutOfStock("not enough stock")
    today = business_day(at, rules.zone)
    change = settle_expired(account, today, at)
    points = product.points_price * quantity
    order_id = new_order_id(at)
    entry = debit(change, points, at, today, source="REDEMPTION", ref=f"ORDER#{order_id}", note=product.name)
    active(change, today)
    cash = product.cash_price_fen * quantity
    review = needs_review(points, product.review_required, rules.review_above_points)
    status = initial_status(product.type.value, cash, review)
    order = Order(
        order_id=order_id,
        member_id=account.member_id,
        sku=product.sku,
        name=product.name,
        product_type=product.type.value,
        quantity=quantity,
        points_spent=points,
        cash_due_fen=cash,
        status=status,
        created_at=at.astimezone(rules.zone),
        lots=entry.lots if entry else {},
        limited=product.per_member_limit is not None,
        address=address,
        voucher_code=voucher_code() if status.value == "COMPLETED" else None,
        payment_due_at=(at + PAYMENT_WINDOW).astimezone(rules.zone) if cash > 0 else None,
        review=review,
    )
    return Redemption(change, order, product.per_member_limit)
