"""Redeem points for a product: one read round trip, one transaction, idempotent per Idempotency-Key."""

from __future__ import annotations

from dataclasses import dataclass

from mall import clock
from mall.data import accounts as account_store
from mall.data import dynamo, idempotency, orders, products, rules_store
from mall.data.retry import Retry, until_decided
from mall.domain.account import debit, ensure_active, settle_expired, tier_of
from mall.domain.calendar import business_day
from mall.domain.catalog import Product
from mall.domain.orders import PAYMENT_WINDOW, Order, initial_status, new_order_id, voucher_code
from mall.domain.rules import Rules
from mall.errors import (
    LimitReached,
    MemberNotFound,
    OutOfStock,
    ProductNotFound,
    TierRequired,
)
from mall.services.idempotent import once, replay
from mall.services.order_views import OrderView

SCOPE = "redemption"


@dataclass(frozen=True)
class RedeemRequest:
    member_id: str
    sku: str
    quantity: int
    address: str | None
    idempotency_key: str

    @property
    def fingerprint(self) -> str:
        return idempotency.fingerprint({"sku": self.sku, "quantity": self.quantity, "address": self.address})


def _check_product(product: Product | None, member_level: int, rules: Rules) -> Product:
    if product is None or not product.on_shelf:
        raise ProductNotFound("no such product on the shelf")
    if product.min_tier:
        levels = {tier.name: level for level, tier in enumerate(rules.tiers, start=1)}
        if member_level < levels.get(product.min_tier, len(rules.tiers) + 1):
            raise TierRequired(f"requires tier {product.min_tier}")
    return product


def redeem(request: RedeemRequest) -> OrderView:
    def attempt() -> OrderView:
        keys = [
            account_store.account_key(request.member_id),
            products.product_key(request.sku),
            orders.limit_key(request.member_id, request.sku),
        ]
        found = dynamo.batch_get(keys)
        if keys[0] not in found:
            raise MemberNotFound("no account")
        account = account_store.to_account(found[keys[0]])
        rules, now = rules_store.current(), clock.now()
        ensure_active(account)
        level = tier_of(account.lifetime_earned, rules)[1]
        product = _check_product(
            products.to_product(found[keys[1]]) if keys[1] in found else None, level, rules
        )
        counted = int(found.get(keys[2], {}).get("count", 0))
        if product.per_member_limit is not None and counted + request.quantity > product.per_member_limit:
            raise LimitReached(f"at most {product.per_member_limit} per member")
        if product.stock < request.quantity:
            raise OutOfStock("not enough stock")

        today = business_day(now, rules.zone)
        change = settle_expired(account, today, now)
        points = product.points_price * request.quantity
        order_id = new_order_id(now)
        taken: dict[str, int] = {}
        if points > 0:
            entry = debit(
                change, points, now, today, source="REDEMPTION", ref=f"ORDER#{order_id}", note=product.name
            )
            taken = entry.lots if entry else {}
        cash = product.cash_price_fen * request.quantity
        status = initial_status(product.type.value, cash)
        order = Order(
            order_id=order_id,
            member_id=request.member_id,
            sku=product.sku,
            name=product.name,
            product_type=product.type.value,
            quantity=request.quantity,
            points_spent=points,
            cash_due_fen=cash,
            status=status,
            created_at=now.astimezone(rules.zone),
            lots=taken,
            limited=product.per_member_limit is not None,
            address=request.address,
            voucher_code=voucher_code() if status.value == "COMPLETED" else None,
            payment_due_at=(now + PAYMENT_WINDOW).astimezone(rules.zone) if cash > 0 else None,
        )
        view = OrderView.of(order)
        items = [products.take_stock_item(product.sku, request.quantity)]
        if product.per_member_limit is not None:
            items.append(
                orders.count_limit_item(
                    request.member_id, product.sku, request.quantity, product.per_member_limit
                )
            )
        items.append(orders.create_item(order))
        record = idempotency.record_item(
            SCOPE,
            request.member_id,
            request.idempotency_key,
            request.fingerprint,
            view.model_dump(by_alias=True),
            now,
        )
        try:
            account_store.write_change(change, rules.zone, [*items, record])
        except dynamo.TransactionFailed as failed:
            if failed.failed_at(len(failed.reasons) - 1) and failed.reasons[-1].item:
                return replay(failed.reasons[-1].item, request.fingerprint, OrderView)
            # The account, the stock or the limit moved since we read them: decide again on fresh data.
            raise Retry from failed
        return view

    key = request.idempotency_key
    return once(lambda: until_decided(attempt), SCOPE, request.member_id, key, request.fingerprint, OrderView)
