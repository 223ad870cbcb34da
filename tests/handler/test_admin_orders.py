"""Orders for operations staff: the fulfilment queue, a member's orders and ledger, one order."""

from __future__ import annotations

from typing import Any

from tests.conftest import Invoke


def admin_orders(invoke: Invoke, shop: Any, **query: str) -> tuple[int, Any]:
    return invoke("admin_orders", "GET", "/admin/orders", token=shop.admin, query=query)


def test_the_fulfilment_queue_holds_confirmed_physical_orders_until_shipped(
    invoke: Invoke, shop: Any
) -> None:
    shop.product("cup")
    shop.product("voucher", type="VIRTUAL")
    shop.product("lamp", cashPriceFen=500)
    alice = shop.member("alice", 1000)
    cup = shop.redeem(alice, "k1", sku="cup")[1]
    assert shop.redeem(alice, "k2", sku="voucher")[1]["status"] == "COMPLETED"
    lamp = shop.redeem(alice, "k3", sku="lamp")[1]
    assert lamp["status"] == "PENDING_PAYMENT"

    queue = admin_orders(invoke, shop, status="CONFIRMED")[1]
    assert [o["orderId"] for o in queue["items"]] == [cup["orderId"]]
    assert queue["items"][0]["memberId"] == "alice" and queue["nextCursor"] is None

    paid = invoke(
        "order_payment", "POST", f"/orders/{lamp['orderId']}/payment", {"transactionId": "t1"}, shop.service
    )
    assert paid[1]["status"] == "CONFIRMED"
    queue = admin_orders(invoke, shop, status="CONFIRMED", limit="1")[1]
    assert [o["orderId"] for o in queue["items"]] == [cup["orderId"]]  # oldest first
    rest = admin_orders(invoke, shop, status="CONFIRMED", limit="1", cursor=queue["nextCursor"])[1]
    assert [o["orderId"] for o in rest["items"]] == [lamp["orderId"]] and rest["nextCursor"] is None

    ship = {"carrier": "SF", "trackingNo": "SF1"}
    assert invoke("admin_orders", "POST", f"/admin/orders/{cup['orderId']}/ship", ship, shop.admin)[0] == 200
    assert invoke("orders", "POST", f"/orders/{lamp['orderId']}/cancel", token=alice)[0] == 200
    assert admin_orders(invoke, shop, status="CONFIRMED")[1]["items"] == []

    one = invoke("admin_orders", "GET", f"/admin/orders/{cup['orderId']}", token=shop.admin)[1]
    assert (one["status"], one["carrier"], one["memberId"]) == ("SHIPPED", "SF", "alice")
    cancelled = invoke("admin_orders", "GET", f"/admin/orders/{lamp['orderId']}", token=shop.admin)[1]
    assert (cancelled["status"], cancelled["cancelReason"]) == ("CANCELLED", "MEMBER")


def test_a_members_orders_and_ledger_for_staff(invoke: Invoke, shop: Any) -> None:
    shop.product("cup")
    bob = shop.member("bob", 500)
    order = shop.redeem(bob, "k1")[1]
    mine = admin_orders(invoke, shop, memberId="bob")[1]
    assert [o["orderId"] for o in mine["items"]] == [order["orderId"]]
    assert admin_orders(invoke, shop, memberId="nobody")[1]["items"] == []
    ledger = invoke("member_admin", "GET", "/admin/members/bob/ledger", token=shop.admin)[1]
    assert [(e["type"], e["delta"]) for e in ledger["items"]] == [("SPEND", -100), ("EARN", 500)]


def test_staff_lists_ask_for_one_filter_and_an_admin(invoke: Invoke, shop: Any) -> None:
    for query in ({}, {"memberId": "bob", "status": "CONFIRMED"}, {"status": "SHIPPED"}, {"memberId": "a b"}):
        status, body = admin_orders(invoke, shop, **query)
        assert (status, body["error"]["code"]) == (400, "VALIDATION_ERROR"), query
    member = shop.member("carol")
    assert (
        invoke("admin_orders", "GET", "/admin/orders", token=member, query={"status": "CONFIRMED"})[0] == 403
    )
    assert invoke("member_admin", "GET", "/admin/members/carol/ledger", token=member)[0] == 403
    assert (
        invoke("admin_orders", "GET", "/admin/orders/nope", token=shop.admin)[1]["error"]["code"]
        == "ORDER_NOT_FOUND"
    )
