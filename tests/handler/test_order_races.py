"""The first request that touches an overdue unpaid order cancels it; racing the timeout job is harmless."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import FakeContext, Invoke, Tokens, load_handler

PRODUCT = {
    "name": "Cup",
    "category": "home",
    "type": "PHYSICAL",
    "pointsPrice": 10,
    "cashPriceFen": 500,
    "stock": 5,
    "status": "ON_SHELF",
}


def _setup(invoke: Invoke, tokens: Tokens, clock: Any, n: int = 1) -> tuple[str, str, list[str]]:
    admin, svc, alice = tokens.admin(), tokens.service(), tokens.member("alice")
    assert invoke("catalog", "PUT", "/admin/products/cup", PRODUCT, admin)[0] == 200
    earn = {"memberId": "alice", "eventId": "e1", "kind": "PURCHASE", "amountFen": 10_000}
    assert invoke("earn", "POST", "/earn", earn, svc)[0] == 200
    ids = []
    for i in range(n):
        status, order = invoke(
            "redeem",
            "POST",
            "/redemptions",
            {"sku": "cup", "quantity": 1},
            alice,
            headers={"Idempotency-Key": f"k{i}"},
        )
        assert status == 201 and order["status"] == "PENDING_PAYMENT", order
        ids.append(order["orderId"])
    clock.advance(16 * 60)
    return alice, svc, ids


def _job() -> dict[str, int]:
    return load_handler("order_timeout").lambda_handler({}, FakeContext())


def _interleave(monkeypatch: pytest.MonkeyPatch, between: Any) -> None:
    """Run `between` right after the first orders.get of the request (a concurrent writer)."""
    from mall.data import orders as store

    real = store.get
    state = {"done": False}

    def get(order_id: str) -> Any:
        found = real(order_id)
        if not state["done"]:
            state["done"] = True
            between()
        return found

    monkeypatch.setattr(store, "get", get)


def test_get_order_during_timeout_job_is_not_409(
    invoke: Invoke, tokens: Tokens, clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice, _, (order_id,) = _setup(invoke, tokens, clock)
    _interleave(monkeypatch, _job)
    status, body = invoke("orders", "GET", f"/orders/{order_id}", token=alice)
    assert (status, body.get("status")) == (200, "CANCELLED"), (status, body)


def test_payment_during_timeout_job_is_not_payable(
    invoke: Invoke, tokens: Tokens, clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, svc, (order_id,) = _setup(invoke, tokens, clock)
    _interleave(monkeypatch, _job)
    status, body = invoke(
        "order_payment", "POST", f"/orders/{order_id}/payment", {"transactionId": "t1"}, svc
    )
    assert (status, body["error"]["code"]) == (409, "NOT_PAYABLE"), (status, body)


def test_timeout_job_survives_a_member_read_cancelling_first(
    invoke: Invoke, tokens: Tokens, clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice, _, _ids = _setup(invoke, tokens, clock, n=2)
    from mall.data import orders as store

    real_get = store.get
    state = {"done": False}

    def get(order_id: str) -> Any:
        found = real_get(order_id)
        if not state["done"]:
            state["done"] = True
            monkeypatch.setattr(store, "get", real_get)
            invoke("orders", "GET", f"/orders/{order_id}", token=alice)  # member's read cancels it first
        return found

    monkeypatch.setattr(store, "get", get)
    result = _job()  # raises NotCancellable -> whole run fails, the other overdue order is left
    assert result["cancelled"] >= 1
