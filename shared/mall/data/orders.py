"""Orders and per-member limit counters: the reads and the writes that create, cancel and move orders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from mall.data import accounts, draws, due, dynamo, flash_sales, products
from mall.data.accounts import write_change
from mall.data.dynamo import IntegerAttribute, Item, Key
from mall.data.order_items import (
    PAYMENT_QUEUE,
    QUEUE_SHARDS,
    REFUND_QUEUE,
    REVIEW_QUEUE,
    SHIP_QUEUE,
    OrderItem,
    new_order,
    order_item,
    order_key,
    to_order,
    utc,
)
from mall.data.transaction import Transaction
from mall.domain.account import Account, Change
from mall.domain.catalog import Product
from mall.domain.orders import Order, OrderStatus, RefundStatus
from mall.domain.redemption import Redemption

_FIXED = ("PK", "SK", "gsi1_pk", "gsi1_sk")  # an order's keys never change


class LimitItem(Item):
    """`MEMBER#<id>` / `LIMIT#<sku>`: units of a limited product the member holds."""

    units = IntegerAttribute(attr_name="count", default=0)


def limit_key(member_id: str, sku: str) -> Key:
    return f"MEMBER#{member_id}", f"LIMIT#{sku}"


def get(order_id: str) -> Order | None:
    item = dynamo.get(OrderItem, order_key(order_id))
    return to_order(item) if item else None


@dataclass(frozen=True)
class RedemptionReads:
    """What a redemption decides on: the account, the product and the units the member already holds."""

    account: Account | None
    product: Product | None
    already_redeemed: int


def redemption_reads(member_id: str, sku: str) -> RedemptionReads:
    """One BatchGetItem across the three item kinds."""
    account, product, limit = (
        accounts.account_key(member_id),
        products.product_key(sku),
        limit_key(member_id, sku),
    )
    found = dynamo.batch_get([account, product, limit])
    counted = dynamo.decode(LimitItem, found.get(limit))
    return RedemptionReads(
        accounts.decode(found.get(account)),
        products.decode(found.get(product)),
        counted.units if counted else 0,
    )


def _count_limit(member_id: str, sku: str, quantity: int, limit: int) -> Transaction:
    """Add to the member's count for a product only while it stays within the limit."""
    item = LimitItem(*limit_key(member_id, sku))
    room = LimitItem.units.does_not_exist() | (LimitItem.units <= limit - quantity)
    return Transaction().update("limit", item, [LimitItem.units.add(quantity)], condition=room)


def _uncount_limit(member_id: str, sku: str, quantity: int) -> Transaction:
    item = LimitItem(*limit_key(member_id, sku))
    return Transaction().update("limit", item, [LimitItem.units.add(-quantity)])


def commit_redemption(redemption: Redemption, zone: ZoneInfo, record: Transaction) -> None:
    """Points, stock, the member's limit, the order and the idempotency record, all or nothing.

    `LostRace` when the account, the stock or the limit moved since they were read; `Replayed` when
    the idempotency record exists (a duplicate)."""
    order = redemption.order
    also = products.take_stock(order.sku, order.quantity)
    if redemption.per_member_limit is not None:
        also.extend(_count_limit(order.member_id, order.sku, order.quantity, redemption.per_member_limit))
    also.extend(new_order(order)).extend(record)
    write_change(redemption.change, zone, also)


def _transition(order: Order, new: Order, updated_at: datetime, also_unchanged: Any = None) -> Transaction:
    """Move an order on only from the status it was read in (and `also_unchanged`), so two transitions
    cannot both win.

    Writes what differs between the two (status, payment, shipping, refund, queue keys) and `updatedAt`."""
    before, after = order_item(order), order_item(new)
    after.updated_at = updated_at.isoformat(timespec="seconds")
    old, fresh = before.serialize(), after.serialize()
    names = [
        name
        for name, attribute in OrderItem.get_attributes().items()
        if name not in _FIXED and old.get(attribute.attr_name) != fresh.get(attribute.attr_name)
    ]
    condition = OrderItem.status == order.status.value
    if also_unchanged is not None:
        condition &= also_unchanged
    return Transaction().update("order", after, dynamo.assign(after, names), condition=condition)


