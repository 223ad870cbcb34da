"""Cash is never forgotten: a paid order cancelled owes its cash back until the payment side confirms."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import FakeContext, Invoke, Tokens, load_handler

CASH_CUP = {
    "name": "Cup",
    "category": "home",
    "type": "PHYSICAL",
    "pointsPrice": 10,
    "cashPriceFen": 1990,
    "stock": 10,
    "status": "ON_SHELF",
}


@pytest.fixture
def mall(invoke: Invoke, tokens: Tokens) -> Any:
    class Mall:
        admin, service, alice = tokens.admin("ops"), tokens.service("pay"), tokens.member("alice")

        def __init__(self) -> None:
            assert invoke("catalog", "PUT", "/admin/products/cup", CASH_CUP, self.admin)[0] == 200
            assert (
                invoke("catalog", "PUT", "/admin/products/free", {**CASH_CUP, "cashPriceFen": 0}, self.admin)[
                    0
                ]
                == 200
            )
            earn = {"memberId": "alice", "eventId": "e1", "kind": "PURCHASE", "amountFen": 100_000}
            assert invoke("earn", "POST", "/earn", earn, self.service)[0] == 200

        def order(self, key: str, sku: str = "cup", quantity: int = 1) -> dict[str, Any]:
            headers = {"Idempotency-Key": key}
            status, order = invoke(
                "redeem",
                "POST",
                "/redemptions",
                {"sku": sku, "quantity": quantity},
                self.alice,
                headers=headers,
            )
            assert status == 201, order
            return dict(order)

        def pay(self, order_id: str, transaction_id: str = "wx-tx-1") -> tuple[int, Any]:
            body = {"transactionId": transaction_id}
            return invoke("order_payment", "POST", f"/orders/{order_id}/payment", body, self.service)  # type: ignore[no-any-return]

        def cancel(self, order_id: str) -> tuple[int, Any]:
            return invoke("orders", "POST", f"/orders/{order_id}/cancel", None, self.alice)  # type: ignore[no-any-return]

        def refunded(self, order_id: str, refund_id: str, token: str | None = None) -> tuple[int, Any]:
            path = f"/admin/orders/{order_id}/cash-refund"
            return invoke("admin_refunds", "POST", path, {"refundId": refund_id}, token or self.service)  # type: ignore[no-any-return]

        def pending(self, token: str | None = None, **query: str) -> Any:
            status, page = invoke(
                "admin_refunds", "GET", "/admin/refunds", token=token or self.admin, query=query or None
            )
            assert status == 200, page
            return page

    return Mall()


def test_a_paid_order_cancelled_owes_its_cash_until_confirmed(invoke: Invoke, mall: Any) -> None:
    order = mall.order("k1", quantity=2)
    assert (order["status"], order["cashDueFen"], order["cashRefund"]) == ("PENDING_PAYMENT", 3980, None)
    assert mall.pay(order["orderId"], "wx-4200001")[1]["status"] == "CONFIRMED"
    status, cancelled = mall.cancel(order["orderId"])
    assert status == 200 and cancelled["status"] == "CANCELLED"
    owed = {"amountFen": 3980, "transactionId": "wx-4200001", "status": "PENDING", "refundId": None}
    assert cancelled["cashRefund"] == owed
    for token in (mall.admin, mall.service):
        (listed,) = mall.pending(token, status="PENDING")["items"]
        assert (listed["orderId"], listed["memberId"], listed["cashRefund"]) == (
            order["orderId"],
            "alice",
            owed,
        )

    status, done = mall.refunded(order["orderId"], "wx-refund-9")
    assert status == 200
    assert done["cashRefund"] == owed | {"status": "DONE", "refundId": "wx-refund-9"}
    assert mall.pending()["items"] == []
    assert mall.refunded(order["orderId"], "wx-refund-9") == (200, done)  # the same refund: a replay
    status, body = mall.refunded(order["orderId"], "wx-refund-10", mall.admin)
    assert (status, body["error"]["code"]) == (409, "IDEMPOTENCY_CONFLICT")
    mine = invoke("orders", "GET", f"/orders/{order['orderId']}", token=mall.alice)[1]
    assert mine["cashRefund"]["status"] == "DONE"  # the member sees the cash went back

    entries = invoke("admin_audit", "GET", "/admin/audit", token=mall.admin, query={"memberId": "alice"})[1]
    (refund,) = [e for e in entries["items"] if e["action"] == "CASH_REFUNDED"]
    assert (refund["actor"], refund["actorRole"], refund["target"]) == (
        "pay",
        "service",
        f"order:{order['orderId']}",
    )
    assert (refund["before"]["cashRefund"]["status"], refund["after"]["cashRefund"]["refundId"]) == (
        "PENDING",
        "wx-refund-9",
    )


def test_orders_without_cash_paid_owe_nothing(mall: Any) -> None:
    unpaid, free = mall.order("k1"), mall.order("k2", sku="free")
    for order in (unpaid, free):
        status, cancelled = mall.cancel(order["orderId"])
        assert (status, cancelled["cashRefund"]) == (200, None)
        status, body = mall.refunded(order["orderId"], "r1")
        assert (status, body["error"]["code"]) == (409, "INVALID_STATUS"), body
    paid = mall.order("k3")
    mall.pay(paid["orderId"])
    status, body = mall.refunded(paid["orderId"], "r1")  # paid, not cancelled: nothing owed
    assert (status, body["error"]["code"]) == (409, "INVALID_STATUS")
    assert mall.refunded("o-unknown", "r1")[1]["error"]["code"] == "ORDER_NOT_FOUND"
    assert mall.pending()["items"] == []


def test_a_payment_after_the_cancellation_is_refused_and_changes_nothing(invoke: Invoke, mall: Any) -> None:
    order = mall.order("k1")
    cancelled = mall.cancel(order["orderId"])[1]
    status, body = mall.pay(order["orderId"])
    assert (status, body["error"]["code"]) == (409, "NOT_PAYABLE")
    after = invoke("orders", "GET", f"/orders/{order['orderId']}", token=mall.alice)[1]
    assert after == cancelled
    assert mall.pending()["items"] == []


def _between_read_and_write(monkeypatch: pytest.MonkeyPatch, between: Any) -> None:
    """Run `between` once, right after the request under test has read the order (a concurrent writer)."""
    from mall.data import orders as store

    real, state = store.get, {"done": False}

    def get(order_id: str) -> Any:
        found = real(order_id)
        if not state["done"]:
            state["done"] = True
            between(order_id)
        return found

    monkeypatch.setattr(store, "get", get)


def test_a_payment_landing_while_the_member_cancels_makes_the_cancel_record_the_refund(
    invoke: Invoke, mall: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    order = mall.order("k1")
    _between_read_and_write(monkeypatch, lambda order_id: mall.pay(order_id, "wx-late"))
    status, cancelled = mall.cancel(order["orderId"])
    assert (status, cancelled["status"]) == (200, "CANCELLED")
    assert cancelled["cashRefund"]["transactionId"] == "wx-late"
    assert [o["orderId"] for o in mall.pending()["items"]] == [order["orderId"]]


def test_the_timeout_never_cancels_an_order_paid_just_before_it_ran(
    invoke: Invoke, mall: Any, clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mall.data import orders as store
    from mall.domain.orders import OrderStatus

    order = mall.order("k1")
    clock.advance(16 * 60)

    def paid_a_moment_before_the_deadline(order_id: str) -> None:
        from dataclasses import replace
        from datetime import UTC, datetime

        unpaid = store.get(order_id)
        assert unpaid is not None
        paid = replace(unpaid, status=OrderStatus.CONFIRMED, transaction_id="wx-in-time")
        store.commit_transition(unpaid, paid, datetime.now(UTC))

    _between_read_and_write(monkeypatch, paid_a_moment_before_the_deadline)
    result = load_handler("order_timeout").lambda_handler({}, FakeContext())
    assert result["cancelled"] == 0
    monkeypatch.undo()
    after = invoke("orders", "GET", f"/orders/{order['orderId']}", token=mall.alice)[1]
    assert (after["status"], after["cashRefund"]) == ("CONFIRMED", None)


def test_the_pending_list_pages_oldest_first(mall: Any) -> None:
    ids = []
    for n in range(5):
        order = mall.order(f"k{n}")
        mall.pay(order["orderId"], f"tx{n}")
        mall.cancel(order["orderId"])
        ids.append(order["orderId"])
    seen, cursor = [], None
    while True:
        page = mall.pending(limit="2", **({"cursor": cursor} if cursor else {}))
        seen += [o["orderId"] for o in page["items"]]
        cursor = page["nextCursor"]
        if not cursor:
            break
    assert seen == ids


def test_who_may_see_and_confirm_refunds(invoke: Invoke, mall: Any, tokens: Tokens) -> None:
    assert invoke("admin_refunds", "GET", "/admin/refunds", token=mall.alice)[0] == 403
    assert mall.refunded("o1", "r1", mall.alice)[0] == 403
    status, body = invoke(
        "admin_refunds", "GET", "/admin/refunds", token=mall.admin, query={"status": "DONE"}
    )
    assert (status, body["error"]["code"]) == (400, "VALIDATION_ERROR")
    status, body = invoke("admin_refunds", "POST", "/admin/orders/o1/cash-refund", {}, mall.admin)
    assert status == 400 and body["error"]["message"].startswith("refundId")
