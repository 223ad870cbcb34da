"""Order items, the per-member limit counters and the unpaid-order deadline index."""

from __future__ import annotations

import zlib
from datetime import UTC, datetime
from typing import Any

from mall.data import due, dynamo
from mall.domain.orders import Order, OrderStatus

PAYMENT_SHARDS = 4


def order_key(order_id: str) -> tuple[str, str]:
    return f"ORDER#{order_id}", "ORDER"


def limit_key(member_id: str, sku: str) -> tuple[str, str]:
    return f"MEMBER#{member_id}", f"LIMIT#{sku}"


def _utc(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="milliseconds")


def _payment_shard(order_id: str) -> str:
    return f"PAYMENT#{zlib.crc32(order_id.encode()) % PAYMENT_SHARDS}"


def to_values(order: Order) -> dict[str, Any]:
    pk, sk = order_key(order.order_id)
    values: dict[str, Any] = {
        "PK": pk,
        "SK": sk,
        "GSI1PK": f"ORDERS#{order.member_id}",
        "GSI1SK": f"{_utc(order.created_at)}#{order.order_id}",
        "orderId": order.order_id,
        "memberId": order.member_id,
        "sku": order.sku,
        "name": order.name,
        "productType": order.product_type,
        "quantity": order.quantity,
        "pointsSpent": order.points_spent,
        "cashDueFen": order.cash_due_fen,
        "status": order.status.value,
        "createdAt": order.created_at.isoformat(timespec="seconds"),
        "lots": order.lots or None,
        "limited": order.limited,
        "address": order.address,
        "voucherCode": order.voucher_code,
        "paymentDueAt": order.payment_due_at.isoformat(timespec="seconds") if order.payment_due_at else None,
        "saleRef": order.sale_ref,
    }
    if order.status is OrderStatus.PENDING_PAYMENT and order.payment_due_at:
        values |= {
            "DUE_PK": _payment_shard(order.order_id),
            "DUE_SK": f"{_utc(order.payment_due_at)}#{order.order_id}",
        }
    return values


def to_order(item: dict[str, Any]) -> Order:
    due = item.get("paymentDueAt")
    return Order(
        order_id=item["orderId"],
        member_id=item["memberId"],
        sku=item["sku"],
        name=item.get("name", item["sku"]),
        product_type=item.get("productType", "PHYSICAL"),
        quantity=int(item["quantity"]),
        points_spent=int(item["pointsSpent"]),
        cash_due_fen=int(item.get("cashDueFen", 0)),
        status=OrderStatus(item["status"]),
        created_at=datetime.fromisoformat(item["createdAt"]),
        lots={k: int(v) for k, v in (item.get("lots") or {}).items()},
        limited=bool(item.get("limited", False)),
        address=item.get("address"),
        voucher_code=item.get("voucherCode"),
        payment_due_at=datetime.fromisoformat(due) if due else None,
        transaction_id=item.get("transactionId"),
        carrier=item.get("carrier"),
        tracking_no=item.get("trackingNo"),
        sale_ref=item.get("saleRef"),
    )


def get(order_id: str) -> Order | None:
    item = dynamo.get(*order_key(order_id))
    return to_order(item) if item else None


def create_item(order: Order) -> dict[str, Any]:
    return dynamo.put(to_values(order))


def transition_item(
    order: Order, new_status: OrderStatus, updated_at: datetime, **fields: Any
) -> dict[str, Any]:
    """Move an order on only from the status it was read in (so two transitions cannot both win)."""
    sets = {"status": new_status.value, "updatedAt": updated_at.isoformat(timespec="seconds")} | {
        k: v for k, v in fields.items() if v is not None
    }
    expression = "SET " + ", ".join(f"#{k} = :{k}" for k in sets)
    if new_status is not OrderStatus.PENDING_PAYMENT:
        expression += " REMOVE DUE_PK, DUE_SK"
    return {
        "Update": {
            "TableName": dynamo.table(),
            "Key": dynamo.to_item(dict(zip(("PK", "SK"), order_key(order.order_id), strict=True))),
            "UpdateExpression": expression,
            "ConditionExpression": "#status = :expected",
            "ExpressionAttributeNames": {f"#{k}": k for k in sets},
            "ExpressionAttributeValues": {f":{k}": dynamo.value(v) for k, v in sets.items()}
            | {":expected": dynamo.value(order.status.value)},
        }
    }


def count_limit_item(member_id: str, sku: str, quantity: int, limit: int) -> dict[str, Any]:
    """Add to the member's count for a product only while it stays within the limit."""
    room = {":room": limit - quantity}
    condition = "attribute_not_exists(#c) OR #c <= :room"
    return dynamo.add(*limit_key(member_id, sku), "count", quantity, condition=condition, values=room)


def uncount_limit_item(member_id: str, sku: str, quantity: int) -> dict[str, Any]:
    return dynamo.add(*limit_key(member_id, sku), "count", -quantity)


def query_member_orders(member_id: str, limit: int, start: str | None) -> tuple[list[Order], str | None]:
    """Newest first through GSI1."""
    items, position = dynamo.newest_first(
        f"ORDERS#{member_id}", limit, start, index="GSI1", keys=("GSI1PK", "GSI1SK")
    )
    return [to_order(item) for item in items], position


def overdue_order_ids(now: datetime) -> list[str]:
    """Unpaid orders whose deadline has passed, read from the sparse deadline index (no scan)."""
    return [
        order_id
        for shard in range(PAYMENT_SHARDS)
        for order_id in due.ids_due_before(f"PAYMENT#{shard}", _utc(now), "ORDER#")
    ]
