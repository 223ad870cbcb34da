"""Order items: the model, where an order waits on the DueIndex in each status, and the codec.

An order sits on the sparse DueIndex while something is due about it: unpaid (`PAYMENT#<n>`, by
payment deadline, for the timeout job), confirmed physical goods waiting to ship (`SHIP#<n>`, by
creation, the fulfilment queue), or cancelled after its cash was paid, until the payment side confirms
the cash went back (`REFUND#<n>`, by creation), or waiting for an admin's review (`REVIEW#<n>`, by
creation). Each is sharded over a few partition keys so no index
partition is hot.
"""

from __future__ import annotations

import zlib
from datetime import UTC, datetime
from typing import Any

from pynamodb.attributes import BooleanAttribute, UnicodeAttribute

from mall.data import dynamo
from mall.data.dynamo import DocumentAttribute, IntegerAttribute, IntMapAttribute, Item, Key
from mall.data.transaction import Transaction
from mall.domain.orders import CashRefund, Order, OrderStatus, RefundStatus

QUEUE_SHARDS = 4
PAYMENT_QUEUE, SHIP_QUEUE, REFUND_QUEUE = "PAYMENT", "SHIP", "REFUND"
REVIEW_QUEUE = "REVIEW"


class OrderItem(Item):
    """`ORDER#<id>` / `ORDER`; on GSI1 under `ORDERS#<member>` (newest first) for "my orders"."""

    gsi1_pk = UnicodeAttribute(attr_name="GSI1PK")
    gsi1_sk = UnicodeAttribute(attr_name="GSI1SK")
    order_id = UnicodeAttribute(attr_name="orderId")
    member_id = UnicodeAttribute(attr_name="memberId")
    sku = UnicodeAttribute()
    name = UnicodeAttribute()
    product_type = UnicodeAttribute(attr_name="productType")
    quantity = IntegerAttribute()
    points_spent = IntegerAttribute(attr_name="pointsSpent")
    cash_due_fen = IntegerAttribute(attr_name="cashDueFen", default=0)
    status = UnicodeAttribute()
    created_at = UnicodeAttribute(attr_name="createdAt")
    updated_at = UnicodeAttribute(attr_name="updatedAt", null=True)
    lots = IntMapAttribute(null=True)
    limited = BooleanAttribute(default=False)
    address = UnicodeAttribute(null=True)
    voucher_code = UnicodeAttribute(attr_name="voucherCode", null=True)
    payment_due_at = UnicodeAttribute(attr_name="paymentDueAt", null=True)
    transaction_id = UnicodeAttribute(attr_name="transactionId", null=True)
    carrier = UnicodeAttribute(null=True)
    tracking_no = UnicodeAttribute(attr_name="trackingNo", null=True)
    cancel_reason = UnicodeAttribute(attr_name="cancelReason", null=True)
    sale_ref = UnicodeAttribute(attr_name="saleRef", null=True)
    # A paid order cancelled: the cash owed back (the payment is `transactionId`) and, once done, the refund.
    cash_refund_fen = IntegerAttribute(attr_name="cashRefundFen", null=True)
    cash_refund_status = UnicodeAttribute(attr_name="cashRefundStatus", null=True)
    refund_id = UnicodeAttribute(attr_name="refundId", null=True)
    prize_ref = UnicodeAttribute(attr_name="prizeRef", null=True)
    review = BooleanAttribute(attr_name="reviewRequired", default=False)
    due_pk = UnicodeAttribute(attr_name="DUE_PK", null=True)
    due_sk = UnicodeAttribute(attr_name="DUE_SK", null=True)


def order_key(order_id: str) -> Key:
    return f"ORDER#{order_id}", "ORDER"


def utc(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="milliseconds")


def _shard(queue: str, order_id: str) -> str:
    return f"{queue}#{zlib.crc32(order_id.encode()) % QUEUE_SHARDS}"


