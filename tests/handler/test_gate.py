"""The front gate: 401/403 before any validation, and no body however odd yields a 5xx."""

from __future__ import annotations

import json

import pytest

from tests.conftest import Invoke, Tokens

PRODUCT = {
    "name": "Cup",
    "category": "home",
    "type": "PHYSICAL",
    "pointsPrice": 10,
    "cashPriceFen": 0,
    "stock": 5,
    "status": "ON_SHELF",
}


def test_no_token_no_idempotency_key_is_401(invoke: Invoke) -> None:
    status, body = invoke("redeem", "POST", "/redemptions", {"sku": "cup", "quantity": 1})
    assert (status, body["error"]["code"]) == (401, "UNAUTHENTICATED"), (status, body)


def test_no_token_malformed_body_is_401(invoke: Invoke) -> None:
    status, body = invoke("earn", "POST", "/earn", "{")
    assert (status, body["error"]["code"]) == (401, "UNAUTHENTICATED"), (status, body)


def test_member_on_admin_route_with_bad_body_is_403(invoke: Invoke, tokens: Tokens) -> None:
    alice = tokens.member("alice")
    status, body = invoke("catalog", "PUT", "/admin/products/cup", {"x": 1}, alice)
    assert (status, body["error"]["code"]) == (403, "FORBIDDEN"), (status, body)


def test_service_on_member_route_without_key_is_403(invoke: Invoke, tokens: Tokens) -> None:
    svc = tokens.service()
    status, body = invoke("redeem", "POST", "/redemptions", {"sku": "cup", "quantity": 1}, svc)
    assert (status, body["error"]["code"]) == (403, "FORBIDDEN"), (status, body)


def test_member_on_admin_adjust_with_bad_path_is_403(invoke: Invoke, tokens: Tokens) -> None:
    alice = tokens.member("alice")
    status, body = invoke(
        "member_admin",
        "POST",
        "/admin/members/a b/adjust",
        {"delta": 1, "reason": "x"},
        alice,
        headers={"Idempotency-Key": "k"},
    )
    assert (status, body["error"]["code"]) == (403, "FORBIDDEN"), (status, body)


@pytest.mark.parametrize(
    "ctype,body",
    [
        ("application/x-www-form-urlencoded", "sku=cup&quantity=1"),
        ("application/x-www-form-urlencoded", "%ZZ=%ZZ&&=="),
        (
            "multipart/form-data; boundary=x",
            '--x\r\nContent-Disposition: form-data; name="sku"\r\n\r\ncup\r\n--x--',
        ),
        ("multipart/form-data", "garbage"),
        ("text/plain", "hello"),
        ("application/xml", "<a/>"),
        ("application/json; charset=latin-1", '{"sku":"cup","quantity":1}'),
        ("", "sku"),
    ],
)
def test_content_types(invoke: Invoke, tokens: Tokens, ctype: str, body: str) -> None:
    alice = tokens.member("alice")
    status, payload = invoke(
        "redeem", "POST", "/redemptions", body, alice, headers={"Idempotency-Key": "k", "Content-Type": ctype}
    )
    assert status < 500, (status, payload)
    assert status in (400, 404, 409), (status, payload)


def _raw(body: str) -> str:
    return body


def test_earn_note_lone_surrogate(invoke: Invoke, tokens: Tokens) -> None:
    tokens.member("alice")
    svc = tokens.service()
    body = '{"memberId":"alice","eventId":"e1","kind":"TASK","points":5,"note":"\\ud800"}'
    status, payload = invoke("earn", "POST", "/earn", body, svc)
    assert status < 500, (status, payload)


def test_earn_event_id_lone_surrogate(invoke: Invoke, tokens: Tokens) -> None:
    tokens.member("alice")
    svc = tokens.service()
    body = '{"memberId":"alice","eventId":"\\udc00","kind":"TASK","points":5}'
    status, payload = invoke("earn", "POST", "/earn", body, svc)
    assert status < 500, (status, payload)


def test_redeem_sku_lone_surrogate(invoke: Invoke, tokens: Tokens) -> None:
    alice = tokens.member("alice")
    body = '{"sku":"\\ud800","quantity":1}'
    status, payload = invoke("redeem", "POST", "/redemptions", body, alice, headers={"Idempotency-Key": "k"})
    assert status < 500, (status, payload)


def test_product_name_lone_surrogate(invoke: Invoke, tokens: Tokens) -> None:
    admin = tokens.admin()
    body = json.dumps({**PRODUCT, "name": "X"}).replace('"X"', '"\\ud800"')
    status, payload = invoke("catalog", "PUT", "/admin/products/cup", body, admin)
    assert status < 500, (status, payload)


