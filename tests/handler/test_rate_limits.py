"""Per-member rate limits and risk control through the real handlers (moto in-process).

The same rules are checked over HTTP on DynamoDB Local in tests/stack/test_trust.py; these cover the
corners: refusals and malformed requests count, the minute ends, the rules change the limits, a 429
writes nothing, the risk window and an operator's unfreeze."""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import Clock, FakeContext, Invoke, Tokens, http_event, load_handler, through_gateway


def call(folder: str, method: str, path: str, body: Any = None, token: str | None = None, **headers: str):
    """Like `invoke`, with the response headers too."""
    event = http_event(method, path, body, token, None, headers)
    stopped = through_gateway(event)
    if stopped is not None:
        return stopped[0], stopped[1], {}
    response = load_handler(folder).lambda_handler(event, FakeContext())
    return response["statusCode"], json.loads(response["body"]), response.get("headers") or {}


def set_rules(invoke: Invoke, admin: str, **changes: Any) -> None:
    rules = invoke("admin_rules", "GET", "/admin/rules", token=admin)[1]
    rules.pop("version", None)
    status, body = invoke("admin_rules", "PUT", "/admin/rules", {**rules, **changes}, admin)
    assert status == 200, body


def test_sign_in_is_limited_per_minute_and_refusals_count(invoke: Invoke, tokens: Tokens, clock: Clock):
    clock.set("2026-03-02T10:00:05+08:00")
    alice = tokens.member("alice")
    answers = [call("sign_in", "POST", "/sign-in", token=alice) for _ in range(11)]
    assert [a[0] for a in answers] == [200] + [409] * 9 + [429]
    _, body, headers = answers[-1]
    assert body["error"]["code"] == "RATE_LIMITED"
    assert 45 <= int(headers["Retry-After"]) <= 55  # the minute ends at 10:01:00 (the clock runs on)
    clock.set("2026-03-02T10:01:00+08:00")
    assert call("sign_in", "POST", "/sign-in", token=alice)[0] == 409  # a new minute, a new count
    bob = tokens.member("bob")
    assert call("sign_in", "POST", "/sign-in", token=bob)[0] == 200  # per member


def test_a_limited_request_writes_nothing(invoke: Invoke, tokens: Tokens, clock: Clock) -> None:
    from mall.data import accounts

    clock.set("2026-03-02T10:00:00+08:00")
    alice = tokens.member("alice")
    for _ in range(10):
        call("sign_in", "POST", "/sign-in", token=alice)
    version = accounts.load("alice").version
    assert [call("sign_in", "POST", "/sign-in", token=alice)[0] for _ in range(3)] == [429] * 3
    assert accounts.load("alice").version == version


def test_redemptions_count_successes_refusals_and_malformed_requests(
    invoke: Invoke, shop: Any, clock: Clock
) -> None:
    clock.set("2026-03-02T10:00:00+08:00")
    set_rules(invoke, shop.admin, rateLimits={"signIn": 10, "redemptions": 4, "claims": 10, "spins": 60})
    shop.product("cup", pointsPrice=100, stock=10)
    alice = shop.member("alice", points=150)
    assert shop.redeem(alice, "k1")[0] == 201
    assert shop.redeem(alice, "k2")[1]["error"]["code"] == "INSUFFICIENT_POINTS"
    assert shop.redeem(alice, "k1")[0] == 201  # a replay is a request too
    malformed = call("redeem", "POST", "/redemptions", {"sku": "cup"}, alice, **{"Idempotency-Key": "k3"})
    assert malformed[0] == 400  # answered 400, and counted
    status, body, headers = call("redeem", "POST", "/redemptions", {"sku": "cup", "quantity": 1}, alice)
    assert (status, body["error"]["code"]) == (429, "RATE_LIMITED")  # even without an Idempotency-Key
    assert 1 <= int(headers["Retry-After"]) <= 60
    assert shop.balance(alice) == 50 == shop.ledger_sum(alice)


