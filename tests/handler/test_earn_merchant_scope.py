"""Event ids are unique per merchant: two merchants may use the same one."""

from __future__ import annotations

from tests.conftest import Invoke, Tokens


def test_same_event_id_from_two_merchants_different_members(invoke: Invoke, tokens: Tokens) -> None:
    tokens.member("alice")
    tokens.member("bob")
    shop_a, shop_b = tokens.service("shopA"), tokens.service("shopB")
    body = {"eventId": "1001", "kind": "PURCHASE", "amountFen": 10_000}
    assert invoke("earn", "POST", "/earn", {**body, "memberId": "alice"}, shop_a)[0] == 200
    status, res = invoke("earn", "POST", "/earn", {**body, "memberId": "bob"}, shop_b)
    assert status == 200 and res["awarded"] == 100, (status, res)


def test_same_event_id_from_two_merchants_same_member(invoke: Invoke, tokens: Tokens) -> None:
    tokens.member("alice")
    shop_a, shop_b = tokens.service("shopA"), tokens.service("shopB")
    body = {"memberId": "alice", "eventId": "1001", "kind": "PURCHASE", "amountFen": 10_000}
    assert invoke("earn", "POST", "/earn", body, shop_a)[1]["awarded"] == 100
    status, res = invoke("earn", "POST", "/earn", body, shop_b)
    assert (status, res["replayed"], res["balance"]) == (200, False, 200), (
        res
    )  # second purchase silently lost
