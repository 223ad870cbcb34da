"""Daily statistics on the local stack: writes over HTTP reach GET /admin/stats through the table's
stream (DynamoDB Local -> the stream poller -> StatsAggregatorFunction) within 10 seconds."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from local_stack.local_server import running_stack
from tests.stack.http_client import StackApi

DAY = "2030-06-15"
LAG_LIMIT_SECONDS = 10.0


Api = StackApi


@pytest.fixture(scope="module")
def api() -> Iterator[Api]:
    # No seed: every point in this stack is one of these tests', so `outstanding` is known exactly.
    with running_stack(workers=4, seed=False) as stack:
        client = Api(stack.url)
        # Midday in Shanghai, so the whole test stays on one business day.
        client.ok("POST", "/_local/clock", {"now": f"{DAY}T12:00:00+08:00"})
        yield client


def until(condition: Callable[[], bool], seconds: float = LAG_LIMIT_SECONDS) -> float:
    """Poll until `condition` holds; returns how long it took (fails after `seconds`)."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < seconds, f"not visible within {seconds:.0f} s"
        time.sleep(0.1)
    return time.monotonic() - started


def test_stats_reflect_earn_sign_in_redeem_and_cancel_within_ten_seconds(api: Api) -> None:
    run = uuid.uuid4().hex[:8]
    admin, shop = api.login("dev-admin:ops"), api.login("dev-service:shop")
    members = [f"st{run}a", f"st{run}b"]
    tokens = {m: api.login(f"dev:{m}") for m in members}
    product = {
        "name": "Stats cup",
        "category": "home",
        "type": "PHYSICAL",
        "pointsPrice": 30,
        "cashPriceFen": 0,
        "stock": 10,
        "status": "ON_SHELF",
    }
    api.ok("PUT", f"/admin/products/cup{run}", product, admin)
    for member, fen in zip(members, (10_000, 5_000), strict=True):
        earn = {"memberId": member, "eventId": f"e-{member}", "kind": "PURCHASE", "amountFen": fen}
        api.ok("POST", "/earn", earn, shop)
    signed = int(api.ok("POST", "/sign-in", token=tokens[members[0]])["awarded"])
    orders = [
        api.ok(
            "POST",
            "/redemptions",
            {"sku": f"cup{run}", "quantity": 1},
            tokens[m],
            **{"Idempotency-Key": f"k-{m}"},
        )["orderId"]
        for m in members
    ]
    api.ok("POST", f"/orders/{orders[0]}/cancel", token=tokens[members[0]])
    written = time.monotonic()

    expected = {
        "date": DAY,
        "issued": 150 + signed,
        "redeemed": 60,
        "expired": 0,
        "refunded": 30,
        "signIns": 1,
        "orders": 2,
        "reversed": 0,
    }
    balances = sum(api.ok("GET", f"/admin/members/{m}", token=admin)["balance"] for m in members)
    assert balances == 150 + signed - 30
    query = f"/admin/stats?from={DAY}&to={DAY}"
    seen: dict[str, Any] = {}

    def reflected() -> bool:
        seen.update(api.ok("GET", query, token=admin))
        return bool(seen["days"] == [expected] and seen["outstanding"] == balances)

    until(reflected)
    lag = time.monotonic() - written
    print(f"\nstats reflected 8 writes {lag:.2f} s after the last one")
    assert seen == {"days": [expected], "outstanding": balances}

    # One more write, timed on its own; and the totals then stay put (nothing is counted twice).
    before = time.monotonic()
    api.ok(
        "POST", "/earn", {"memberId": members[1], "eventId": f"x-{run}", "kind": "TASK", "points": 7}, shop
    )
    single = until(lambda: api.ok("GET", query, token=admin)["days"][0]["issued"] == 150 + signed + 7)
    print(f"one earn visible in stats after {time.monotonic() - before:.2f} s (poll {single:.2f} s)")
    time.sleep(1.5)
    final = api.ok("GET", query, token=admin)
    assert final["days"] == [{**expected, "issued": 150 + signed + 7}]
    assert final["outstanding"] == balances + 7
    assert final["outstanding"] == sum(
        api.ok("GET", "/me", token=api.login(f"dev:{m}"))["balance"] for m in members
    )


def test_stats_answer_zeros_for_quiet_days_and_check_their_input(api: Api) -> None:
    admin = api.login("dev-admin:ops")
    body = api.ok("GET", "/admin/stats?from=2030-01-01&to=2030-01-03", token=admin)
    assert [d["date"] for d in body["days"]] == ["2030-01-01", "2030-01-02", "2030-01-03"]
    assert all(d["issued"] == d["orders"] == 0 for d in body["days"])
    status, error = api.call("GET", "/admin/stats?from=2030-01-03&to=2030-01-01", token=admin)
    assert status == 400 and error["error"]["code"] == "VALIDATION_ERROR"
    assert api.call("GET", "/admin/stats", token=api.login("dev:someone"))[0] == 403
