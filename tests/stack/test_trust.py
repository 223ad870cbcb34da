"""Rate limits, risk freeze and reconciliation over HTTP on the local stack (DynamoDB Local).

Concurrent requests of one member are counted exactly (the counter rides on the account's
optimistic lock), the crossing request of a risk limit completes and the next meets the freeze, and
the reconciliation job runs from `POST /_local/jobs/ReconcileFunction/run`."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest
import requests

from local_stack.local_server import running_stack
from tests.stack.test_concurrency import Api, ledger_sum

T = TypeVar("T")


def race(count: int, fn: Callable[[int], T]) -> list[T]:
    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(fn, range(count)))


class TrustApi(Api):
    def answer(self, method: str, path: str, body: Any = None, token: str | None = None, **headers: str):
        """Status, body and headers."""
        if token:
            headers["authorization"] = f"Bearer {token}"
        response = self.http.request(method, self.url + path, json=body, headers=headers, timeout=60)
        return response.status_code, response.json() if response.content else None, response.headers

    def at_minute_start(self) -> None:
        """Move the clock to the start of a minute, so a test's requests all fall inside one minute."""
        minute = int(time.time() // 60) * 60 + 120
        now = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(minute))
        assert requests.post(self.url + "/_local/clock", json={"now": now}, timeout=10).status_code == 200

    def rules(self, admin: str, **changes: Any) -> None:
        current = self.call("GET", "/admin/rules", token=admin)[1]
        current.pop("version", None)
        status, body = self.call("PUT", "/admin/rules", {**current, **changes}, admin)
        assert status == 200, body
        time.sleep(1.2)  # the local stack caches the rules for a second


@pytest.fixture(scope="module")
def api() -> Iterator[TrustApi]:
    with running_stack(workers=6, seed=False) as stack:
        yield TrustApi(stack.url)


@pytest.fixture
def admin(api: TrustApi) -> Iterator[str]:
    token = api.login("dev-admin:ops")
    before = api.call("GET", "/admin/rules", token=token)[1]
    yield token
    before.pop("version", None)
    api.call("PUT", "/admin/rules", before, token)
    time.sleep(1.2)


def test_concurrent_sign_ins_are_counted_exactly(api: TrustApi) -> None:
    api.at_minute_start()
    token = api.login(f"dev:rl{uuid.uuid4().hex[:8]}")
    answers = race(25, lambda _: api.answer("POST", "/sign-in", token=token))
    codes = Counter(status for status, _, _ in answers)
    assert codes == {200: 1, 409: 9, 429: 15}  # every request counts, the refused ones too
    limited = [(body, headers) for status, body, headers in answers if status == 429]
    assert all(body["error"]["code"] == "RATE_LIMITED" for body, _ in limited)
    assert all(1 <= int(headers["Retry-After"]) <= 60 for _, headers in limited)
    assert api.call("GET", "/me", token=token)[1]["balance"] == 5 == ledger_sum(api, token)


def test_redemptions_and_claims_are_limited_per_member(api: TrustApi, admin: str) -> None:
    api.at_minute_start()
    run = uuid.uuid4().hex[:8]
    token, other = api.login(f"dev:rr{run}"), api.login(f"dev:ro{run}")
    product = {
        "name": "Cup",
        "category": "home",
        "type": "PHYSICAL",
        "pointsPrice": 100,
        "cashPriceFen": 0,
        "stock": 100,
        "status": "ON_SHELF",
    }
    assert api.call("PUT", f"/admin/products/rl-{run}", product, admin)[0] == 200

    def redeem(i: int) -> tuple[int, Any, Any]:
        body = {"sku": f"rl-{run}", "quantity": 1}
        return api.answer("POST", "/redemptions", body, token, **{"Idempotency-Key": f"k{i}"})

    answers = race(35, redeem)  # no points: each one refused, and counted
    assert Counter(status for status, _, _ in answers) == {409: 30, 429: 5}
    assert redeem(99)[0] == 429
    assert api.answer("POST", "/redemptions", {"sku": "x"}, other, **{"Idempotency-Key": "o"})[0] == 400

    sale = {
        "sku": f"rl-{run}",
        "stock": 5,
        "pointsPrice": 100,
        "startsAt": "2099-01-01T00:00:00+08:00",
        "endsAt": "2099-01-02T00:00:00+08:00",
    }
    sale_id = api.call("POST", "/admin/flash-sales", sale, admin)[1]["saleId"]
    claims = [
        api.answer("POST", f"/flash-sales/{sale_id}/claims", None, other, **{"Idempotency-Key": f"c{i}"})
        for i in range(11)
    ]
    assert [status for status, _, _ in claims] == [409] * 10 + [429]  # SALE_NOT_ACTIVE x 10, then limited