def test_adjust_reason_lone_surrogate(invoke: Invoke, tokens: Tokens) -> None:
    tokens.member("alice")
    admin = tokens.admin()
    body = '{"delta":5,"reason":"\\ud800"}'
    status, payload = invoke(
        "member_admin", "POST", "/admin/members/alice/adjust", body, admin, headers={"Idempotency-Key": "k"}
    )
    assert status < 500, (status, payload)


def test_huge_integer_body(invoke: Invoke, tokens: Tokens) -> None:
    alice = tokens.member("alice")
    body = '{"sku":"cup","quantity":' + "9" * 5000 + "}"
    status, payload = invoke("redeem", "POST", "/redemptions", body, alice, headers={"Idempotency-Key": "k"})
    assert status == 400, (status, payload)


def test_rules_deep_time_zone(invoke: Invoke, tokens: Tokens) -> None:
    admin = tokens.admin()
    status, rules = invoke("admin_rules", "GET", "/admin/rules", token=admin)
    assert status == 200
    rules["timeZone"] = "a/" * 2000 + "b"
    status, payload = invoke("admin_rules", "PUT", "/admin/rules", rules, admin)
    assert status == 400, (status, payload)


@pytest.mark.parametrize("body", ["null", "1", "[]", '"x"', "{", "[1,2]", "true"])
def test_odd_bodies_redeem(invoke: Invoke, tokens: Tokens, body: str) -> None:
    alice = tokens.member("alice")
    status, payload = invoke("redeem", "POST", "/redemptions", body, alice, headers={"Idempotency-Key": "k"})
    assert status == 400 and payload["error"]["code"] == "VALIDATION_ERROR", (status, payload)


@pytest.mark.parametrize(
    "auth",
    [
        "Bearer \u00e9\u00e9",
        "Bearer a.b.c",
        "Bearer ....",
        "bearer  x",
        "Basic abc",
        "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4Iiwicm9sZSI6Im1lbWJlciJ9.",
    ],
)
def test_odd_auth(invoke: Invoke, tokens: Tokens, auth: str) -> None:
    status, payload = invoke("member", "GET", "/me", headers={"Authorization": auth})
    assert status == 401, (status, payload)


@pytest.mark.parametrize("limit", ["0", "101", "abc", "1.5", "", "-1", "1e2"])
def test_odd_limits(invoke: Invoke, tokens: Tokens, limit: str) -> None:
    alice = tokens.member("alice")
    status, payload = invoke("member", "GET", "/me/ledger", token=alice, query={"limit": limit})
    assert status == 400, (status, payload)


@pytest.mark.parametrize("cursor", ["", "abc", "a.b", "\u00e9.\u00e9", ".", "e30.xx", "=" * 10 + ".x"])
def test_odd_cursors(invoke: Invoke, tokens: Tokens, cursor: str) -> None:
    alice = tokens.member("alice")
    status, payload = invoke("orders", "GET", "/orders", token=alice, query={"cursor": cursor})
    assert status == 400, (status, payload)


@pytest.mark.parametrize(
    "q",
    [
        {"from": "2024-02-30"},
        {"to": "x"},
        {"from": "2024-01-01", "to": "2025-12-31"},
        {"from": "0001-01-01"},
        {"to": "9999-12-31"},
        {"from": "9999-12-31", "to": "9999-12-31"},
    ],
)
def test_stats_odd_dates(invoke: Invoke, tokens: Tokens, q: dict[str, str]) -> None:
    admin = tokens.admin()
    status, payload = invoke("stats", "GET", "/admin/stats", token=admin, query=q)
    assert status < 500, (status, payload)


@pytest.mark.parametrize(
    "body",
    [
        "[" * 100000 + "]" * 100000,
        '{"sku":' + "[" * 50000 + "]" * 50000 + "}",
        "\ufeff{}",
        '{"sku":"cup","quantity":NaN}',
        '{"sku":"cup","quantity":1e999}',
    ],
)
def test_deep_or_odd_json(invoke: Invoke, tokens: Tokens, body: str) -> None:
    alice = tokens.member("alice")
    status, payload = invoke("redeem", "POST", "/redemptions", body, alice, headers={"Idempotency-Key": "k"})
    assert status == 400, (status, payload)


@pytest.mark.parametrize("limit", ["9" * 5000, "1" + "0" * 30])
def test_huge_limit(invoke: Invoke, tokens: Tokens, limit: str) -> None:
    alice = tokens.member("alice")
    status, payload = invoke("member", "GET", "/me/ledger", token=alice, query={"limit": limit})
    assert status == 400, (status, payload)


def test_huge_int_login(invoke: Invoke) -> None:
    status, payload = invoke("auth_login", "POST", "/auth/login", '{"code":' + "1" * 4301 + "}")
    assert status == 400, (status, payload)
