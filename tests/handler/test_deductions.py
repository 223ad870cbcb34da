"""Points as cash at the merchant's checkout, through the real handlers: POST /deductions and
POST /deductions/{deductionId}/reverse."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Invoke, Tokens

DAY = "2026-03-10T10:00:00+08:00"


class Checkout:
    def __init__(self, invoke: Invoke, tokens: Tokens, shop: Any) -> None:
        self.invoke, self.tokens, self.shop = invoke, tokens, shop

    def deduct(self, key: str, token: str | None = None, **body: Any) -> tuple[int, Any]:
        payload = {"memberId": "alice", "orderRef": "po-1", "orderAmountFen": 2000, "points": 500} | body
        headers = {"Idempotency-Key": key}
        return self.invoke(
            "deductions", "POST", "/deductions", payload, token or self.shop.service, headers=headers
        )

    def reverse(self, deduction_id: str, token: str | None = None) -> tuple[int, Any]:
        path = f"/deductions/{deduction_id}/reverse"
        return self.invoke("deductions", "POST", path, None, token or self.shop.service)

    def me(self, member: str = "alice") -> dict[str, Any]:
        return dict(self.invoke("member", "GET", "/me", token=self.tokens.member(member))[1])

    def ledger(self, member: str = "alice") -> list[dict[str, Any]]:
        token = self.tokens.member(member)
        return list(
            self.invoke("member", "GET", "/me/ledger", token=token, query={"limit": "100"})[1]["items"]
        )

    def rules(self, **changes: Any) -> None:
        current = self.invoke("admin_rules", "GET", "/admin/rules", token=self.shop.admin)[1]
        status, body = self.invoke("admin_rules", "PUT", "/admin/rules", current | changes, self.shop.admin)
        assert status == 200, body


@pytest.fixture
def checkout(invoke: Invoke, tokens: Tokens, shop: Any, clock: Any) -> Checkout:
    clock.set(DAY)
    shop.member("alice", 1000)
    return Checkout(invoke, tokens, shop)


def test_500_points_take_5_yuan_off_a_20_yuan_order(checkout: Checkout) -> None:
    status, body = checkout.deduct("k1")
    assert status == 201, body
    assert body["pointsSpent"] == 500 and body["deductedFen"] == 500 and body["balance"] == 500
    assert body["status"] == "DEDUCTED" and body["deductionId"]
    entry = checkout.ledger()[0]
    assert (entry["type"], entry["source"], entry["delta"]) == ("SPEND", "DEDUCTION", -500)
    assert entry["ref"] == f"DEDUCTION#{body['deductionId']}"
    assert checkout.me()["balance"] == 500


def test_the_same_key_replays_and_another_body_conflicts(checkout: Checkout) -> None:
    first = checkout.deduct("k1")
    again = checkout.deduct("k1")
    assert again == first
    assert checkout.me()["balance"] == 500
    assert checkout.deduct("k1", points=300)[1]["error"]["code"] == "IDEMPOTENCY_CONFLICT"


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ({"points": 1100}, "over half of the order"),
        ({"points": 550}, "not a whole yuan"),
        ({"points": 200, "orderAmountFen": 399}, "2 yuan is more than half of 3.99"),
    ],
)
def test_over_the_limit_or_not_whole_yuan_is_409(checkout: Checkout, body: dict[str, Any], why: str) -> None:
    status, answer = checkout.deduct("k1", **body)
    assert (status, answer["error"]["code"]) == (409, "DEDUCTION_LIMIT"), why
    assert checkout.me()["balance"] == 1000


def test_all_of_an_orders_deductions_together_stay_within_the_ratio(checkout: Checkout) -> None:
    """Another Idempotency-Key is another deduction, but not another half of the same order."""
    order: dict[str, Any] = {"orderAmountFen": 1000}  # ¥10: points may pay ¥5 of it
    first = checkout.deduct("k1", points=300, **order)[1]
    status, body = checkout.deduct("k2", points=300, **order)  # ¥6 in all: over half
    assert (status, body["error"]["code"]) == (409, "DEDUCTION_LIMIT"), body
    assert checkout.deduct("k3", points=200, **order)[0] == 201  # ¥5 in all: exactly half
    assert checkout.deduct("k4", points=100, orderRef="po-2", **order)[0] == 201  # its own half
    assert checkout.reverse(first["deductionId"])[0] == 200  # a reversal gives the order its room back
    assert checkout.deduct("k5", points=300, **order)[0] == 201
    assert checkout.me()["balance"] == 1000 - 200 - 100 - 300


def test_the_rules_set_the_rate_and_the_ratio(checkout: Checkout) -> None:
    checkout.rules(deduction={"pointsPerYuan": 10, "maxRatio": 1})
    status, body = checkout.deduct("k1", points=200, orderAmountFen=2000)
    assert status == 201, body
    assert body["deductedFen"] == 2000


def test_business_errors(checkout: Checkout, shop: Any, invoke: Invoke) -> None:
    assert (
        checkout.deduct("k1", points=2000, orderAmountFen=100_000)[1]["error"]["code"]
        == "INSUFFICIENT_POINTS"
    )
    assert checkout.deduct("k2", memberId="nobody")[0] == 404
    assert checkout.deduct("k2", memberId="nobody")[1]["error"]["code"] == "MEMBER_NOT_FOUND"
    status, _ = invoke("member_admin", "POST", "/admin/members/alice/freeze", {"reason": "fraud"}, shop.admin)
    assert status == 200
    assert checkout.deduct("k3")[1]["error"]["code"] == "ACCOUNT_FROZEN"


@pytest.mark.parametrize(
    "body",
    [
        {"points": 0},
        {"points": "500"},
        {"points": 1.5},
        {"orderAmountFen": 0},
        {"memberId": ""},
        {"orderRef": ""},
    ],
)
def test_bad_input_is_400_naming_the_field(checkout: Checkout, body: dict[str, Any]) -> None:
    status, answer = checkout.deduct("k1", **body)
    assert status == 400 and answer["error"]["code"] == "VALIDATION_ERROR"
    assert next(iter(body)) in answer["error"]["message"]


def test_roles_and_key(checkout: Checkout, tokens: Tokens, invoke: Invoke, shop: Any) -> None:
    assert checkout.deduct("k1", token=tokens.member("alice"))[0] == 403
    assert checkout.deduct("k1", token=shop.admin)[0] == 403
    payload = {"memberId": "alice", "orderRef": "po-1", "orderAmountFen": 2000, "points": 500}
    status, body = invoke("deductions", "POST", "/deductions", payload, shop.service)
    assert (status, body["error"]["code"]) == (400, "IDEMPOTENCY_KEY_REQUIRED")


def test_reverse_puts_the_points_back_into_their_lots_once(checkout: Checkout, clock: Any, shop: Any) -> None:
    # Two lots: 1000 points from the 10th, 360 (silver tier) from the 12th; 1100 come out of both.
    clock.set("2026-03-12T10:00:00+08:00")
    shop.member("alice", 300)
    before = checkout.me()["expiring"]
    assert [e["points"] for e in before] == [1000, 360]
    deduction = checkout.deduct("k1", points=1100, orderAmountFen=10_000)[1]
    assert [e["points"] for e in checkout.me()["expiring"]] == [260]
    status, reversed_ = checkout.reverse(deduction["deductionId"])
    assert status == 200, reversed_
    assert reversed_["status"] == "REVERSED" and reversed_["balance"] == 1360 and reversed_["reversedAt"]
    assert checkout.me()["expiring"] == before  # the same lots, the same expiry days
    assert checkout.reverse(deduction["deductionId"]) == (200, reversed_)
    entries = checkout.ledger()
    refunds = [e for e in entries if e["type"] == "REFUND"]
    assert [(e["source"], e["delta"]) for e in refunds] == [("DEDUCTION", 1100)]
    assert sum(e["delta"] for e in entries) == checkout.me()["balance"] == 1360


def test_reverse_of_an_unknown_or_another_merchants_deduction_is_404(
    checkout: Checkout, tokens: Tokens
) -> None:
    assert checkout.reverse("d-nope")[1]["error"]["code"] == "DEDUCTION_NOT_FOUND"
    deduction = checkout.deduct("k1")[1]
    other = tokens.service("another-merchant")
    status, body = checkout.reverse(deduction["deductionId"], token=other)
    assert (status, body["error"]["code"]) == (404, "DEDUCTION_NOT_FOUND")
    assert checkout.me()["balance"] == 500


def test_points_past_their_expiry_come_back_and_expire_at_once(
    checkout: Checkout, clock: Any, tokens: Tokens
) -> None:
    deduction = checkout.deduct("k1")[1]
    clock.set("2027-03-20T10:00:00+08:00")  # the lot of 2026-03-10 expired on 2027-03-10
    reversed_ = checkout.reverse(deduction["deductionId"], token=tokens.service())[1]
    assert reversed_["balance"] == 0
    types = [e["type"] for e in reversed(checkout.ledger())]
    assert types[-2:] == ["REFUND", "EXPIRE"]
    assert sum(e["delta"] for e in checkout.ledger()) == 0


def test_deductions_count_as_redemptions_for_risk_control(checkout: Checkout) -> None:
    checkout.rules(risk={"windowMinutes": 60, "maxNonPurchasePoints": 5000, "maxRedemptions": 1})
    assert checkout.deduct("k1", points=100)[0] == 201
    assert checkout.deduct("k2", points=100)[0] == 201  # crosses the limit: completes, and freezes
    status, body = checkout.deduct("k3", points=100)
    assert (status, body["error"]["code"]) == (403, "ACCOUNT_FROZEN")
    assert checkout.me()["frozen"] is True