def _queue_keys(order: Order) -> tuple[str | None, str | None]:
    """Where the order waits on the DueIndex in its status, if anywhere."""
    if order.status is OrderStatus.PENDING_PAYMENT and order.payment_due_at:
        return _shard(PAYMENT_QUEUE, order.order_id), f"{utc(order.payment_due_at)}#{order.order_id}"
    if order.status is OrderStatus.CONFIRMED and order.product_type == "PHYSICAL":
        # Order ids begin with their creation time in milliseconds: oldest first, to the millisecond.
        return _shard(SHIP_QUEUE, order.order_id), order.order_id
    if order.status is OrderStatus.PENDING_REVIEW:
        return _shard(REVIEW_QUEUE, order.order_id), order.order_id
    if order.cash_refund is not None and order.cash_refund.status is RefundStatus.PENDING:
        return _shard(REFUND_QUEUE, order.order_id), order.order_id
    return None, None


def order_item(order: Order) -> OrderItem:
    pk, sk = order_key(order.order_id)
    due_pk, due_sk = _queue_keys(order)
    owed = order.cash_refund
    return OrderItem(
        PK=pk,
        SK=sk,
        gsi1_pk=f"ORDERS#{order.member_id}",
        gsi1_sk=f"{utc(order.created_at)}#{order.order_id}",
        order_id=order.order_id,
        member_id=order.member_id,
        sku=order.sku,
        name=order.name,
        product_type=order.product_type,
        quantity=order.quantity,
        points_spent=order.points_spent,
        cash_due_fen=order.cash_due_fen,
        status=order.status.value,
        created_at=order.created_at.isoformat(timespec="seconds"),
        lots=order.lots or None,
        limited=order.limited,
        address=order.address,
        voucher_code=order.voucher_code,
        payment_due_at=order.payment_due_at.isoformat(timespec="seconds") if order.payment_due_at else None,
        transaction_id=order.transaction_id,
        carrier=order.carrier,
        tracking_no=order.tracking_no,
        sale_ref=order.sale_ref,
        prize_ref=order.prize_ref,
        cancel_reason=order.cancel_reason,
        cash_refund_fen=owed.amount_fen if owed else None,
        cash_refund_status=owed.status.value if owed else None,
        refund_id=owed.refund_id if owed else None,
        review=order.review,
        due_pk=due_pk,
        due_sk=due_sk,
    )


def to_order(item: OrderItem) -> Order:
    return Order(
        order_id=item.order_id,
        member_id=item.member_id,
        sku=item.sku,
        name=item.name,
        product_type=item.product_type,
        quantity=item.quantity,
        points_spent=item.points_spent,
        cash_due_fen=item.cash_due_fen,
        status=OrderStatus(item.status),
        created_at=datetime.fromisoformat(item.created_at),
        lots=dict(item.lots or {}),
        limited=item.limited,
        address=item.address,
        voucher_code=item.voucher_code,
        payment_due_at=datetime.fromisoformat(item.payment_due_at) if item.payment_due_at else None,
        transaction_id=item.transaction_id,
        carrier=item.carrier,
        tracking_no=item.tracking_no,
        sale_ref=item.sale_ref,
        prize_ref=item.prize_ref,
        cancel_reason=item.cancel_reason,
        cash_refund=_cash_refund(item),
        review=bool(item.review),
    )


def _cash_refund(item: OrderItem) -> CashRefund | None:
    if item.cash_refund_status is None or item.cash_refund_fen is None or item.transaction_id is None:
        return None
    return CashRefund(
        amount_fen=item.cash_refund_fen,
        transaction_id=item.transaction_id,
        status=RefundStatus(item.cash_refund_status),
        refund_id=item.refund_id,
    )


def document(order: Order) -> dict[str, Any]:
    """The order as a plain document (an idempotency record's first answer)."""
    return dynamo.plain(order_item(order).serialize())


def from_document(doc: dict[str, Any]) -> Order:
    return to_order(OrderItem.from_raw_data(DocumentAttribute().serialize(doc)))


def new_order(order: Order) -> Transaction:
    return Transaction().put("order", order_item(order))