def commit_transition(
    order: Order, new: Order, updated_at: datetime, also: Transaction | None = None
) -> None:
    """The order moved on, with `also` (an audit entry); `LostRace` if it is no longer in the status it
    was read in."""
    tx = _transition(order, new, updated_at)
    if also is not None:
        tx.extend(also)
    tx.commit()


def commit_cash_refund(order: Order, refunded: Order, updated_at: datetime, also: Transaction) -> None:
    """The cash refund confirmed (it leaves the pending list), only while it is still pending: of two
    confirmations racing, one wins and the other re-reads (`LostRace`)."""
    pending = OrderItem.cash_refund_status == RefundStatus.PENDING.value
    _transition(order, refunded, updated_at, also_unchanged=pending).extend(also).commit()


def _stock_back(order: Order) -> Transaction:
    """A cancelled order's units go back where they came from: the flash sale's or the prize's shard, or
    the product."""
    if order.prize_ref:
        return draws.give_back(order.prize_ref)
    if order.sale_ref:
        sale_id, shard = order.sale_ref.rsplit("#", 1)
        return flash_sales.give_back(sale_id, int(shard), order.member_id)
    back = products.return_stock(order.sku, order.quantity)
    if order.limited:
        back.extend(_uncount_limit(order.member_id, order.sku, order.quantity))
    return back


def commit_cancel(
    order: Order,
    cancelled: Order,
    change: Change,
    zone: ZoneInfo,
    at: datetime,
    also: Transaction | None = None,
) -> None:
    """Refund, order CANCELLED (only from the status read), the stock back and `also` (an admin's audit
    entry), in one transaction."""
    parts = _transition(order, cancelled, at).extend(_stock_back(order))
    if also is not None:
        parts.extend(also)
    write_change(change, zone, parts)


def member_orders(member_id: str, limit: int, start: str | None) -> tuple[list[Order], str | None]:
    """Newest first through GSI1."""
    raws, position = dynamo.newest_first(
        f"ORDERS#{member_id}", limit, start, index="GSI1", keys=("GSI1PK", "GSI1SK")
    )
    return [to_order(OrderItem.from_raw_data(raw)) for raw in raws], position


def overdue_order_ids(now: datetime) -> list[str]:
    """Unpaid orders whose deadline has passed, read from the sparse deadline index (no scan)."""
    return [
        order_id
        for shard in range(QUEUE_SHARDS)
        for order_id in due.ids_due_before(f"{PAYMENT_QUEUE}#{shard}", utc(now), "ORDER#")
    ]


def _queued(queue: str, limit: int, start: str | None) -> tuple[list[Order], str | None]:
    """One page of a queue's orders, oldest first, merged from its shards (the index may lag a write:
    callers keep only orders whose item says they still wait there)."""
    keys, position = due.oldest_first([f"{queue}#{n}" for n in range(QUEUE_SHARDS)], limit, start)
    found = dynamo.batch_get(keys)
    return [to_order(OrderItem.from_raw_data(found[k])) for k in keys if k in found], position


def waiting_to_ship(limit: int, start: str | None) -> tuple[list[Order], str | None]:
    """Confirmed physical orders, oldest first."""
    orders, position = _queued(SHIP_QUEUE, limit, start)
    return [o for o in orders if o.status is OrderStatus.CONFIRMED], position


def pending_review(limit: int, start: str | None) -> tuple[list[Order], str | None]:
    """Orders waiting for an admin's review, oldest first."""
    orders, position = _queued(REVIEW_QUEUE, limit, start)
    return [o for o in orders if o.status is OrderStatus.PENDING_REVIEW], position


def pending_cash_refunds(limit: int, start: str | None) -> tuple[list[Order], str | None]:
    """Cancelled orders whose paid cash is still owed back, oldest first."""
    orders, position = _queued(REFUND_QUEUE, limit, start)
    return [o for o in orders if o.cash_refund and o.cash_refund.status is RefundStatus.PENDING], position