def test_claims_are_limited_and_unknown_sales_count(invoke: Invoke, shop: Any, clock: Clock) -> None:
    clock.set("2026-03-02T10:00:00+08:00")
    alice = shop.member("alice", points=1)
    shop.product("cup")
    sale = {
        "sku": "cup",
        "stock": 3,
        "pointsPrice": 100,
        "startsAt": "2026-03-02T09:00:00+08:00",
        "endsAt": "2026-03-02T12:00:00+08:00",
    }
    sale_id = invoke("admin_flash_sales", "POST", "/admin/flash-sales", sale, shop.admin)[1]["saleId"]

    def claim(sale_ref: str, key: str) -> tuple[int, Any, Any]:
        return call(
            "flash_claim", "POST", f"/flash-sales/{sale_ref}/claims", None, alice, **{"Idempotency-Key": key}
        )

    codes = [claim(sale_id, f"k{i}")[1]["error"]["code"] for i in range(5)]
    codes += [claim("nosuchsale", f"n{i}")[1]["error"]["code"] for i in range(5)]
    assert codes == ["INSUFFICIENT_POINTS"] * 5 + ["SALE_NOT_FOUND"] * 5
    status, body, headers = claim(sale_id, "k99")
    assert (status, body["error"]["code"], "Retry-After" in headers) == (429, "RATE_LIMITED", True)


def test_spins_are_limited_and_refused_spins_count(invoke: Invoke, shop: Any, clock: Clock) -> None:
    clock.set("2026-03-02T10:00:00+08:00")
    set_rules(invoke, shop.admin, rateLimits={"signIn": 10, "redemptions": 30, "claims": 10, "spins": 3})
    prizes = [{"prizeId": "p", "kind": "POINTS", "points": 1, "weight": 1}]
    prizes.append({"prizeId": "none", "kind": "NOTHING", "weight": 0})
    window = {"startsAt": "2026-03-01T00:00:00+08:00", "endsAt": "2026-03-09T00:00:00+08:00"}
    draw = {"name": "wheel", "costPoints": 10, **window, "prizes": prizes}
    assert invoke("draws", "PUT", "/admin/draws/d1", draw, shop.admin)[0] == 200
    alice = shop.member("alice", points=15)

    def spin(key: str) -> tuple[int, Any, Any]:
        return call("draw_spin", "POST", "/draws/d1/spins", None, alice, **{"Idempotency-Key": key})

    assert spin("s1")[0] == 201
    assert spin("s2")[1]["error"]["code"] == "INSUFFICIENT_POINTS"  # 6 points left: refused, and counted
    assert spin("s1")[0] == 201  # a replay is a request too
    status, body, headers = spin("s3")
    assert (status, body["error"]["code"], "Retry-After" in headers) == (429, "RATE_LIMITED", True)
    assert shop.balance(alice) == 6 == shop.ledger_sum(alice)


def test_rate_limited_routes_say_so_in_the_document(invoke: Invoke) -> None:
    paths = invoke("openapi", "GET", "/openapi.json")[1]["paths"]
    limited = {
        f"{method.upper()} {path}"
        for path, operations in paths.items()
        for method, operation in operations.items()
        if "429" in operation["responses"]
    }
    assert limited == {
        "POST /sign-in",
        "POST /redemptions",
        "POST /flash-sales/{saleId}/claims",
        "POST /draws/{drawId}/spins",
    }
    assert "Retry-After" in paths["/sign-in"]["post"]["responses"]["429"]["headers"]


# --- risk control -------------------------------------------------------------------------------


