"""Orders: redemption requests and the order as the API shows it."""

from __future__ import annotations

from pydantic import Field

from mall.api.wire.common import WireModel
from mall.domain.calendar import iso
from mall.domain.orders import CashRefund, Order


class RedeemBody(WireModel):
    sku: str = Field(min_length=1, max_length=64)
    quantity: int = Field(ge=1, le=100, strict=True)
    address: str | None = Field(default=None, max_length=500)


class PaymentBody(WireModel):
    transaction_id: str = Field(min_length=1, max_length=128)


class ShipBody(WireModel):
    carrier: str = Field(min_length=1, max_length=64)
    tracking_no: str = Field(min_length=1, max_length=64)


class RejectBody(WireModel):
    reason: str = Field(min_length=1, max_length=200, description="why: recorded in the audit log")


class CashRefundBody(WireModel):
    refund_id: str = Field(min_length=1, max_length=128, description="the payment side's refund")


class CashRefundView(WireModel):
    """The cash a cancelled order's payment owes back: PENDING until the payment side confirms it."""

    amount_fen: int
    transaction_id: str
    status: str
    refund_id: str | None

    @classmethod
    def of(cls, refund: CashRefund) -> CashRefundView:
        return cls(
            amount_fen=refund.amount_fen,
            transaction_id=refund.transaction_id,
            status=refund.status.value,
            refund_id=refund.refund_id,
        )


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
    cash_refund: CashRefundView | None

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
            created_at=iso(order.created_at),
            voucher_code=order.voucher_code,
            address=order.address,
            payment_due_at=iso(order.payment_due_at) if order.payment_due_at else None,
            carrier=order.carrier,
            tracking_no=order.tracking_no,
            cash_refund=CashRefundView.of(order.cash_refund) if order.cash_refund else None,
        )


class AdminOrderView(OrderView):
    """What operations staff see besides: whose order it is and, if cancelled, why."""

    member_id: str
    cancel_reason: str | None

    @classmethod
    def of(cls, order: Order) -> AdminOrderView:
        shown = OrderView.of(order).model_dump()
        return cls(**shown, member_id=order.member_id, cancel_reason=order.cancel_reason)
