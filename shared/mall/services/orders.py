"""Order use cases: read, cancel with refund, pay, ship, complete, the fulfilment queue, and the
unpaid-order timeout."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from mall import clock
from mall.data import audit, orders, rules_store
from mall.data.retry import until_decided
from mall.domain.audit import Action, Actor, entry, fields_of
from mall.domain.orders import (
    REJECTED,
    Order,
    OrderStatus,
    approved,
    cancellation,
    cash_owed,
    cash_refunded,
    ensure_under_review,
    next_fulfilment_status,
    paid_status,
    voucher_code,
)
from mall.errors import NotCancellable, NotPayable, OrderNotFound
from mall.observability import logger
from mall.services.accounts import load_existing

TIMEOUT = "PAYMENT_TIMEOUT"


def _order(order_id: str, member_id: str | None = None) -> Order:
    """The order (settling an overdue unpaid one first); another member's order does not exist."""
    order = orders.get(order_id)
    if order is None or (member_id is not None and order.member_id != member_id):
        raise OrderNotFound("no such order")
    if order.overdue(clock.now()):
        _time_out(order_id)
        order = orders.get(order_id)
        assert order is not None
    return order


def member_order(member_id: str, order_id: str) -> Order:
    return _order(order_id, member_id)


def any_order(order_id: str) -> Order:
    return _order(order_id)


def member_orders(member_id: str, limit: int, start: str | None) -> tuple[list[Order], str | None]:
    found, position = orders.member_orders(member_id, limit, start)
    now = clock.now()
    return [_order(o.order_id) if o.overdue(now) else o for o in found], position


def waiting_to_ship(limit: int, start: str | None) -> tuple[list[Order], str | None]:
    """The fulfilment queue: confirmed physical orders, oldest first."""
    return orders.waiting_to_ship(limit, start)


def _cancel(
    order_id: str,
    member_id: str | None = None,
    reason: str = "MEMBER",
    known: Order | None = None,
    rejected_by: Actor | None = None,
) -> Order:
    """Points back into their original lots (REFUND), stock and the member's limit back, and the cash
    owed back recorded if it was paid, in one transaction conditioned on the status the order was read
    in: a payment that lands first makes this re-read and record the refund; one that lands after finds
    the order cancelled and is refused. The timeout cancels only what is still unpaid and overdue; an
    admin's rejection only what is still under review (audited in the same transaction)."""
    first = [known] if known else []  # an order just read serves the first attempt; a retry re-reads

    def attempt() -> Order:
        order = first.pop() if first else orders.get(order_id)
        if order is None or (member_id is not None and order.member_id != member_id):
            raise OrderNotFound("no such order")
        if rejected_by is not None:
            ensure_under_review(order)
        account = load_existing(order.member_id)
        rules, now = rules_store.current(), clock.now()
        if reason == TIMEOUT and not order.overdue(now):
            raise NotCancellable(f"order is {order.status.value}, not overdue")  # paid meanwhile
        change = cancellation(order, account, reason, rules, now)
        cancelled = replace(
            order, status=OrderStatus.CANCELLED, cancel_reason=reason, cash_refund=cash_owed(order)
        )
        record = None
        if rejected_by is not None:
            record = audit.record(
                entry(
                    Action.ORDER_REJECTED,
                    rejected_by,
                    f"order:{order_id}",
                    now,
                    member_id=order.member_id,
                    before={"status": order.status.value},
                    after={"status": cancelled.status.value, "reason": reason},
                )
            )
        orders.commit_cancel(order, cancelled, change, rules.zone, now, record)
        return cancelled

    return until_decided(attempt)


def cancel(member_id: str, order_id: str) -> Order:
    order = _order(order_id, member_id)  # 404 for someone else's order; an overdue one is cancelled here
    return _cancel(order_id, member_id, known=order)


def pay(order_id: str, transaction_id: str) -> Order:
    def attempt() -> Order:
        order = _order(order_id)
        if order.status is not OrderStatus.PENDING_PAYMENT:
            if order.transaction_id == transaction_id and order.status is not OrderStatus.CANCELLED:
                return order  # the same payment reported again
            raise NotPayable(f"order is {order.status.value}")
        status = paid_status(order.product_type, order.review)
        voucher = voucher_code() if status is OrderStatus.COMPLETED else None
        paid = replace(order, status=status, transaction_id=transaction_id, voucher_code=voucher)
        # LostRace if it changed under us (paid or timed out): read again and answer from its state.
        orders.commit_transition(order, paid, clock.now())
        return paid

    return until_decided(attempt)


