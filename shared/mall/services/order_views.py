"""The order as the API shows it."""

from __future__ import annotations

from mall.api.models import WireModel
from mall.domain.orders import Order


class OrderView(WireModel):
    order_id: str
    status: str
    sku: str
    name: str
    quantity: int
    points_spent: int
    cash_due_fen: int
    created_at: str
    voucher_code: str | None
    address: str | None
    payment_due_at: str | None
    carrier: str | None
    tracking_no: str | None

    @classmethod
    def of(cls, order: Order) -> OrderView:
        return cls(
            order_id=order.order_id,
            status=order.status.value,
            sku=order.sku,
            name=order.name,
            quantity=order.quantity,
            points_spent=order.points_spent,
            cash_due_fen=order.cash_due_fen,
            created_at=order.created_at.isoformat(timespec="seconds"),
            voucher_code=order.voucher_code,
            address=order.address,
            payment_due_at=order.payment_due_at.isoformat(timespec="seconds")
            if order.payment_due_at
            else None,
            carrier=order.carrier,
            tracking_no=order.tracking_no,
        )
