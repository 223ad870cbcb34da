"""Purchase returns and pending points, through the real handlers: POST /earn with `pendingDays`,
GET /me's `pending` and `shortfall`, POST /earn/{eventId}/reverse."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Invoke, Tokens

DAY = "2026-03-10T10:00:00+08:00"


class Returns:
    """A shop whose service awards and reverses purchases and whose members look at their points."""

    def __init__(self, invoke: Invoke, tokens: Tokens, shop: Any) -> None:
        self.invoke, self.tokens, self.shop = invoke, tokens, shop

    def rules(self, **changes: Any) -> None:
        current = self.invoke("admin_rules", "GET", "/admin/rules", token=self.shop.admin)[1]
        status, body = self.invoke("admin_rules", "PUT", "/admin/rules", current | changes, self.shop.admin)
        assert status == 200, body

    def earn(self, member: str, event: str, amount_fen: int, **more: Any) -> dict[str, Any]:
        body = {"memberId": member, "eventId": event, "kind": "PURCHASE", "amountFen": amount_fen, **more}
        status, answer = self.invoke("earn", "POST", "/earn", body, self.shop.service)
        assert status == 200, answer
        return dict(answer)

    def task(self, member: str, event: str, points: int) -> dict[str, Any]:
        body = {"memberId": member, "eventId": event, "kind": "TASK", "points": points}
        status, answer = self.invoke("earn", "POST", "/earn", body, self.shop.service)
        assert status == 200, answer
        return dict(answer)

    def reverse(self, event: str, token: str | None = None, **body: Any) -> tuple[int, Any]:
        payload = {"reason": "returned", **body}
        return self.invoke("earn", "POST", f"/earn/{event}/reverse", payload, token or self.shop.service)

    def me(self, member: str) -> dict[str, Any]:
        status, body = self.invoke("member", "GET", "/me", token=self.tokens.member(member))
        assert status == 200, body
        return dict(body)

    def ledger(self, member: str) -> list[tuple[str, int]]:
        token = self.tokens.member(member)
        items = self.invoke("member", "GET", "/me/ledger", token=token, query={"limit": "100"})[1]["items"]
        return [(e["type"], e["delta"]) for e in reversed(items)]

    def assert_ledger_sums_to_balance(self, member: str) -> None:
        assert sum(delta for _, delta in self.ledger(member)) == self.me(member)["balance"]


@pytest.fixture
def mall(invoke: Invoke, tokens: Tokens, shop: Any, clock: Any) -> Returns:
    clock.set(DAY)
    tokens.member("alice")
    return Returns(invoke, tokens, shop)


# --- pending points -------------------------------------------------------------------------------


def test_purchase_points_stay_pending_until_the_start_of_the_business_day_pending_days_later(
    mall: Returns, clock: Any
) -> None:
    mall.rules(pendingDays=7)
    answer = mall.earn("alice", "p1", 10_000)
    assert answer == {
        "awarded": 100,
        "balance": 0,
        "expiresAt": "2027-03-10T23:59:59+08:00",
        "replayed": False,
        "pendingUntil": "2026-03-17T00:00:00+08:00",
        "shortfallRepaid": 0,
    }
    me = mall.me("alice")
    assert (me["balance"], me["lifetimeEarned"], me["expiring"]) == (0, 0, [])
    assert me["pending"] == [{"points": 100, "availableAt": "2026-03-17T00:00:00+08:00"}]
    assert mall.ledger("alice") == []  # its EARN entry comes when the points become spendable
    mall.shop.product("cup", pointsPrice=100)
    status, body = mall.shop.redeem(mall.tokens.member("alice"), "k1")
    assert (status, body["error"]["code"]) == (409, "INSUFFICIENT_POINTS")

    clock.set("2026-03-16T23:59:59+08:00")  # the last second before
    assert (mall.me("alice")["balance"], len(mall.me("alice")["pending"])) == (0, 1)
    clock.set("2026-03-17T00:00:00+08:00")  # no job ran: reading the account settles them
    me = mall.me("alice")
    assert (me["balance"], me["lifetimeEarned"], me["pending"]) == (100, 100, [])
    assert me["expiring"] == [{"points": 100, "expiresAt": "2027-03-10T23:59:59+08:00"}]
    assert mall.ledger("alice") == [("EARN", 100)]
    assert mall.shop.redeem(mall.tokens.member("alice"), "k2")[0] == 201


def test_pending_points_count_toward_tiers_only_once_spendable(mall: Returns, clock: Any) -> None:
    mall.rules(pendingDays=3)
    mall.earn("alice", "big", 150_000)  # 1500 points: SILVER once they count
    me = mall.me("alice")
    assert (me["tier"]["name"], me["nextTier"]) == ("MEMBER", {"name": "SILVER", "pointsNeeded": 1000})
    # The tier multiplier of the next purchase is still MEMBER's (×1.0), not SILVER's (×1.2).
    assert mall.earn("alice", "next", 10_000)["awarded"] == 100
    clock.set("2026-03-13T08:00:00+08:00")
    assert mall.me("alice")["tier"]["name"] == "SILVER"
    assert mall.earn("alice", "after", 10_000)["awarded"] == 120


def test_task_and_campaign_points_are_never_pending(mall: Returns) -> None:
    mall.rules(pendingDays=7)
    assert mall.task("alice", "t1", 30) | {"expiresAt": None} == {
        "awarded": 30,
        "balance": 30,
        "expiresAt": None,
        "replayed": False,
        "pendingUntil": None,
        "shortfallRepaid": 0,
    }


def test_a_pending_lot_expires_on_its_own_expiry_day(mall: Returns, clock: Any) -> None:
    mall.rules(pendingDays=2, expiry={"mode": "ROLLING", "days": 3})
    mall.earn("alice", "p1", 5_000)
    clock.set("2026-03-12T09:00:00+08:00")
    assert mall.me("alice")["balance"] == 50
    clock.set("2026-03-14T00:00:01+08:00")  # the lot's last day was 03-13
    assert mall.me("alice")["balance"] == 0
    assert mall.ledger("alice") == [("EARN", 50), ("EXPIRE", -50)]


def test_an_account_untouched_past_availability_and_expiry_settles_both_in_order(
    mall: Returns, clock: Any
) -> None:
    mall.rules(pendingDays=2, expiry={"mode": "ROLLING", "days": 3})
    mall.earn("alice", "p1", 5_000)
    clock.set("2026-04-01T09:00:00+08:00")
    assert mall.me("alice")["balance"] == 0
    assert mall.ledger("alice") == [("EARN", 50), ("EXPIRE", -50)]
    assert mall.me("alice")["lifetimeEarned"] == 50


def test_pending_days_may_not_outlast_rolling_expiry(mall: Returns) -> None:
    current = mall.invoke("admin_rules", "GET", "/admin/rules", token=mall.shop.admin)[1]
    doc = current | {"pendingDays": 10, "expiry": {"mode": "ROLLING", "days": 5}}
    status, body = mall.invoke("admin_rules", "PUT", "/admin/rules", doc, mall.shop.admin)
    assert (status, body["error"]["code"]) == (400, "VALIDATION_ERROR")
    assert "pendingDays" in body["error"]["message"]


# --- reversals ------------------------------------------------------------------------------------


def test_a_purchase_reversed_while_pending_leaves_no_trace(mall: Returns, clock: Any) -> None:
    mall.rules(pendingDays=7)
    mall.earn("alice", "p1", 10_000)
    status, body = mall.reverse("p1")
    assert (status, body) == (200, {"reversed": 100, "balance": 0, "shortfall": 0, "replayed": False})
    assert mall.me("alice")["pending"] == []
    clock.set("2026-03-20T10:00:00+08:00")
    me = mall.me("alice")
    assert (me["balance"], me["lifetimeEarned"], me["pending"], me["shortfall"]) == (0, 0, [], 0)
    assert mall.ledger("alice") == []


def test_a_spendable_purchase_is_reversed_off_the_balance(mall: Returns) -> None:
    mall.earn("alice", "p1", 10_000)
    mall.earn("alice", "p2", 5_000)
    status, body = mall.reverse("p1")
    assert (status, body) == (200, {"reversed": 100, "balance": 50, "shortfall": 0, "replayed": False})
    assert mall.ledger("alice") == [("EARN", 100), ("EARN", 50), ("REVERSE", -100)]
    token = mall.tokens.member("alice")
    entry = mall.invoke("member", "GET", "/me/ledger", token=token)[1]["items"][0]
    assert (entry["source"], entry["ref"], entry["note"]) == ("PURCHASE_RETURN", "EVENT#p1", "returned")
    assert mall.me("alice")["lifetimeEarned"] == 50


def test_partial_refunds_adding_up_to_the_purchase_take_back_exactly_its_points(mall: Returns) -> None:
    mall.earn("alice", "p1", 1_000)  # 10 points
    refunds = [("r1", 333), ("r2", 333), ("r3", 334)]
    taken = [mall.reverse("p1", amountFen=fen, refundId=rid)[1]["reversed"] for rid, fen in refunds]
    assert taken == [3, 3, 4]  # the event has lost ⌊10 × refunded / 1000⌋ after each
    assert mall.me("alice")["balance"] == 0
    status, body = mall.reverse("p1", amountFen=1)
    assert (status, body["error"]["code"]) == (409, "REVERSAL_EXCEEDS_PURCHASE")
    status, body = mall.reverse("p1", refundId="last")  # "all the rest": there is none
    assert (status, body["error"]["code"]) == (409, "REVERSAL_EXCEEDS_PURCHASE")


def test_a_whole_reversal_after_a_partial_one_takes_the_rest(mall: Returns) -> None:
    mall.earn("alice", "p1", 10_000)
    assert mall.reverse("p1", amountFen=2_500)[1]["reversed"] == 25
    assert mall.reverse("p1")[1]["reversed"] == 75
    assert mall.me("alice")["balance"] == 0
    status, body = mall.reverse("p1", amountFen=10_000)
    assert (status, body["error"]["code"]) == (409, "REVERSAL_EXCEEDS_PURCHASE")


def test_reversed_after_spending_records_a_shortfall_the_next_earning_pays_first(mall: Returns) -> None:
    token = mall.tokens.member("alice")
    mall.shop.product("cup", pointsPrice=80)
    mall.earn("alice", "p1", 10_000)
    assert mall.shop.redeem(token, "k1")[0] == 201  # 20 left
    status, body = mall.reverse("p1")
    assert (status, body) == (200, {"reversed": 100, "balance": 0, "shortfall": 80, "replayed": False})
    me = mall.me("alice")
    assert (me["balance"], me["shortfall"], me["lifetimeEarned"]) == (0, 80, 0)

    answer = mall.earn("alice", "p2", 5_000)  # 50 points, all of them repay
    assert (answer["awarded"], answer["balance"], answer["shortfallRepaid"]) == (50, 0, 50)
    answer = mall.earn("alice", "p3", 10_000)  # 100 points: 30 repay, 70 are the member's
    assert (answer["awarded"], answer["balance"], answer["shortfallRepaid"]) == (100, 70, 30)
    me = mall.me("alice")
    assert (me["balance"], me["shortfall"], me["lifetimeEarned"]) == (70, 0, 150)
    # One EARN entry per earning with what it added (none for the one that only repaid).
    assert mall.ledger("alice") == [("EARN", 100), ("SPEND", -80), ("REVERSE", -20), ("EARN", 70)]
    mall.assert_ledger_sums_to_balance("alice")


def test_sign_in_repays_a_shortfall_too(mall: Returns) -> None:
    token = mall.tokens.member("alice")
    mall.shop.product("cup", pointsPrice=100)
    mall.earn("alice", "p1", 10_000)
    assert mall.shop.redeem(token, "k1")[0] == 201
    assert mall.reverse("p1")[1]["shortfall"] == 100
    assert mall.invoke("sign_in", "POST", "/sign-in", token=token)[1] == {
        "awarded": 5,
        "streak": 1,
        "balance": 0,
        "shortfallRepaid": 5,
    }
    assert mall.me("alice")["shortfall"] == 95


def test_pending_points_repay_a_shortfall_when_they_become_spendable(mall: Returns, clock: Any) -> None:
    token = mall.tokens.member("alice")
    mall.shop.product("cup", pointsPrice=100)
    mall.earn("alice", "p1", 10_000)
    assert mall.shop.redeem(token, "k1")[0] == 201
    assert mall.reverse("p1")[1]["shortfall"] == 100
    mall.rules(pendingDays=2)
    assert mall.earn("alice", "p2", 30_000)["shortfallRepaid"] == 0  # pending: repays nothing yet
    assert mall.me("alice")["shortfall"] == 100
    clock.set("2026-03-12T00:00:01+08:00")
    me = mall.me("alice")
    assert (me["balance"], me["shortfall"], me["lifetimeEarned"]) == (200, 0, 300)
    assert mall.ledger("alice") == [("EARN", 100), ("SPEND", -100), ("EARN", 200)]


def test_a_cancelled_order_repays_the_shortfall_of_a_purchase_reversed_meanwhile(mall: Returns) -> None:
    token = mall.tokens.member("alice")
    mall.shop.product("cup", pointsPrice=100)
    mall.earn("alice", "p1", 10_000)
    status, order = mall.shop.redeem(token, "k1")
    assert mall.reverse("p1")[1] == {"reversed": 100, "balance": 0, "shortfall": 100, "replayed": False}
    status, _ = mall.invoke("orders", "POST", f"/orders/{order['orderId']}/cancel", token=token)
    assert status == 200
    me = mall.me("alice")
    # The spent points come back to pay for the refunded purchase, not to be spent a second time.
    assert (me["balance"], me["shortfall"]) == (0, 0)
    assert mall.ledger("alice") == [("EARN", 100), ("SPEND", -100)]


def test_a_reversal_takes_a_refunded_purchase_out_of_tier_progress(mall: Returns) -> None:
    mall.earn("alice", "small", 20_000)
    mall.earn("alice", "big", 90_000)
    assert mall.me("alice")["tier"]["name"] == "SILVER"
    mall.reverse("big", amountFen=45_000)
    me = mall.me("alice")
    assert (me["lifetimeEarned"], me["tier"]["name"]) == (650, "MEMBER")
    assert me["nextTier"] == {"name": "SILVER", "pointsNeeded": 350}


def test_a_duplicate_reversal_answers_the_first_result(mall: Returns) -> None:
    mall.earn("alice", "p1", 10_000)
    first = mall.reverse("p1", amountFen=4_000)
    again = mall.reverse("p1", amountFen=4_000)
    assert first == (200, {"reversed": 40, "balance": 60, "shortfall": 0, "replayed": False})
    assert again == (200, {"reversed": 40, "balance": 60, "shortfall": 0, "replayed": True})
    # Another refund of the same amount needs its own refundId.
    assert mall.reverse("p1", amountFen=4_000, refundId="r2")[1]["reversed"] == 40
    assert mall.reverse("p1", amountFen=4_000, refundId="r2")[1]["replayed"] is True
    status, body = mall.reverse("p1", amountFen=1_000, refundId="r2")
    assert (status, body["error"]["code"]) == (409, "IDEMPOTENCY_CONFLICT")
    assert mall.me("alice")["balance"] == 20
    assert mall.ledger("alice") == [("EARN", 100), ("REVERSE", -40), ("REVERSE", -40)]


def test_a_frozen_account_is_reversed_too(mall: Returns) -> None:
    mall.earn("alice", "p1", 10_000)
    status, _ = mall.invoke(
        "member_admin", "POST", "/admin/members/alice/freeze", {"reason": "fraud"}, mall.shop.admin
    )
    assert status == 200
    assert mall.reverse("p1")[1]["reversed"] == 100


def test_naming_the_member_reads_less_and_must_be_the_events_member(mall: Returns) -> None:
    mall.tokens.member("bob")
    mall.earn("alice", "p1", 10_000)
    status, body = mall.reverse("p1", memberId="bob")
    assert (status, body["error"]["code"]) == (404, "EVENT_NOT_FOUND")
    assert mall.reverse("p1", memberId="alice")[1]["reversed"] == 100


def test_only_the_merchants_own_purchases_are_reversed(mall: Returns) -> None:
    mall.earn("alice", "p1", 10_000)
    mall.task("alice", "t1", 20)
    other = mall.tokens.service("other-shop")
    for event, token in (("nope", None), ("p1", other), ("t1", None)):
        status, body = mall.reverse(event, token=token)
        assert (status, body["error"]["code"]) == (404, "EVENT_NOT_FOUND"), (event, body)
    assert mall.me("alice")["balance"] == 120


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reason": ""}, "reason"),
        ({}, "reason"),
        ({"reason": "x", "amountFen": 0}, "amountFen"),
        ({"reason": "x", "amountFen": "100"}, "amountFen"),
        ({"reason": "x", "refundId": ""}, "refundId"),
        ({"reason": "x", "memberId": "no/slash"}, "memberId"),
        ({"reason": "x", "extra": 1}, "extra"),
    ],
)
def test_bad_reversal_bodies_are_400_naming_the_field(
    mall: Returns, body: dict[str, Any], field: str
) -> None:
    mall.earn("alice", "p1", 10_000)
    status, answer = mall.invoke("earn", "POST", "/earn/p1/reverse", body, mall.shop.service)
    assert (status, answer["error"]["code"]) == (400, "VALIDATION_ERROR"), answer
    assert field in answer["error"]["message"]


def test_only_the_service_reverses(mall: Returns) -> None:
    mall.earn("alice", "p1", 10_000)
    for token in (mall.tokens.member("alice"), mall.shop.admin):
        status, body = mall.reverse("p1", token=token)
        assert (status, body["error"]["code"]) == (403, "FORBIDDEN")
    assert mall.invoke("earn", "POST", "/earn/p1/reverse", {"reason": "x"})[0] == 401
