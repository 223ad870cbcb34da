"""Orders: the status machine and what a redemption creates."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from mall.domain.account import Account, Change, expire_due, refund, settle_expired
from mall.domain.calendar import business_day
from mall.domain.rules import Rules
from mall.errors import IdempotencyConflict, InvalidStatus, NotCancellable

PAYMENT_WINDOW = timedelta(minutes=15)
_VOUCHER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O/1/I: codes are read aloud and typed


class OrderStatus(StrEnum):
    PENDING_PAYMENT = "PENDING_PAYMENT"
    PENDING_REVIEW = "PENDING_REVIEW"  # points (and any cash) taken, waiting for an admin's approval
    CONFIRMED = "CONFIRMED"
    SHIPPED = "SHIPPED"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


# A member may withdraw an order under review too: nothing has been shipped.
CANCELLABLE = (OrderStatus.PENDING_PAYMENT, OrderStatus.PENDING_REVIEW, OrderStatus.CONFIRMED)
REJECTED = "REVIEW_REJECTED"


class RefundStatus(StrEnum):
    PENDING = "PENDING"  # the cash must go back: listed until the payment side confirms it
    DONE = "DONE"


@dataclass(frozen=True)
class CashRefund:
    """The cash part of a cancelled order that was paid, owed back to the member."""

    amount_fen: int
    transaction_id: str  # the payment to refund
    status: RefundStatus = RefundStatus.PENDING
    refund_id: str | None = None  # the payment side's refund, once it confirms


@dataclass(frozen=True)
class Order:
    order_id: str
    member_id: str
    sku: str
    name: str
    product_type: str
    quantity: int
    points_spent: int
    cash_due_fen: int
    status: OrderStatus
    created_at: datetime
    lots: dict[str, int] = field(default_factory=dict)  # points taken per lot, for a refund
    limited: bool = False  # counted against a per-member limit
    address: str | None = None
    voucher_code: str | None = None
    payment_due_at: datetime | None = None
    transaction_id: str | None = None
    carrier: str | None = None
    tracking_no: str | None = None
    sale_ref: str | None = None  # "<saleId>#<shard>" for a flash-sale order: a cancel returns the unit there
    prize_ref: str | None = None  # "<drawId>#<prizeId>#<shard>" for a prize: a cancel returns the unit there
    cancel_reason: str | None = None
    cash_refund: CashRefund | None = None
    review: bool = False  # waits for an admin's review before it is confirmed (after payment, if any)

    def overdue(self, now: datetime) -> bool:
        return (
            self.status is OrderStatus.PENDING_PAYMENT
            and self.payment_due_at is not None
            and now >= self.payment_due_at
        )


def new_order_id(at: datetime) -> str:
    return f"o{int(at.timestamp() * 1000):013d}{secrets.token_hex(5)}"


def voucher_code() -> str:
    """A voucher from a cryptographic random source: 16 symbols of 32, 80 bits."""
    symbols = "".join(secrets.choice(_VOUCHER_ALPHABET) for _ in range(16))
    return "-".join(symbols[i : i + 4] for i in range(0, 16, 4))


def initial_status(product_type: str, cash_due_fen: int, review: bool = False) -> OrderStatus:
    """Unpaid first if there is cash to pay; then under review if it needs one; then confirmed (or, for
    a virtual product, completed at once)."""
    if cash_due_fen > 0:
        return OrderStatus.PENDING_PAYMENT
    return paid_status(product_type, review)


def paid_status(product_type: str, review: bool = False) -> OrderStatus:
    if review:
        return OrderStatus.PENDING_REVIEW
    return OrderStatus.COMPLETED if product_type == "VIRTUAL" else OrderStatus.CONFIRMED


def needs_review(points: int, review_required: bool, review_above_points: int | None) -> bool:
    """The product says so, or the redemption costs more than the rules' threshold."""
    return review_required or (review_above_points is not None and points > review_above_points)


def approved(order: Order) -> Order:
    """An admin approved the order under review: confirmed (a virtual product completes, with its voucher)."""
    if order.status is not OrderStatus.PENDING_REVIEW:
        raise InvalidStatus(f"cannot approve an order that is {order.status.value}")
    status = paid_status(order.product_type)
    voucher = voucher_code() if status is OrderStatus.COMPLETED else order.voucher_code
    return replace(order, status=status, voucher_code=voucher)


def ensure_under_review(order: Order) -> None:
    if order.status is not OrderStatus.PENDING_REVIEW:
        raise InvalidStatus(f"cannot reject an order that is {order.status.value}")


def ensure_cancellable(order: Order) -> None:
    if order.status not in CANCELLABLE:
        raise NotCancellable(f"order is {order.status.value}")


def next_fulfilment_status(order: Order, action: str) -> OrderStatus:
    """ship: CONFIRMED -> SHIPPED (physical goods); complete: SHIPPED -> COMPLETED."""
    if action == "ship" and order.status is OrderStatus.CONFIRMED and order.product_type == "PHYSICAL":
        return OrderStatus.SHIPPED
    if action == "complete" and order.status is OrderStatus.SHIPPED:
        return OrderStatus.COMPLETED
    raise InvalidStatus(f"cannot {action} an order that is {order.status.value}")


def cash_owed(order: Order) -> CashRefund | None:
    """What cancelling `order` owes in cash: its cash part, if that was paid."""
    if order.transaction_id is None or order.cash_due_fen <= 0:
        return None
    return CashRefund(amount_fen=order.cash_due_fen, transaction_id=order.transaction_id)


def cash_refunded(order: Order, refund_id: str) -> Order | None:
    """The order with its pending cash refund confirmed by `refund_id`; None if it already was, by that
    same refund (a repeat). Another refund id for a confirmed one is a conflict; no pending cash refund
    at all is INVALID_STATUS."""
    owed = order.cash_refund
    if owed is None:
        raise InvalidStatus(f"order {order.order_id} has no cash refund (it is {order.status.value})")
    if owed.status is RefundStatus.DONE:
        if owed.refund_id == refund_id:
            return None
        raise IdempotencyConflict("refundId: the cash refund was already confirmed with another refundId")
    return replace(order, cash_refund=replace(owed, status=RefundStatus.DONE, refund_id=refund_id))


def cancellation(order: Order, account: Account, reason: str, rules: Rules, at: datetime) -> Change:
    """Cancel before shipping: the points go back into their original lots (one REFUND entry), and any
    whose day has already passed expire right away."""
    ensure_cancellable(order)
    today = business_day(at, rules.zone)
    change = settle_expired(account, today, at)
    ref = f"ORDER#{order.order_id}"
    refund(change, order.lots, at, today, source="ORDER_CANCEL", ref=ref, note=reason)
    expire_due(change, today, at)
    return change