def test_risk_freeze_completes_the_crossing_request_and_stops_the_next(api: TrustApi, admin: str) -> None:
    api.rules(
        admin, dailyCap=100_000, risk={"windowMinutes": 60, "maxNonPurchasePoints": 300, "maxRedemptions": 2}
    )
    run = uuid.uuid4().hex[:8]
    shop = api.login("dev-service:shop")
    member = f"risk{run}"
    token = api.login(f"dev:{member}")

    def task(n: int, points: int) -> tuple[int, Any]:
        body = {"memberId": member, "eventId": f"task-{run}-{n}", "kind": "TASK", "points": points}
        return api.call("POST", "/earn", body, shop)

    assert task(1, 200)[0] == 200
    status, crossing = task(2, 150)  # 350 > 300: crosses, and completes
    assert (status, crossing["awarded"], crossing["balance"]) == (200, 150, 350)
    assert task(3, 10)[1]["error"]["code"] == "ACCOUNT_FROZEN"
    assert api.call("POST", "/sign-in", token=token)[1]["error"]["code"] == "ACCOUNT_FROZEN"
    profile = api.call("GET", f"/admin/members/{member}", token=admin)[1]
    assert (profile["frozen"], profile["frozenReason"], profile["balance"]) == (True, "RISK_AUTO_FREEZE", 350)
    assert ledger_sum(api, token) == 350
    events = api.call("GET", "/admin/risk/events?limit=100", token=admin)[1]["items"]
    mine = [e for e in events if e["memberId"] == member]
    assert [(e["rule"], e["observed"], e["limit"], e["ref"]) for e in mine] == [
        ("maxNonPurchasePoints", 350, 300, f"EVENT#task-{run}-2")
    ]

    # Redemptions: the third in the window crosses maxRedemptions 2 and completes; the fourth is refused.
    assert api.call("POST", f"/admin/members/{member}/unfreeze", {"reason": "reviewed"}, admin)[0] == 200
    product = {
        "name": "Pen",
        "category": "office",
        "type": "PHYSICAL",
        "pointsPrice": 10,
        "cashPriceFen": 0,
        "stock": 100,
        "status": "ON_SHELF",
    }
    assert api.call("PUT", f"/admin/products/pen-{run}", product, admin)[0] == 200
    redeemed = [
        api.call(
            "POST",
            "/redemptions",
            {"sku": f"pen-{run}", "quantity": 1},
            token,
            **{"Idempotency-Key": f"r{i}"},
        )
        for i in range(4)
    ]
    assert [status for status, _ in redeemed] == [201, 201, 201, 403]
    assert redeemed[3][1]["error"]["code"] == "ACCOUNT_FROZEN"
    assert api.call("GET", "/me", token=token)[1]["balance"] == 320 == ledger_sum(api, token)
    newest = api.call("GET", "/admin/risk/events?limit=1", token=admin)[1]["items"][0]
    assert (newest["memberId"], newest["rule"], newest["observed"]) == (member, "maxRedemptions", 3)


def test_the_reconciliation_job_runs_on_demand_and_finds_the_books_balanced(api: TrustApi) -> None:
    shop = api.login("dev-service:shop")
    run = uuid.uuid4().hex[:8]
    for n in range(3):
        api.login(f"dev:rec{run}{n}")
        earn = {
            "memberId": f"rec{run}{n}",
            "eventId": f"rec-{run}-{n}",
            "kind": "PURCHASE",
            "amountFen": 1000,
        }
        assert api.call("POST", "/earn", earn, shop)[0] == 200
    status, ran = api.call("POST", "/_local/jobs/ReconcileFunction/run")
    assert status == 200, ran
    result = ran["result"]
    assert result["accounts"] >= 3 and result["drifted"] == 0 and result["complete"] is True
