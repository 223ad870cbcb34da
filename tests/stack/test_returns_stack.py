"""Purchase returns and pending points over HTTP on the local stack (DynamoDB Local, the real workers,
the stream poller): the clock, not a job, makes pending points spendable; reversals leave the ledger
summing to the balance; the statistics count them."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from local_stack.local_server import running_stack
from tests.stack.http_client import StackApi

DAY = "2031-04-10"
LAG_LIMIT_SECONDS = 10.0
RULES_CACHE_SECONDS = 1.0  # the local stack's rules cache


class Api(StackApi):
    def at(self, when: str) -> None:
        self.ok("POST", "/_local/clock", {"now": when})

    # Tokens expire by the clock, which these tests move: every call logs in anew.
    def shop(self, method: str, path: str, body: Any, **headers: str) -> Any:
        return self.ok(method, path, body, self.login("dev-service:shop"), **headers)

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        return self.ok(method, path, body, self.login("dev-admin:ops"))

    def member(self, member: str, method: str, path: str, body: Any = None, **headers: str) -> Any:
        return self.ok(method, path, body, self.login(f"dev:{member}"), **headers)

    def me(self, member: str) -> dict[str, Any]:
        return dict(self.member(member, "GET", "/me"))

    def ledger(self, member: str) -> list[tuple[str, int]]:
        items = self.member(member, "GET", "/me/ledger?limit=100")["items"]
        return [(e["type"], e["delta"]) for e in reversed(items)]


@pytest.fixture(scope="module")
def api() -> Iterator[Api]:
    with running_stack(workers=3, seed=False) as stack:
        client = Api(stack.url)
        client.at(f"{DAY}T10:00:00+08:00")
        rules = client.admin("GET", "/admin/rules")
        client.admin("PUT", "/admin/rules", rules | {"pendingDays": 7})
        time.sleep(RULES_CACHE_SECONDS + 0.2)  # every worker sees the new rules
        yield client


def test_a_purchase_reversed_while_pending_leaves_no_trace(api: Api) -> None:
    run = uuid.uuid4().hex[:8]
    member = f"pend{run}"
    api.login(f"dev:{member}")  # opens the account
    api.at(f"{DAY}T10:00:00+08:00")
    earned = api.shop(
        "POST", "/earn", {"memberId": member, "eventId": f"p-{run}", "kind": "PURCHASE", "amountFen": 20_000}
    )
    assert (earned["awarded"], earned["balance"], earned["pendingUntil"]) == (
        200,
        0,
        "2031-04-17T00:00:00+08:00",
    )
    assert api.me(member)["pending"] == [{"points": 200, "availableAt": "2031-04-17T00:00:00+08:00"}]
    reversal = api.shop("POST", f"/earn/p-{run}/reverse", {"reason": "returned"})
    assert reversal == {"reversed": 200, "balance": 0, "shortfall": 0, "replayed": False}

    api.at("2031-04-18T09:00:00+08:00")
    me = api.me(member)
    assert (me["balance"], me["pending"], me["lifetimeEarned"], me["shortfall"]) == (0, [], 0, 0)
    assert api.ledger(member) == []


def test_pending_points_become_spendable_by_the_clock_alone(api: Api) -> None:
    run = uuid.uuid4().hex[:8]
    member = f"clock{run}"
    api.login(f"dev:{member}")  # opens the account
    api.at(f"{DAY}T10:00:00+08:00")
    api.shop(
        "POST", "/earn", {"memberId": member, "eventId": f"p-{run}", "kind": "PURCHASE", "amountFen": 12_300}
    )
    api.at("2031-04-16T23:59:00+08:00")
    assert api.me(member)["balance"] == 0
    api.at("2031-04-17T00:00:01+08:00")
    me = api.me(member)
    assert (me["balance"], me["pending"], me["lifetimeEarned"]) == (123, [], 123)
    assert api.ledger(member) == [("EARN", 123)]


def test_a_purchase_reversed_after_its_points_were_spent_is_repaid_by_the_next_earning(api: Api) -> None:
    run = uuid.uuid4().hex[:8]
    member = f"owe{run}"
    api.login(f"dev:{member}")  # opens the account
    sku = f"cup{run}"
    product = {
        "name": "Cup",
        "category": "home",
        "type": "PHYSICAL",
        "pointsPrice": 150,
        "cashPriceFen": 0,
        "stock": 5,
        "status": "ON_SHELF",
    }
    api.admin("PUT", f"/admin/products/{sku}", product)
    api.at(f"{DAY}T10:00:00+08:00")
    api.shop(
        "POST", "/earn", {"memberId": member, "eventId": f"a-{run}", "kind": "PURCHASE", "amountFen": 20_000}
    )
    api.at("2031-04-17T10:00:00+08:00")  # spendable now
    api.member(member, "POST", "/redemptions", {"sku": sku, "quantity": 1}, **{"Idempotency-Key": run})
    reversal = api.shop("POST", f"/earn/a-{run}/reverse", {"reason": "returned", "amountFen": 20_000})
    assert reversal == {"reversed": 200, "balance": 0, "shortfall": 150, "replayed": False}
    assert api.me(member)["shortfall"] == 150

    task = api.shop(
        "POST", "/earn", {"memberId": member, "eventId": f"t-{run}", "kind": "TASK", "points": 200}
    )
    assert (task["awarded"], task["shortfallRepaid"], task["balance"]) == (200, 150, 50)
    me = api.me(member)
    assert (me["balance"], me["shortfall"], me["lifetimeEarned"]) == (50, 0, 200)
    assert api.ledger(member) == [("EARN", 200), ("SPEND", -150), ("REVERSE", -50), ("EARN", 50)]
    assert sum(delta for _, delta in api.ledger(member)) == me["balance"]


def test_stats_count_reversed_points_and_issue_pending_ones_when_spendable(api: Api) -> None:
    run = uuid.uuid4().hex[:8]
    member = f"stat{run}"
    api.login(f"dev:{member}")  # opens the account
    day, later = "2031-05-01", "2031-05-08"
    api.at(f"{day}T10:00:00+08:00")
    api.shop(
        "POST", "/earn", {"memberId": member, "eventId": f"s-{run}", "kind": "PURCHASE", "amountFen": 30_000}
    )
    api.at(f"{later}T10:00:00+08:00")
    api.shop("POST", f"/earn/s-{run}/reverse", {"reason": "returned", "amountFen": 10_000})  # 100 back
    query = f"/admin/stats?from={day}&to={later}"
    started = time.monotonic()
    while True:
        days = {d["date"]: d for d in api.admin("GET", query)["days"]}
        if days[later]["reversed"] >= 100:
            break
        assert time.monotonic() - started < LAG_LIMIT_SECONDS, days[later]
        time.sleep(0.2)
    # Nothing was issued the day of the purchase (its points were pending), 300 the day they came.
    assert (days[day]["issued"], days[later]["issued"], days[later]["reversed"]) == (0, 300, 100)