def test_too_many_task_points_freeze_the_member_after_the_crossing_request(
    invoke: Invoke, shop: Any, clock: Clock
) -> None:
    clock.set("2026-03-02T10:00:00+08:00")
    risk = {"windowMinutes": 60, "maxNonPurchasePoints": 100, "maxRedemptions": 100}
    set_rules(invoke, shop.admin, risk=risk, dailyCap=10_000)
    alice = shop.member("alice")

    def task(event_id: str, points: int) -> tuple[int, Any]:
        body = {"memberId": "alice", "eventId": event_id, "kind": "TASK", "points": points}
        return invoke("earn", "POST", "/earn", body, shop.service)

    assert task("t1", 60)[0] == 200
    purchase = {"memberId": "alice", "eventId": "p1", "kind": "PURCHASE", "amountFen": 100_000}
    assert invoke("earn", "POST", "/earn", purchase, shop.service)[0] == 200  # purchases do not count
    status, crossing = task("t2", 41)  # 101 non-purchase points in the window: crosses, and completes
    assert (status, crossing["awarded"], crossing["balance"]) == (200, 41, 1101)
    profile = invoke("member_admin", "GET", "/admin/members/alice", token=shop.admin)[1]
    assert (profile["frozen"], profile["frozenReason"]) == (True, "RISK_AUTO_FREEZE")
    assert profile["balance"] == 60 + 1000 + 41 == shop.ledger_sum(alice)  # the crossing request completed
    assert task("t3", 1)[1]["error"]["code"] == "ACCOUNT_FROZEN"
    assert invoke("sign_in", "POST", "/sign-in", token=alice)[1]["error"]["code"] == "ACCOUNT_FROZEN"
    events = invoke("admin_risk", "GET", "/admin/risk/events", token=shop.admin)[1]
    assert [(e["memberId"], e["rule"], e["observed"], e["limit"], e["reason"]) for e in events["items"]] == [
        ("alice", "maxNonPurchasePoints", 101, 100, "RISK_AUTO_FREEZE")
    ]
    assert events["items"][0]["ref"] == "EVENT#t2"


def test_too_many_redemptions_freeze_the_member(invoke: Invoke, shop: Any, clock: Clock) -> None:
    clock.set("2026-03-02T10:00:00+08:00")
    set_rules(
        invoke, shop.admin, risk={"windowMinutes": 60, "maxNonPurchasePoints": 5000, "maxRedemptions": 2}
    )
    shop.product("cup", pointsPrice=10, stock=10)
    alice = shop.member("alice", points=100)
    assert [shop.redeem(alice, f"k{i}")[0] for i in range(3)] == [201, 201, 201]
    assert shop.redeem(alice, "k4")[1]["error"]["code"] == "ACCOUNT_FROZEN"
    assert shop.balance(alice) == 70 == shop.ledger_sum(alice)
    events = invoke("admin_risk", "GET", "/admin/risk/events", token=shop.admin)[1]["items"]
    assert [(e["rule"], e["observed"]) for e in events] == [("maxRedemptions", 3)]


def test_the_window_slides_and_an_unfreeze_starts_a_new_one(invoke: Invoke, shop: Any, clock: Clock) -> None:
    clock.set("2026-03-02T10:00:00+08:00")
    set_rules(
        invoke, shop.admin, risk={"windowMinutes": 60, "maxNonPurchasePoints": 100, "maxRedemptions": 100}
    )
    alice = shop.member("alice")
    assert invoke("sign_in", "POST", "/sign-in", token=alice)[0] == 200  # sign-in points count too (5)

    def task(event_id: str, points: int) -> tuple[int, Any]:
        body = {"memberId": "alice", "eventId": event_id, "kind": "TASK", "points": points}
        return invoke("earn", "POST", "/earn", body, shop.service)

    assert task("t1", 95)[0] == 200  # 100 in the window: at the limit, not over it
    clock.set("2026-03-02T11:01:00+08:00")  # an hour later those no longer count
    assert task("t2", 100)[0] == 200
    assert task("t3", 1)[0] == 200  # crosses
    assert task("t4", 1)[1]["error"]["code"] == "ACCOUNT_FROZEN"
    reason = {"reason": "reviewed"}
    assert invoke("member_admin", "POST", "/admin/members/alice/unfreeze", reason, shop.admin)[0] == 200
    assert task("t5", 100)[0] == 200  # a new window after the operator's review
    assert invoke("member_admin", "GET", "/admin/members/alice", token=shop.admin)[1]["frozen"] is False
