"""Accounts with many lots due at once (an unsettled account, a long-unshipped order) stay writable."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tests.conftest import FakeContext, Invoke, Tokens, load_handler

DAYS = 101
START = datetime.fromisoformat("2025-01-01T12:00:00+08:00")


def _earn_on_many_days(invoke: Invoke, tokens: Tokens, clock: Any) -> None:
    tokens.member("alice")
    for i in range(DAYS):
        clock.set((START + timedelta(days=i)).isoformat())
        body = {"memberId": "alice", "eventId": f"t{i}", "kind": "TASK", "points": 1}
        status, res = invoke("earn", "POST", "/earn", body, tokens.service())
        assert status == 200 and res["awarded"] == 1, res


def test_cancel_after_many_spent_lots_expired(invoke: Invoke, tokens: Tokens, clock: Any) -> None:
    _earn_on_many_days(invoke, tokens, clock)
    clock.set((START + timedelta(days=DAYS)).isoformat())
    admin = tokens.admin()
    product = {
        "name": "Cup",
        "category": "home",
        "type": "PHYSICAL",
        "pointsPrice": DAYS,
        "cashPriceFen": 0,
        "stock": 5,
        "status": "ON_SHELF",
    }
    assert invoke("catalog", "PUT", "/admin/products/cup", product, admin)[0] == 200
    alice = tokens.member("alice")
    status, order = invoke(
        "redeem",
        "POST",
        "/redemptions",
        {"sku": "cup", "quantity": 1},
        alice,
        headers={"Idempotency-Key": "k"},
    )
    assert status == 201 and order["status"] == "CONFIRMED", order
    # the order waits unshipped; all 101 spent lots pass their last day
    clock.set((START + timedelta(days=DAYS + 366)).isoformat())
    alice = tokens.member("alice")
    status, body = invoke("orders", "POST", f"/orders/{order['orderId']}/cancel", None, alice)
    assert status == 200, (status, body)


def test_account_with_many_due_lots_when_sweep_missed(invoke: Invoke, tokens: Tokens, clock: Any) -> None:
    _earn_on_many_days(invoke, tokens, clock)
    clock.set((START + timedelta(days=DAYS + 366)).isoformat())
    status, body = invoke("member", "GET", "/me", token=tokens.member("alice"))
    assert status == 200, (status, body)


def test_sweep_with_many_due_lots(invoke: Invoke, tokens: Tokens, clock: Any) -> None:
    _earn_on_many_days(invoke, tokens, clock)
    clock.set((START + timedelta(days=DAYS + 366)).isoformat())
    result = load_handler("expiry_sweep").lambda_handler({}, FakeContext())
    assert result["expiredAccounts"] == 1


def test_one_poisoned_account_blocks_the_sweep_for_others(invoke: Invoke, tokens: Tokens, clock: Any) -> None:
    _earn_on_many_days(invoke, tokens, clock)  # alice: shard EXPIRY#07, 101 due lots
    tokens.member("dave")  # dave: shard EXPIRY#08, swept after alice
    clock.set((START + timedelta(days=DAYS)).isoformat())
    body = {"memberId": "dave", "eventId": "d1", "kind": "TASK", "points": 7}
    assert invoke("earn", "POST", "/earn", body, tokens.service())[0] == 200
    clock.set((START + timedelta(days=DAYS + 366)).isoformat())
    load_handler("expiry_sweep").lambda_handler({}, FakeContext())
    from mall.data import accounts

    assert accounts.load("dave").lots == {}, "dave's expired lot was never swept (the run died on alice)"
