"""Spending beyond the catalog's list prices, through the real handlers: redemption campaigns (积分膨胀),
orders that wait for an admin's review, and the hot list."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Invoke, Tokens
from tests.handler.test_stats import Stream, aggregate

DAY = "2026-06-10T10:00:00+08:00"
WINDOW = {"startsAt": "2026-06-10T00:00:00+08:00", "endsAt": "2026-06-11T00:00:00+08:00"}


@pytest.fixture
def mall(shop: Any, clock: Any) -> Any:
    clock.set(DAY)
    return shop


def inflation(invoke: Invoke, admin: str, **fields: Any) -> Any:
    body = {"name": "积分膨胀", "multiplier": 2, **WINDOW, "kinds": ["REDEMPTION"], **fields}
    status, created = invoke("campaigns", "POST", "/admin/campaigns", body, admin)
    assert status == 201, created
    return created


def shelf(invoke: Invoke, token: str, **query: str) -> list[dict[str, Any]]:
    status, page = invoke("catalog", "GET", "/products", token=token, query=query or None)
    assert status == 200, page
    return list(page["items"])


# --- 积分膨胀 -------------------------------------------------------------------------------------


def test_inside_a_2x_inflation_window_a_100_point_product_costs_50(
    invoke: Invoke, tokens: Tokens, mall: Any
) -> None:
    mall.product("cup", pointsPrice=100)
    alice = mall.member("alice", 100)
    inflation(invoke, mall.admin)
    [cup] = shelf(invoke, alice)
    assert (cup["pointsPrice"], cup["listPointsPrice"]) == (50, 100)
    one = invoke("catalog", "GET", "/products/cup", token=alice)[1]
    assert (one["pointsPrice"], one["listPointsPrice"]) == (50, 100)
    status, order = mall.redeem(alice, "r1")
    assert status == 201 and order["pointsSpent"] == 50
    assert mall.balance(alice) == 50 == mall.ledger_sum(alice)


def test_outside_the_window_the_list_price_applies(
    invoke: Invoke, tokens: Tokens, mall: Any, clock: Any
) -> None:
    mall.product("cup", pointsPrice=100)
    inflation(invoke, mall.admin, startsAt="2026-06-11T00:00:00+08:00", endsAt="2026-06-12T00:00:00+08:00")
    alice = mall.member("alice", 300)
    assert shelf(invoke, alice)[0]["pointsPrice"] == 100
    assert mall.redeem(alice, "r1")[1]["pointsSpent"] == 100
    clock.set("2026-06-11T10:00:00+08:00")
    alice = tokens.member("alice")
    assert shelf(invoke, alice)[0]["pointsPrice"] == 50
    assert mall.redeem(alice, "r2")[1]["pointsSpent"] == 50
    clock.set("2026-06-12T00:00:00+08:00")  # the window ends before its end
    alice = tokens.member("alice")
    assert mall.redeem(alice, "r3")[1]["pointsSpent"] == 100


def test_categories_narrow_the_inflation_and_prices_round_up(invoke: Invoke, mall: Any) -> None:
    mall.product("cup", pointsPrice=99, category="home")
    mall.product("pen", pointsPrice=99, category="office")
    inflation(invoke, mall.admin, multiplier=2, categories=["home"])
    inflation(invoke, mall.admin, multiplier=1.5, categories=["home"])  # overlapping: the highest applies
    prices = {p["sku"]: (p["pointsPrice"], p["listPointsPrice"]) for p in shelf(invoke, mall.admin)}
    assert prices == {"cup": (50, 99), "pen": (99, 99)}


def test_earn_campaigns_do_not_lower_prices(invoke: Invoke, mall: Any) -> None:
    mall.product("cup", pointsPrice=100)
    inflation(invoke, mall.admin, kinds=["PURCHASE"])
    assert shelf(invoke, mall.admin)[0]["pointsPrice"] == 100


# --- review ----------------------------------------------------------------------------------------


def order_of(invoke: Invoke, admin: str, order_id: str) -> dict[str, Any]:
    return dict(invoke("admin_orders", "GET", f"/admin/orders/{order_id}", token=admin)[1])


def review_queue(invoke: Invoke, admin: str, **query: str) -> tuple[int, Any]:
    return invoke(
        "admin_orders", "GET", "/admin/orders", token=admin, query={"status": "PENDING_REVIEW", **query}
    )


def test_a_reviewed_product_holds_points_and_stock_until_approved(invoke: Invoke, mall: Any) -> None:
    mall.product("tv", pointsPrice=100, stock=3, reviewRequired=True)
    alice = mall.member("alice", 250)
    status, order = mall.redeem(alice, "r1", sku="tv")
    assert status == 201 and order["status"] == "PENDING_REVIEW"
    assert mall.balance(alice) == 150
    assert invoke("catalog", "GET", "/products/tv", token=alice)[1]["stock"] == 2
    queue = review_queue(invoke, mall.admin)[1]["items"]
    assert [o["orderId"] for o in queue] == [order["orderId"]]
    # Not shippable while under review; approval confirms it, and it leaves the review queue.
    path = f"/admin/orders/{order['orderId']}"
    ship = {"carrier": "SF", "trackingNo": "1"}
    assert (
        invoke("admin_orders", "POST", f"{path}/ship", ship, mall.admin)[1]["error"]["code"]
        == "INVALID_STATUS"
    )
    status, approved = invoke("admin_orders", "POST", f"{path}/approve", None, mall.admin)
    assert status == 200 and approved["status"] == "CONFIRMED"
    assert review_queue(invoke, mall.admin)[1]["items"] == []
    assert mall.balance(alice) == 150 == mall.ledger_sum(alice)
    again = invoke("admin_orders", "POST", f"{path}/approve", None, mall.admin)
    assert (again[0], again[1]["error"]["code"]) == (409, "INVALID_STATUS")
    rejected = invoke("admin_orders", "POST", f"{path}/reject", {"reason": "late"}, mall.admin)
    assert (rejected[0], rejected[1]["error"]["code"]) == (409, "INVALID_STATUS")
    assert invoke("admin_orders", "POST", f"{path}/ship", ship, mall.admin)[1]["status"] == "SHIPPED"


def test_rejecting_refunds_the_points_into_their_lots_and_puts_the_stock_back(
    invoke: Invoke, mall: Any
) -> None:
    mall.product("tv", pointsPrice=100, stock=3, reviewRequired=True)
    alice = mall.member("alice", 250)
    expiring = invoke("member", "GET", "/me", token=alice)[1]["expiring"]
    order = mall.redeem(alice, "r1", sku="tv")[1]
    path = f"/admin/orders/{order['orderId']}/reject"
    status, rejected = invoke("admin_orders", "POST", path, {"reason": "suspicious address"}, mall.admin)
    assert status == 200, rejected
    assert rejected["status"] == "CANCELLED" and rejected["cancelReason"].startswith("REVIEW_REJECTED")
    assert mall.balance(alice) == 250 == mall.ledger_sum(alice)
    assert invoke("member", "GET", "/me", token=alice)[1]["expiring"] == expiring
    assert invoke("catalog", "GET", "/products/tv", token=alice)[1]["stock"] == 3
    again = invoke("admin_orders", "POST", path, {"reason": "again"}, mall.admin)
    assert (again[0], again[1]["error"]["code"]) == (409, "INVALID_STATUS")
    assert mall.balance(alice) == 250


def test_each_review_is_audited(invoke: Invoke, mall: Any) -> None:
    mall.product("tv", pointsPrice=10, stock=3, reviewRequired=True)
    alice = mall.member("alice", 100)
    first, second = (mall.redeem(alice, key, sku="tv")[1]["orderId"] for key in ("r1", "r2"))
    invoke("admin_orders", "POST", f"/admin/orders/{first}/approve", None, mall.admin)
    invoke("admin_orders", "POST", f"/admin/orders/{second}/reject", {"reason": "fraud"}, mall.admin)
    log = invoke("admin_audit", "GET", "/admin/audit", token=mall.admin, query={"memberId": "alice"})[1]
    actions = [(e["action"], e["target"]) for e in log["items"]]
    assert ("ORDER_APPROVED", f"order:{first}") in actions
    assert ("ORDER_REJECTED", f"order:{second}") in actions


def test_redemptions_above_the_threshold_wait_for_review(invoke: Invoke, mall: Any) -> None:
    current = invoke("admin_rules", "GET", "/admin/rules", token=mall.admin)[1]
    assert current["reviewAbovePoints"] is None
    status, _ = invoke("admin_rules", "PUT", "/admin/rules", current | {"reviewAbovePoints": 150}, mall.admin)
    assert status == 200
    mall.product("cup", pointsPrice=100, stock=5)
    alice = mall.member("alice", 500)
    assert mall.redeem(alice, "r1")[1]["status"] == "CONFIRMED"  # 100 points: not above 150
    assert mall.redeem(alice, "r2", quantity=2)[1]["status"] == "PENDING_REVIEW"  # 200


def test_a_member_may_withdraw_an_order_under_review(invoke: Invoke, mall: Any) -> None:
    mall.product("tv", pointsPrice=100, stock=3, reviewRequired=True)
    alice = mall.member("alice", 250)
    order = mall.redeem(alice, "r1", sku="tv")[1]
    status, cancelled = invoke("orders", "POST", f"/orders/{order['orderId']}/cancel", None, alice)
    assert status == 200 and cancelled["status"] == "CANCELLED"
    assert mall.balance(alice) == 250
    assert review_queue(invoke, mall.admin)[1]["items"] == []


def test_a_paid_order_is_reviewed_after_payment(invoke: Invoke, mall: Any) -> None:
    mall.product("tv", pointsPrice=100, cashPriceFen=9900, stock=3, reviewRequired=True)
    alice = mall.member("alice", 250)
    order = mall.redeem(alice, "r1", sku="tv")[1]
    assert order["status"] == "PENDING_PAYMENT"
    path = f"/orders/{order['orderId']}/payment"
    paid = invoke("order_payment", "POST", path, {"transactionId": "wx-1"}, mall.service)[1]
    assert paid["status"] == "PENDING_REVIEW"
    rejected = invoke(
        "admin_orders", "POST", f"/admin/orders/{order['orderId']}/reject", {"reason": "no"}, mall.admin
    )[1]
    assert rejected["status"] == "CANCELLED" and rejected["cashRefund"]["status"] == "PENDING"
    assert mall.balance(alice) == 250


def test_review_routes_validate_and_are_admin_only(invoke: Invoke, tokens: Tokens, mall: Any) -> None:
    assert invoke("admin_orders", "POST", "/admin/orders/o-nope/approve", None, mall.admin)[0] == 404
    status, body = invoke("admin_orders", "POST", "/admin/orders/o-nope/reject", {}, mall.admin)
    assert status == 400 and "reason" in body["error"]["message"]
    assert (
        invoke("admin_orders", "POST", "/admin/orders/o-nope/approve", None, tokens.member("bob"))[0] == 403
    )
    assert review_queue(invoke, mall.admin, status="SHIPPED")[0] == 400


# --- hot list --------------------------------------------------------------------------------------


def test_the_hot_list_orders_the_shelf_by_last_weeks_redemptions(
    invoke: Invoke, tokens: Tokens, mall: Any, clock: Any
) -> None:
    stream = Stream()
    for sku in ("a-cup", "b-pen", "c-mug", "d-hat"):
        mall.product(sku, pointsPrice=1, stock=100, name=sku.split("-")[1].title())
    alice = mall.member("alice", 1000)
    clock.set("2026-06-01T10:00:00+08:00")  # 9 days before DAY: outside the last 7 business days
    alice = tokens.member("alice")
    mall.redeem(alice, "old", sku="d-hat", quantity=50)
    aggregate(stream.new_records())
    clock.set("2026-06-04T10:00:00+08:00")  # the first of the last 7 business days
    alice = tokens.member("alice")
    mall.redeem(alice, "w1", sku="b-pen", quantity=2)
    clock.set(DAY)
    alice = tokens.member("alice")
    mall.redeem(alice, "t1", sku="c-mug", quantity=3)
    mall.redeem(alice, "t2", sku="b-pen", quantity=2)
    aggregate(stream.new_records())
    hot = shelf(invoke, alice, sort="hot")
    assert [(p["sku"], p["redeemedLast7d"]) for p in hot] == [
        ("b-pen", 4),
        ("c-mug", 3),
        ("a-cup", 0),
        ("d-hat", 0),
    ]
    # Every listing carries the count, in the usual order too; pages follow the hot order.
    assert {p["sku"]: p["redeemedLast7d"] for p in shelf(invoke, alice)}["b-pen"] == 4
    first = invoke("catalog", "GET", "/products", token=alice, query={"sort": "hot", "limit": "3"})[1]
    rest = invoke(
        "catalog",
        "GET",
        "/products",
        token=alice,
        query={"sort": "hot", "limit": "3", "cursor": first["nextCursor"]},
    )[1]
    assert [p["sku"] for p in first["items"] + rest["items"]] == ["b-pen", "c-mug", "a-cup", "d-hat"]
    assert rest["nextCursor"] is None
    # A category and a search narrow the hot list as they narrow the shelf.
    assert [p["sku"] for p in shelf(invoke, alice, sort="hot", q="MUG")] == ["c-mug"]


def test_an_unknown_sort_is_400(invoke: Invoke, mall: Any) -> None:
    status, body = invoke("catalog", "GET", "/products", token=mall.admin, query={"sort": "cold"})
    assert status == 400 and "sort" in body["error"]["message"]
