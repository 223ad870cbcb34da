"""Fixtures shared by the handler tests: a shop with an admin, a service and members with points."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Invoke, Tokens

PRODUCT = {
    "name": "Thermos cup",
    "category": "home",
    "type": "PHYSICAL",
    "pointsPrice": 100,
    "cashPriceFen": 0,
    "stock": 5,
    "status": "ON_SHELF",
}


@pytest.fixture
def shop(invoke: Invoke, tokens: Tokens) -> Any:
    """Admin puts products, the service awards points, members redeem."""

    class Shop:
        admin = tokens.admin()
        service = tokens.service()

        def product(self, sku: str = "cup", **fields: Any) -> None:
            status, body = invoke(
                "catalog", "PUT", f"/admin/products/{sku}", {**PRODUCT, **fields}, self.admin
            )
            assert status == 200, body

        def member(self, member_id: str, points: int = 0) -> str:
            token = tokens.member(member_id)
            if points:
                body = {"memberId": member_id, "eventId": f"seed-{member_id}-{points}", "kind": "PURCHASE"}
                status, _ = invoke("earn", "POST", "/earn", {**body, "amountFen": points * 100}, self.service)
                assert status == 200
            return token

        def redeem(
            self, token: str, key: str, sku: str = "cup", quantity: int = 1, **more: Any
        ) -> tuple[int, Any]:
            body = {"sku": sku, "quantity": quantity, **more}
            return invoke("redeem", "POST", "/redemptions", body, token, headers={"Idempotency-Key": key})

        def balance(self, token: str) -> int:
            return int(invoke("member", "GET", "/me", token=token)[1]["balance"])

        def ledger_sum(self, token: str) -> int:
            entries = invoke("member", "GET", "/me/ledger", token=token, query={"limit": "100"})[1]["items"]
            return sum(e["delta"] for e in entries)

    return Shop()
