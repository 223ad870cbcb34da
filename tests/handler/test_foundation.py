"""Handler tests (moto in-process, single-threaded): login, /me, sign-in, earn, rules, ledger paging."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Invoke, Tokens


def earn(invoke: Invoke, token: str, **body: Any) -> tuple[int, Any]:
    return invoke(
        "earn", "POST", "/earn", {"memberId": "alice", "eventId": "e1", "kind": "PURCHASE", **body}, token
    )


def test_login_issues_tokens_for_each_role(invoke: Invoke) -> None:
    status, body = invoke("auth_login", "POST", "/auth/login", {"code": "dev:alice"})
    assert status == 200
    assert body["memberId"] == "alice" and body["token"] and body["expiresAt"]
    status, body = invoke("auth_login", "POST", "/auth/login", {"code": "dev-admin:ops"})
    assert status == 200 and body["memberId"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [("{not json", "body"), ({"code": 5}, "code"), ({}, "code"), ({"code": ""}, "code")],
)
def test_login_rejects_malformed_input_naming_the_field(invoke: Invoke, body: Any, field: str) -> None:
    status, answer = invoke("auth_login", "POST", "/auth/login", body)
    assert status == 400
    assert answer["error"]["code"] == "VALIDATION_ERROR"
    assert field in answer["error"]["message"]


def test_unknown_code_is_invalid_code(invoke: Invoke) -> None:
    status, body = invoke("auth_login", "POST", "/auth/login", {"code": "not-a-wechat-code"})
    assert (status, body["error"]["code"]) == (401, "INVALID_CODE")


def test_me_requires_a_valid_member_token(invoke: Invoke, tokens: Tokens) -> None:
    assert invoke("member", "GET", "/me")[0] == 401
    assert invoke("member", "GET", "/me", token="garbage")[0] == 401
    status, body = invoke("member", "GET", "/me", token=tokens.admin())
    assert (status, body["error"]["code"]) == (403, "FORBIDDEN")


def test_new_member_profile(invoke: Invoke, tokens: Tokens) -> None:
    status, me = invoke("member", "GET", "/me", token=tokens.member("alice"))
    assert status == 200
    assert len(me.pop("inviteCode")) == 8  # the member's own (tests/handler/test_referrals.py)
    assert me == {
        "memberId": "alice",
        "balance": 0,
        "lifetimeEarned": 0,
        "frozen": False,
        "tier": {"name": "MEMBER", "level": 1, "pointsInWindow": None},
        "nextTier": {"name": "SILVER", "pointsNeeded": 1000},
        "signIn": {"streak": 0, "signedInToday": False},
        "expiring": [],
        "pending": [],
        "shortfall": 0,
    }


def test_sign_in_once_per_business_day(invoke: Invoke, tokens: Tokens) -> None:
    token = tokens.member("alice")
    status, body = invoke("sign_in", "POST", "/sign-in", token=token)
    assert (status, body) == (200, {"awarded": 5, "streak": 1, "balance": 5, "shortfallRepaid": 0})
    status, body = invoke("sign_in", "POST", "/sign-in", token=token)
    assert (status, body["error"]["code"]) == (409, "ALREADY_SIGNED_IN")
    me = invoke("member", "GET", "/me", token=token)[1]
    assert me["signIn"] == {"streak": 1, "signedInToday": True}
    assert me["balance"] == 5


def test_purchase_earn_and_replay(invoke: Invoke, tokens: Tokens) -> None:
    member, shop = tokens.member("alice"), tokens.service()
    status, first = earn(invoke, shop, amountFen=12345)
    assert status == 200
    assert first["awarded"] == 123 and first["balance"] == 123 and first["replayed"] is False
    assert first["expiresAt"].endswith("23:59:59+08:00")
    status, again = earn(invoke, shop, amountFen=12345)
    assert status == 200 and again == {**first, "replayed": True}
    status, conflict = earn(invoke, shop, amountFen=99999)
    assert (status, conflict["error"]["code"]) == (409, "IDEMPOTENCY_CONFLICT")
    assert invoke("member", "GET", "/me", token=member)[1]["balance"] == 123


def test_task_points_stop_at_the_daily_cap(invoke: Invoke, tokens: Tokens) -> None:
    tokens.member("alice")
    shop = tokens.service()
    assert earn(invoke, shop, eventId="t1", kind="TASK", points=400)[1]["awarded"] == 400
    assert earn(invoke, shop, eventId="t2", kind="TASK", points=400)[1]["awarded"] == 100
    assert earn(invoke, shop, eventId="t3", kind="CAMPAIGN", points=10)[1]["awarded"] == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "TASK"}, "points"),
        ({"kind": "PURCHASE"}, "amountFen"),
        ({"kind": "BOGUS", "points": 1}, "kind"),
        ({"kind": "PURCHASE", "amountFen": -5}, "amountFen"),
        ({"kind": "PURCHASE", "amountFen": "12"}, "amountFen"),
        ({"kind": "TASK", "points": 10**12}, "points"),
        ({"memberId": None, "kind": "TASK", "points": 1}, "memberId"),
    ],
)
def test_earn_validation_names_the_field(invoke: Invoke, tokens: Tokens, body: Any, field: str) -> None:
    status, answer = earn(invoke, tokens.service(), **body)
    assert status == 400, answer
    assert answer["error"]["code"] == "VALIDATION_ERROR"
    assert field in answer["error"]["message"]


def test_earn_errors(invoke: Invoke, tokens: Tokens) -> None:
    shop = tokens.service()
    status, body = earn(invoke, shop, memberId="nobody", amountFen=100)
    assert (status, body["error"]["code"]) == (404, "MEMBER_NOT_FOUND")
    status, body = earn(invoke, tokens.member("alice"), amountFen=100)
    assert (status, body["error"]["code"]) == (403, "FORBIDDEN")


def test_tier_multiplier_applies_to_purchases(invoke: Invoke, tokens: Tokens) -> None:
    tokens.member("alice")
    shop = tokens.service()
    earn(invoke, shop, eventId="big", amountFen=100_000)  # 1000 points: SILVER
    status, body = earn(invoke, shop, eventId="next", amountFen=12345)
    assert status == 200 and body["awarded"] == 148  # ⌊123.45 × 1.2⌋
    me = invoke("member", "GET", "/me", token=tokens.member("alice"))[1]
    assert me["tier"] == {"name": "SILVER", "level": 2, "pointsInWindow": None}
    assert me["nextTier"] == {"name": "GOLD", "pointsNeeded": 5000 - 1148}


def test_ledger_pages_with_opaque_cursors(invoke: Invoke, tokens: Tokens) -> None:
    alice, bob, shop = tokens.member("alice"), tokens.member("bob"), tokens.service()
    for i in range(5):
        earn(invoke, shop, eventId=f"e{i}", amountFen=100 * (i + 1))
    seen, cursor = [], None
    while True:
        query = {"limit": "2"} | ({"cursor": cursor} if cursor else {})
        status, page = invoke("member", "GET", "/me/ledger", token=alice, query=query)
        assert status == 200
        seen += page["items"]
        cursor = page["nextCursor"]
        if cursor is None:
            break
        # Someone else's cursor, or an edited one, is not accepted.
        status, other = invoke("member", "GET", "/me/ledger", token=bob, query={"cursor": cursor})
        assert (status, other["error"]["code"]) == (400, "VALIDATION_ERROR")
        status, _ = invoke("member", "GET", "/me/ledger", token=alice, query={"cursor": cursor[:-2] + "xx"})
        assert status == 400
    assert [e["delta"] for e in seen] == [5, 4, 3, 2, 1]
    assert [e["balanceAfter"] for e in seen] == [15, 10, 6, 3, 1]
    assert all(e["type"] == "EARN" and e["source"] == "PURCHASE" for e in seen)


@pytest.mark.parametrize("limit", ["0", "101", "abc"])
def test_ledger_limit_out_of_range(invoke: Invoke, tokens: Tokens, limit: str) -> None:
    status, body = invoke("member", "GET", "/me/ledger", token=tokens.member(), query={"limit": limit})
    assert status == 400 and "limit" in body["error"]["message"]


def test_rules_round_trip_and_validation(invoke: Invoke, tokens: Tokens) -> None:
    ops = tokens.admin()
    status, rules = invoke("admin_rules", "GET", "/admin/rules", token=ops)
    assert status == 200 and rules["dailyCap"] == 500 and rules["timeZone"] == "Asia/Shanghai"
    rules["dailyCap"] = 50
    rules["signInRewards"] = [7]
    status, saved = invoke("admin_rules", "PUT", "/admin/rules", rules, token=ops)
    assert status == 200 and saved["dailyCap"] == 50
    assert invoke("sign_in", "POST", "/sign-in", token=tokens.member("carol"))[1]["awarded"] == 7
    status, body = invoke(
        "admin_rules", "PUT", "/admin/rules", {**rules, "timeZone": "Mars/Olympus"}, token=ops
    )
    assert status == 400 and "timeZone" in body["error"]["message"]
    status, body = invoke(
        "admin_rules", "PUT", "/admin/rules", {**rules, "expiry": {"mode": "NEVER"}}, token=ops
    )
    assert status == 400 and "expiry" in body["error"]["message"]
    assert invoke("admin_rules", "GET", "/admin/rules", token=tokens.member())[0] == 403


def test_openapi_document_lists_the_routes(invoke: Invoke) -> None:
    status, doc = invoke("openapi", "GET", "/openapi.json")
    assert status == 200
    for path in ("/auth/login", "/me", "/me/ledger", "/sign-in", "/earn", "/admin/rules"):
        assert path in doc["paths"], path


def test_a_json_body_without_content_type_is_still_json(invoke: Invoke) -> None:
    from tests.conftest import FakeContext, http_event, load_handler

    event = http_event("POST", "/auth/login", {"code": "dev:alice"})
    del event["headers"]["content-type"]
    response = load_handler("auth_login").lambda_handler(event, FakeContext())
    assert response["statusCode"] == 200
    event = http_event(
        "POST",
        "/auth/login",
        {"code": "dev:alice"},
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert load_handler("auth_login").lambda_handler(event, FakeContext())["statusCode"] == 200


def test_tokens_expire_two_hours_after_issue(invoke: Invoke, tokens: Tokens, clock: Any) -> None:
    token = tokens.member("alice")
    clock.advance(2 * 3600 - 5)
    assert invoke("member", "GET", "/me", token=token)[0] == 200
    clock.advance(10)
    status, body = invoke("member", "GET", "/me", token=token)
    assert (status, body["error"]["code"]) == (401, "UNAUTHENTICATED")


def test_sign_in_streak_follows_business_days(invoke: Invoke, tokens: Tokens, clock: Any) -> None:
    clock.set("2026-11-20T23:50:00+08:00")
    rewards = []
    for _ in range(8):
        rewards.append(invoke("sign_in", "POST", "/sign-in", token=tokens.member("alice"))[1]["awarded"])
        clock.advance(24 * 3600)
    assert rewards == [5, 5, 10, 10, 15, 15, 30, 5]
    clock.advance(24 * 3600)  # a missed business day
    token = tokens.member("alice")
    assert invoke("sign_in", "POST", "/sign-in", token=token)[1] == {
        "awarded": 5,
        "streak": 1,
        "balance": 100,
        "shortfallRepaid": 0,
    }


@pytest.mark.parametrize(
    ("folder", "method", "path"),
    [
        ("orders", "GET", "/orders/" + "x" * 3000),
        ("orders", "POST", "/orders/a%23b/cancel"),
        ("member_admin", "GET", "/admin/members/" + "m" * 100),
        ("flash_sales", "GET", "/flash-sales/" + "s" * 5000 + "/claims/mine"),
    ],
)
def test_hostile_path_ids_are_400_not_500(
    invoke: Invoke, tokens: Tokens, folder: str, method: str, path: str
) -> None:
    token = tokens.admin() if "admin" in path else tokens.member()
    status, body = invoke(folder, method, path, token=token)
    assert status == 400 and body["error"]["code"] == "VALIDATION_ERROR", body


def test_hostile_earn_member_id_is_400(invoke: Invoke, tokens: Tokens) -> None:
    status, body = earn(invoke, tokens.service(), memberId="a#b", amountFen=100)
    assert status == 400 and "memberId" in body["error"]["message"]


def test_a_body_that_is_not_utf8_is_400(aws: None) -> None:
    import base64

    from tests.conftest import FakeContext, http_event, load_handler

    event = http_event("POST", "/auth/login", None)
    event["body"], event["isBase64Encoded"] = base64.b64encode(b"\xff\xfe{").decode(), True
    response = load_handler("auth_login").lambda_handler(event, FakeContext())
    assert response["statusCode"] == 400 and "VALIDATION_ERROR" in response["body"]
