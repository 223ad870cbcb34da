"""Order use cases: read, cancel with refund, pay, ship, complete, and the unpaid-order timeout."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from mall import clock
from mall.api import cursor
from mall.data import accounts as account_store
from mall.data import dynamo, flash_sales, orders, products, rules_store
from mall.data.retry import Retry, until_decided
from mall.domain.account import expire_due, refund, settle_expired
from mall.domain.calendar import business_day
from mall.domain.orders import (
    Order,
    OrderStatus,
    ensure_cancellable,
    next_fulfilment_status,
    paid_status,
    voucher_code,
)
from mall.errors import NotCancellable, NotPayable, OrderNotFound
from mall.observability import logger
from mall.services.accounts import load_existing
from mall.services.order_views import OrderView


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


def member_order(member_id: str, order_id: str) -> OrderView:
    return OrderView.of(_order(order_id, member_id))


def member_orders(member_id: str, limit: int, page_cursor: str | None) -> tuple[list[OrderView], str | None]:
    start = cursor.decode(page_cursor, member_id, "orders")
    found, last = orders.query_member_orders(member_id, limit, start)
    now = clock.now()
    views = [OrderView.of(_order(o.order_id) if o.overdue(now) else o) for o in found]
    return views, cursor.encode(member_id, "orders", last)


def _cancel(
    order_id: str, member_id: str | None = None, reason: str = "MEMBER", known: Order | None = None
) -> Order:
    """Points back into their original lots (REFUND), stock and the member's limit back, one transaction."""
    first = [known] if known else []  # an order just read serves the first attempt; a retry re-reads

    def attempt() -> Order:
        order = first.pop() if first else orders.get(order_id)
        if order is None or (member_id is not None and order.member_id != member_id):
            raise OrderNotFound("no such order")
        ensure_cancellable(order)
        account = load_existing(order.member_id)
        rules, now = rules_store.current(), clock.now()
        today = business_day(now, rules.zone)
        change = settle_expired(account, today, now)
        refund(change, order.lots, now, today, source="ORDER_CANCEL", ref=f"ORDER#{order_id}", note=reason)
        # Refunded points keep their expiry; any whose day has already passed expire right away.
        expire_due(change, today, now)
        items: list[dict[str, Any]] = [
            orders.transition_item(order, OrderStatus.CANCELLED, now, cancelReason=reason),
            *_stock_back(order),
        ]
        try:
            account_store.write_change(change, rules.zone, items)
        except dynamo.TransactionFailed as failed:
            raise Retry from failed
        return replace(order, status=OrderStatus.CANCELLED)

    return until_decided(attempt)


def _stock_back(order: Order) -> list[dict[str, Any]]:
    """A cancelled order's units go back where they came from: the flash sale's shard, or the product."""
    if order.sale_ref:
        sale_id, shard = order.sale_ref.rsplit("#", 1)
        return [
            flash_sales.return_unit_item(sale_id, int(shard)),
            flash_sales.release_allowance_item(sale_id, order.member_id),
        ]
    items = [products.return_stock_item(order.sku, order.quantity)]
    if order.limited:
        items.append(orders.uncount_limit_item(order.member_id, order.sku, order.quantity))
    return items


def cancel(member_id: str, order_id: str) -> OrderView:
    order = _order(order_id, member_id)  # 404 for someone else's order; an overdue one is cancelled here
    return OrderView.of(_cancel(order_id, member_id, known=order))


def pay(order_id: str, transaction_id: str) -> OrderView:
    order = _order(order_id)
    if order.status is not OrderStatus.PENDING_PAYMENT:
        if order.transaction_id == transaction_id and order.status is not OrderStatus.CANCELLED:
            return OrderView.of(order)  # the same payment reported again
        raise NotPayable(f"order is {order.status.value}")
    status = paid_status(order.product_type)
    voucher = voucher_code() if status is OrderStatus.COMPLETED else None
    item = orders.transition_item(
        order, status, clock.now(), transactionId=transaction_id, voucherCode=voucher
    )
    try:
        dynamo.transact([item])
    except dynamo.TransactionFailed:
        return pay(order_id, transaction_id)  # it changed under us (paid or timed out): answer from its state
    return OrderView.of(replace(order, status=status, transaction_id=transaction_id, voucher_code=voucher))


def fulfil(order_id: str, action: str, **details: str) -> OrderView:
    """Admin: ship (CONFIRMED -> SHIPPED) or complete (SHIPPED -> COMPLETED)."""

    def attempt() -> OrderView:
        order = _order(order_id)
        status = next_fulfilment_status(order, action)
        try:
            dynamo.transact([orders.transition_item(order, status, clock.now(), **details)])
        except dynamo.TransactionFailed as failed:
            raise Retry from failed
        return OrderView.of(
            replace(
                order, status=status, carrier=details.get("carrier"), tracking_no=details.get("trackingNo")
            )
        )

    return until_decided(attempt)


def _time_out(order_id: str) -> bool:
    """Cancel an unpaid order past its deadline; False if someone (job or request) already did."""
    try:
        _cancel(order_id, reason="PAYMENT_TIMEOUT")
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
