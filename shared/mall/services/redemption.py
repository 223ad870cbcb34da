"""Redeem points for a product: one read round trip, one transaction, idempotent per Idempotency-Key."""

from __future__ import annotations

from dataclasses import dataclass

from mall import clock
from mall.data import campaigns, idempotency, order_items, orders, rules_store
from mall.domain.catalog import priced
from mall.domain.orders import Order
from mall.domain.redemption import redeem as decide
from mall.domain.risk import observe
from mall.errors import MemberNotFound
from mall.services import rate_limits
from mall.services.idempotent import once
from mall.services.rate_limits import Limited

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


def redeem(request: RedeemRequest) -> Order:
    """Read account, product and limit counter (1 BatchGetItem), decide, write it all (1 transaction)."""

    def attempt() -> Order:
        reads = orders.redemption_reads(request.member_id, request.sku)
        if reads.account is None:
            raise MemberNotFound("no account")
        rules, now = rules_store.current(), clock.now()
        account = rate_limits.count(reads.account, Limited.REDEMPTIONS, rules, now)
        # A redemption campaign's price, from the cached campaign list (no read of its own).
        product = priced(reads.product, campaigns.current(), now) if reads.product else None
        with rate_limits.charged(account):
            redemption = decide(
                account,
                product,
                reads.already_redeemed,
                request.quantity,
                request.address,
                rules,
                now,
            )
            observe(redemption.change, rules.risk, now, redemptions=1)
            first_answer = order_items.document(redemption.order)
            key, fingerprint = request.idempotency_key, request.fingerprint
            record = idempotency.record(SCOPE, request.member_id, key, fingerprint, first_answer, now)
            orders.commit_redemption(redemption, rules.zone, record)
        return redemption.order

    key, fingerprint = request.idempotency_key, request.fingerprint
    return once(attempt, SCOPE, request.member_id, key, fingerprint, order_items.from_document)
