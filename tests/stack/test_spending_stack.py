"""Spending beyond the catalog over HTTP on the local stack (DynamoDB Local, the real workers, the stream
poller): deductions and their reversal, also under concurrent duplicates; a 2x inflation window; orders
that wait for review; the hot list. Every member's ledger sums to the balance."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from local_stack.local_server import running_stack
from tests.stack.http_client import StackApi

DAY = "2031-05-14"
NOW = f"{DAY}T10:00:00+08:00"
LAG_LIMIT_SECONDS = 10.0  # the contract: asynchronous reads reflect a write within 10 seconds


class Api(StackApi):
    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.members: set[str] = set()

    def member(self, prefix: str, points: int) -> tuple[str, str]:
        """A new member holding `points` (one purchase of as many yuan)."""
        member = f"{prefix}{uuid.uuid4().hex[:8]}"
        token = self.login(f"dev:{member}")
        self.members.add(member)
        earn = {
            "memberId": member,
            "eventId": f"seed-{member}",
            "kind": "PURCHASE",
            "amountFen": points * 100,
        }
        assert self.ok("POST", "/earn", earn, self.login("dev-service:shop"))["awarded"] == points
        return member, token

    def product(self, sku: str, **fields: Any) -> None:
        body = {
            "name": sku,
            "category": "home",
            "type": "PHYSICAL",
            "pointsPrice": 100,
            "cashPriceFen": 0,
            "stock": 50,
            "status": "ON_SHELF",
        }
        self.ok("PUT", f"/admin/products/{sku}", body | fields, self.login("dev-admin:ops"))

    def balance(self, token: str) -> int:
        return int(self.ok("GET", "/me", token=token)["balance"])

    def ledger_sum(self, token: str) -> int:
        total, cursor = 0, None
        while True:
            page = self.ok(
                "GET", "/me/ledger?limit=100" + (f"&cursor={cursor}" if cursor else ""), token=token
            )
            total += sum(e["delta"] for e in page["items"])
            cursor = page["nextCursor"]
            if not cursor:
                return total


@pytest.fixture(scope="module")
def api() -> Iterator[Api]:
    with running_stack(workers=4, seed=False) as stack:
        client = Api(stack.url)
        client.ok("POST", "/_local/clock", {"now": NOW})
        yield client
        # Whatever these tests did, every member's ledger sums to the balance.
        for member in sorted(client.members):
            token = client.login(f"dev:{member}")
            assert client.ledger_sum(token) == client.balance(token), member


def race(count: int, fn: Callable[[int], tuple[int, Any]]) -> list[tuple[int, Any]]:
    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(fn, range(count)))


def test_a_deduction_and_its_reversal_once_under_concurrent_duplicates(api: Api) -> None:
    member, token = api.member("ded", 800)
    shop = api.login("dev-service:shop")
    expiring = api.ok("GET", "/me", token=token)["expiring"]
    body = {"memberId": member, "orderRef": f"po-{member}", "orderAmountFen": 2000, "points": 500}
    # Twenty copies of one checkout at once: one deduction.
    answers = race(20, lambda _: api.call("POST", "/deductions", body, shop, **{"Idempotency-Key": member}))
    assert {status for status, _ in answers} == {201}, answers
    assert len({a["deductionId"] for _, a in answers}) == 1
    deduction = answers[0][1]
    assert (deduction["pointsSpent"], deduction["deductedFen"], deduction["balance"]) == (500, 500, 300)
    assert api.balance(token) == 300

    too_much = body | {"points": 1100, "orderAmountFen": 2000}
    status, answer = api.call("POST", "/deductions", too_much, shop, **{"Idempotency-Key": f"{member}-2"})
    assert (status, answer["error"]["code"]) == (409, "DEDUCTION_LIMIT")

    path = f"/deductions/{deduction['deductionId']}/reverse"
    answers = race(20, lambda _: api.call("POST", path, None, shop))
    assert {status for status, _ in answers} == {200}, answers
    assert {(a["status"], a["balance"]) for _, a in answers} == {("REVERSED", 800)}
    assert api.balance(token) == 800 == api.ledger_sum(token)
    assert api.ok("GET", "/me", token=token)["expiring"] == expiring  # back into the same lots
    entries = api.ok("GET", "/me/ledger?limit=100", token=token)["items"]
    assert Counter((e["type"], e["source"]) for e in entries if e["source"] == "DEDUCTION") == {
        ("SPEND", "DEDUCTION"): 1,
        ("REFUND", "DEDUCTION"): 1,
    }


def test_inside_a_2x_inflation_window_a_100_point_product_costs_50(api: Api) -> None:
    sku = f"infl{uuid.uuid4().hex[:8]}"
    category = f"c{sku}"  # its own category: the campaign lowers nothing of the other tests'
    api.product(sku, category=category)
    admin = api.login("dev-admin:ops")
    campaign = {
        "name": "积分膨胀",
        "multiplier": 2,
        "startsAt": f"{DAY}T00:00:00+08:00",
        "endsAt": f"{DAY}T23:59:59+08:00",
        "kinds": ["REDEMPTION"],
        "categories": [category],
    }
    api.ok("POST", "/admin/campaigns", campaign, admin)
    _, token = api.member("infl", 100)

    def shown() -> bool:  # within the rules cache (1 s on the local stack) every worker knows it
        return bool(api.ok("GET", f"/products/{sku}", token=token)["pointsPrice"] == 50)

    deadline = time.monotonic() + LAG_LIMIT_SECONDS
    while not shown():
        assert time.monotonic() < deadline
        time.sleep(0.2)
    listed = api.ok("GET", f"/products?category={category}", token=token)["items"]
    assert [(p["pointsPrice"], p["listPointsPrice"]) for p in listed] == [(50, 100)]
    order = api.ok("POST", "/redemptions", {"sku": sku, "quantity": 1}, token, **{"Idempotency-Key": "i1"})
    assert order["pointsSpent"] == 50
    assert api.balance(token) == 50 == api.ledger_sum(token)


def test_a_reviewed_order_holds_points_until_approved_and_rejecting_restores_them(api: Api) -> None:
    sku = f"tv{uuid.uuid4().hex[:8]}"
    api.product(sku, pointsPrice=300, stock=5, reviewRequired=True)
    _, token = api.member("rev", 1000)
    admin = api.login("dev-admin:ops")
    orders = [
        api.ok("POST", "/redemptions", {"sku": sku, "quantity": 1}, token, **{"Idempotency-Key": key})
        for key in ("a", "b")
    ]
    assert [o["status"] for o in orders] == ["PENDING_REVIEW", "PENDING_REVIEW"]
    assert api.balance(token) == 400
    assert api.ok("GET", f"/products/{sku}", token=token)["stock"] == 3
    queue = api.ok("GET", "/admin/orders?status=PENDING_REVIEW&limit=100", token=admin)["items"]
    assert {o["orderId"] for o in orders} <= {o["orderId"] for o in queue}

    approved = api.ok("POST", f"/admin/orders/{orders[0]['orderId']}/approve", token=admin)
    assert approved["status"] == "CONFIRMED"
    assert api.balance(token) == 400  # the approved order keeps its points

    # An admin rejecting while the member withdraws: one of them cancels, the points come back once.
    reject = f"/admin/orders/{orders[1]['orderId']}/reject"
    cancel = f"/orders/{orders[1]['orderId']}/cancel"
    answers = race(
        2,
        lambda i: (
            api.call("POST", reject, {"reason": "address check failed"}, admin)
            if i == 0
            else api.call("POST", cancel, None, token)
        ),
    )
    assert sorted(status for status, _ in answers) == [200, 409], answers
    assert api.balance(token) == 700 == api.ledger_sum(token)
    assert api.ok("GET", f"/products/{sku}", token=token)["stock"] == 4
    status, answer = api.call("POST", f"/admin/orders/{orders[0]['orderId']}/reject", {"reason": "x"}, admin)
    assert (status, answer["error"]["code"]) == (409, "INVALID_STATUS")


def test_the_hot_list_orders_by_last_weeks_redemptions(api: Api) -> None:
    run = uuid.uuid4().hex[:8]
    category = f"hot{run}"
    skus = [f"{name}{run}" for name in ("a", "b", "c")]
    for sku in skus:
        api.product(sku, category=category, pointsPrice=1)
    _, token = api.member("hot", 100)
    for sku, units in zip(skus, (1, 5, 3), strict=True):
        body = {"sku": sku, "quantity": units}
        api.ok("POST", "/redemptions", body, token, **{"Idempotency-Key": f"{sku}"})

    def hot() -> list[tuple[str, int]]:
        items = api.ok("GET", f"/products?sort=hot&category={category}", token=token)["items"]
        return [(p["sku"], p["redeemedLast7d"]) for p in items]

    expected = [(skus[1], 5), (skus[2], 3), (skus[0], 1)]
    deadline = time.monotonic() + LAG_LIMIT_SECONDS
    while hot() != expected:
        assert time.monotonic() < deadline, hot()
        time.sleep(0.2)
