"""Handler tests (moto in-process, single-threaded) for redemption, orders and freezing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Invoke


def test_redeem_takes_points_and_stock_once_per_key(invoke: Invoke, shop: Any) -> None:
    shop.product()
    alice = shop.member("alice", points=250)
    status, order = shop.redeem(alice, "k1", quantity=2)
    assert status == 201, order
    assert order["status"] == "CONFIRMED" and order["pointsSpent"] == 200 and order["cashDueFen"] == 0
    assert shop.redeem(alice, "k1", quantity=2) == (201, order)  # replay changes nothing
    status, body = shop.redeem(alice, "k1", quantity=1)
    assert (status, body["error"]["code"]) == (409, "IDEMPOTENCY_CONFLICT")
    assert shop.balance(alice) == 50 == shop.ledger_sum(alice)
    assert invoke("catalog", "GET", "/products/cup", token=alice)[1]["stock"] == 3


def test_redeem_requires_an_idempotency_key(invoke: Invoke, shop: Any) -> None:
    shop.product()
    alice = shop.member("alice", points=100)
    status, body = invoke("redeem", "POST", "/redemptions", {"sku": "cup", "quantity": 1}, alice)
    assert (status, body["error"]["code"]) == (400, "IDEMPOTENCY_KEY_REQUIRED")


@pytest.mark.parametrize(
    ("product", "points", "quantity", "code", "status"),
    [
        ({}, 50, 1, "INSUFFICIENT_POINTS", 409),
        ({"stock": 1}, 500, 2, "OUT_OF_STOCK", 409),
        ({"perMemberLimit": 1}, 500, 2, "LIMIT_REACHED", 409),
        ({"minTier": "GOLD"}, 500, 1, "TIER_REQUIRED", 403),
        ({"status": "OFF_SHELF"}, 500, 1, "PRODUCT_NOT_FOUND", 404),
    ],
)
def test_failed_redemption_changes_nothing(
    invoke: Invoke, shop: Any, product: dict[str, Any], points: int, quantity: int, code: str, status: int
) -> None:
    shop.product(**product)
    alice = shop.member("alice", points=points)
    answer_status, body = shop.redeem(alice, "k", quantity=quantity)
    assert (answer_status, body["error"]["code"]) == (status, code)
    assert shop.balance(alice) == points
    assert invoke("member", "GET", "/me/ledger", token=alice)[1]["items"][0]["type"] == "EARN"
    assert invoke("orders", "GET", "/orders", token=alice)[1]["items"] == []
    # After an error the same key is processed anew.
    shop.product(**{**product, "stock": 5, "status": "ON_SHELF", "minTier": None, "perMemberLimit": None})
    if points >= 100:
        assert shop.redeem(alice, "k")[0] == 201


def test_per_member_limit_counts_across_orders_and_cancel_returns_it(invoke: Invoke, shop: Any) -> None:
    shop.product(perMemberLimit=2)
    alice = shop.member("alice", points=1000)
    first = shop.redeem(alice, "a", quantity=2)[1]
    assert shop.redeem(alice, "b")[1]["error"]["code"] == "LIMIT_REACHED"
    assert invoke("orders", "POST", f"/orders/{first['orderId']}/cancel", token=alice)[0] == 200
    assert shop.redeem(alice, "c")[0] == 201


def test_frozen_member_cannot_redeem_or_earn(invoke: Invoke, shop: Any) -> None:
    shop.product()
    alice = shop.member("alice", points=500)
    status, body = invoke(
        "member_admin", "POST", "/admin/members/alice/freeze", {"reason": "fraud"}, shop.admin
    )
    assert status == 200 and body["frozen"] is True and body["frozenReason"] == "fraud"
    assert shop.redeem(alice, "k")[1]["error"]["code"] == "ACCOUNT_FROZEN"
    earn = {"memberId": "alice", "eventId": "x", "kind": "TASK", "points": 5}
    assert invoke("earn", "POST", "/earn", earn, shop.service)[1]["error"]["code"] == "ACCOUNT_FROZEN"
    assert invoke("sign_in", "POST", "/sign-in", token=alice)[1]["error"]["code"] == "ACCOUNT_FROZEN"
    invoke("member_admin", "POST", "/admin/members/alice/unfreeze", {"reason": "cleared"}, shop.admin)
    assert shop.redeem(alice, "k")[0] == 201


def test_cancel_refunds_into_original_lots(invoke: Invoke, shop: Any) -> None:
    shop.product(pointsPrice=150)
    alice = shop.member("alice", points=200)
    before = invoke("member", "GET", "/me", token=alice)[1]["expiring"]
    order = shop.redeem(alice, "k")[1]
    status, cancelled = invoke("orders", "POST", f"/orders/{order['orderId']}/cancel", token=alice)
    assert status == 200 and cancelled["status"] == "CANCELLED"
    assert invoke("member", "GET", "/me", token=alice)[1]["expiring"] == before
    entries = invoke("member", "GET", "/me/ledger", token=alice)[1]["items"]
    assert [(e["type"], e["delta"]) for e in entries] == [("REFUND", 150), ("SPEND", -150), ("EARN", 200)]
    assert invoke("catalog", "GET", "/products/cup", token=alice)[1]["stock"] == 5
    status, again = invoke("orders", "POST", f"/orders/{order['orderId']}/cancel", token=alice)
    assert (status, again["error"]["code"]) == (409, "NOT_CANCELLABLE")


def test_someone_elses_order_is_not_found(invoke: Invoke, shop: Any) -> None:
    shop.product()
    alice, bob = shop.member("alice", points=100), shop.member("bob")
    order = shop.redeem(alice, "k")[1]
    assert invoke("orders", "GET", f"/orders/{order['orderId']}", token=bob)[0] == 404
    assert invoke("orders", "POST", f"/orders/{order['orderId']}/cancel", token=bob)[0] == 404
    assert invoke("orders", "GET", f"/orders/{order['orderId']}", token=alice)[1] == order


def test_ship_complete_and_invalid_transitions(invoke: Invoke, shop: Any) -> None:
    shop.product()
    alice = shop.member("alice", points=100)
    order_id = shop.redeem(alice, "k")[1]["orderId"]
    complete = invoke("admin_orders", "POST", f"/admin/orders/{order_id}/complete", token=shop.admin)
    assert (complete[0], complete[1]["error"]["code"]) == (409, "INVALID_STATUS")
    ship = {"carrier": "SF", "trackingNo": "SF123"}
    status, shipped = invoke("admin_orders", "POST", f"/admin/orders/{order_id}/ship", ship, shop.admin)
    assert status == 200 and shipped["status"] == "SHIPPED" and shipped["trackingNo"] == "SF123"
    assert (
        invoke("orders", "POST", f"/orders/{order_id}/cancel", token=alice)[1]["error"]["code"]
        == "NOT_CANCELLABLE"
    )
    status, done = invoke("admin_orders", "POST", f"/admin/orders/{order_id}/complete", token=shop.admin)
    assert status == 200 and done["status"] == "COMPLETED"


def test_virtual_product_completes_with_a_voucher(shop: Any) -> None:
    shop.product("vip", type="VIRTUAL")
    alice = shop.member("alice", points=100)
    status, order = shop.redeem(alice, "k", sku="vip")
    assert status == 201 and order["status"] == "COMPLETED"
    assert order["voucherCode"] and len(order["voucherCode"]) == 19


def test_points_plus_cash_order_is_paid_by_the_service(invoke: Invoke, shop: Any) -> None:
    shop.product(cashPriceFen=990)
    alice = shop.member("alice", points=100)
    order = shop.redeem(alice, "k")[1]
    assert order["status"] == "PENDING_PAYMENT" and order["cashDueFen"] == 990
    path = f"/orders/{order['orderId']}/payment"
    assert invoke("order_payment", "POST", path, {"transactionId": "wx1"}, alice)[0] == 403
    status, paid = invoke("order_payment", "POST", path, {"transactionId": "wx1"}, shop.service)
    assert status == 200 and paid["status"] == "CONFIRMED"
    assert invoke("order_payment", "POST", path, {"transactionId": "wx1"}, shop.service)[1] == paid
    status, body = invoke("order_payment", "POST", path, {"transactionId": "wx2"}, shop.service)
    assert (status, body["error"]["code"]) == (409, "NOT_PAYABLE")


def test_a_redemption_spends_points_from_many_earn_events(invoke: Invoke, shop: Any) -> None:
    shop.product(pointsPrice=125 * 3)
    alice = shop.member("alice")
    for i in range(125):
        body = {"memberId": "alice", "eventId": f"e{i}", "kind": "PURCHASE", "amountFen": 300}
        assert invoke("earn", "POST", "/earn", body, shop.service)[0] == 200
    status, order = shop.redeem(alice, "all")
    assert status == 201, order
    assert shop.balance(alice) == 0


def test_unpaid_orders_cancel_themselves_after_15_minutes(invoke: Invoke, shop: Any, clock: Any) -> None:
    from tests.conftest import FakeContext, load_handler

    shop.product(cashPriceFen=500)
    alice = shop.member("alice", points=300)
    early = shop.redeem(alice, "a")[1]
    late = shop.redeem(alice, "b")[1]
    assert shop.balance(alice) == 100
    clock.advance(14 * 60)
    assert load_handler("order_timeout").lambda_handler({}, FakeContext()) == {"due": 0, "cancelled": 0}
    clock.advance(2 * 60)
    # The job cancels one; the first request touching the other settles it just the same.
    status, body = invoke(
        "order_payment", "POST", f"/orders/{late['orderId']}/payment", {"transactionId": "t"}, shop.service
    )
    assert (status, body["error"]["code"]) == (409, "NOT_PAYABLE")
    assert load_handler("order_timeout").lambda_handler({}, FakeContext()) == {"due": 1, "cancelled": 1}
    assert invoke("orders", "GET", f"/orders/{early['orderId']}", token=alice)[1]["status"] == "CANCELLED"
    assert shop.balance(alice) == 300 == shop.ledger_sum(alice)
    assert invoke("catalog", "GET", "/products/cup", token=alice)[1]["stock"] == 5


def test_orders_page_newest_first_with_cursors(invoke: Invoke, shop: Any) -> None:
    shop.product(pointsPrice=10)
    alice, bob = shop.member("alice", points=100), shop.member("bob")
    made = [shop.redeem(alice, f"k{i}")[1]["orderId"] for i in range(3)]
    status, first = invoke("orders", "GET", "/orders", token=alice, query={"limit": "2"})
    assert status == 200 and [o["orderId"] for o in first["items"]] == made[:0:-1]
    assert invoke("orders", "GET", "/orders", token=bob, query={"cursor": first["nextCursor"]})[0] == 400
    status, second = invoke("orders", "GET", "/orders", token=alice, query={"cursor": first["nextCursor"]})
    assert [o["orderId"] for o in second["items"]] == made[:1]
