"""Member administration on moto in-process: profile, adjust (idempotent, never below zero)."""

from __future__ import annotations

from typing import Any

from tests.conftest import Invoke, Tokens


def adjust(invoke: Invoke, admin: str, key: str, member: str = "alice", **body: Any) -> tuple[int, Any]:
    return invoke(
        "member_admin",
        "POST",
        f"/admin/members/{member}/adjust",
        body,
        admin,
        headers={"Idempotency-Key": key},
    )


def test_adjust_adds_and_deducts_with_one_entry_each(invoke: Invoke, tokens: Tokens) -> None:
    alice, ops = tokens.member("alice"), tokens.admin()
    status, added = adjust(invoke, ops, "a1", delta=300, reason="goodwill")
    assert status == 200 and added["balance"] == 300 and added["delta"] == 300
    assert adjust(invoke, ops, "a1", delta=300, reason="goodwill") == (200, added)  # replay
    status, body = adjust(invoke, ops, "a1", delta=301, reason="goodwill")
    assert (status, body["error"]["code"]) == (409, "IDEMPOTENCY_CONFLICT")
    assert adjust(invoke, ops, "d1", delta=-100, reason="correction")[1]["balance"] == 200
    status, body = adjust(invoke, ops, "d2", delta=-201, reason="too much")
    assert (status, body["error"]["code"]) == (409, "INSUFFICIENT_POINTS")
    entries = invoke("member", "GET", "/me/ledger", token=alice)[1]["items"]
    assert [(e["type"], e["delta"], e["balanceAfter"]) for e in entries] == [
        ("ADJUST", -100, 200),
        ("ADJUST", 300, 300),
    ]
    me = invoke("member", "GET", "/me", token=alice)[1]
    assert me["lifetimeEarned"] == 0  # adjustments are not earnings
    status, profile = invoke("member_admin", "GET", "/admin/members/alice", token=ops)
    assert status == 200 and profile["balance"] == 200 and profile["frozenReason"] is None


def test_adjust_validation_and_auth(invoke: Invoke, tokens: Tokens) -> None:
    tokens.member("alice")
    ops = tokens.admin()
    status, body = adjust(invoke, ops, "z", delta=0, reason="nothing")
    assert status == 400 and "delta" in body["error"]["message"]
    status, body = invoke(
        "member_admin", "POST", "/admin/members/alice/adjust", {"delta": 5, "reason": "x"}, ops
    )
    assert (status, body["error"]["code"]) == (400, "IDEMPOTENCY_KEY_REQUIRED")
    assert adjust(invoke, tokens.member("bob"), "k", delta=5, reason="x")[0] == 403
    status, body = adjust(invoke, ops, "k", member="ghost", delta=5, reason="x")
    assert (status, body["error"]["code"]) == (404, "MEMBER_NOT_FOUND")