def fulfil(
    order_id: str, action: str, by: Actor, carrier: str | None = None, tracking_no: str | None = None
) -> Order:
    """Admin: ship (CONFIRMED -> SHIPPED) or complete (SHIPPED -> COMPLETED), audited."""

    def attempt() -> Order:
        order = _order(order_id)
        status = next_fulfilment_status(order, action)
        moved = replace(
            order,
            status=status,
            carrier=carrier or order.carrier,
            tracking_no=tracking_no or order.tracking_no,
        )
        now = clock.now()
        done = Action.ORDER_SHIPPED if status is OrderStatus.SHIPPED else Action.ORDER_COMPLETED
        before, after = (
            {"status": o.status.value, "carrier": o.carrier, "trackingNo": o.tracking_no}
            for o in (order, moved)
        )
        record = entry(
            done, by, f"order:{order_id}", now, member_id=order.member_id, before=before, after=after
        )
        orders.commit_transition(order, moved, now, audit.record(record))
        return moved

    return until_decided(attempt)


def pending_review(limit: int, start: str | None) -> tuple[list[Order], str | None]:
    """The review queue: orders waiting for an admin's approval, oldest first (a query of the queue)."""
    return orders.pending_review(limit, start)


def approve(order_id: str, by: Actor) -> Order:
    """Admin: PENDING_REVIEW -> CONFIRMED (a virtual product completes, with its voucher), audited."""

    def attempt() -> Order:
        order = _order(order_id)
        moved, now = approved(order), clock.now()
        record = entry(
            Action.ORDER_APPROVED,
            by,
            f"order:{order_id}",
            now,
            member_id=order.member_id,
            before={"status": order.status.value},
            after={"status": moved.status.value},
        )
        orders.commit_transition(order, moved, now, audit.record(record))
        return moved

    return until_decided(attempt)


def reject(order_id: str, reason: str, by: Actor) -> Order:
    """Admin: PENDING_REVIEW -> CANCELLED, points refunded into their lots and the stock back (the
    member's cancellation, conditioned on the order still being under review), audited."""
    return _cancel(order_id, reason=f"{REJECTED}: {reason}", rejected_by=by)


def cash_refunds_pending(limit: int, start: str | None) -> tuple[list[Order], str | None]:
    """Cancelled orders whose paid cash is owed back, oldest first (a query of their queue)."""
    return orders.pending_cash_refunds(limit, start)


def confirm_cash_refund(order_id: str, refund_id: str, by: Actor) -> Order:
    """The payment side refunded the cash: the refund is DONE (audited). The same refund again answers
    the order as it is; another refund id is a conflict."""

    def attempt() -> Order:
        order = _order(order_id)
        refunded = cash_refunded(order, refund_id)
        if refunded is None:
            return order
        now, pending, done = clock.now(), order.cash_refund, refunded.cash_refund
        record = entry(
            Action.CASH_REFUNDED,
            by,
            f"order:{order_id}",
            now,
            member_id=order.member_id,
            before={"cashRefund": fields_of(pending)},
            after={"cashRefund": fields_of(done)},
        )
        orders.commit_cash_refund(order, refunded, now, audit.record(record))
        return refunded

    return until_decided(attempt)


def _time_out(order_id: str) -> bool:
    """Cancel an unpaid order past its deadline; False if someone (job or request) already did, or it
    was paid meanwhile."""
    try:
        _cancel(order_id, reason=TIMEOUT)
    except NotCancellable:
        return False
    return True


def cancel_overdue(now: datetime | None = None) -> dict[str, int]:
    """The scheduled timeout: cancel every unpaid order past its deadline (a query, not a scan)."""
    due = orders.overdue_order_ids(now or clock.now())
    cancelled = failed = 0
    for order_id in due:
        try:
            order = orders.get(order_id)
            if order is not None and order.overdue(now or clock.now()) and _time_out(order_id):
                cancelled += 1
        except Exception:
            # One order that cannot be cancelled now must not hold up the others; it stays due.
            logger.exception("order timeout failed", extra={"orderId": order_id})
            failed += 1
    return {"due": len(due), "cancelled": cancelled} | ({"failed": failed} if failed else {})
