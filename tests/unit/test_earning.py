"""Earning: purchase points rounded once, the daily cap on task/campaign points, the sign-in streak."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mall.domain.earning import EarnKind, cap_left, current_streak, earn, purchase_points, sign_in
from mall.domain.ledger import EntryType
from mall.domain.rules import DEFAULT_RULES, Rules
from mall.errors import AccountFrozen, AlreadySignedIn

SILVER, GOLD, DIAMOND = 1000, 5000, 20000


def _rules(**overrides: Any) -> Rules:
    return Rules.model_validate(overrides)


def _exact(amount_fen: int, *factors: float) -> int:
    """The contract's formula in exact decimal arithmetic (each factor as written, e.g. 0.7 is 7/10)."""
    value = Fraction(amount_fen)
    for factor in factors:
        value *= Fraction(str(factor))
    return math.floor(value / 100)


# --- purchase points --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount_fen", "lifetime", "expected"),
    [
        (12345, 0, 123),  # MEMBER ×1.0: 123.45
        (12345, 999, 123),
        (12345, SILVER, 148),  # ×1.2: 148.14
        (12345, GOLD, 185),  # ×1.5: 185.175
        (12345, DIAMOND, 246),  # ×2.0: 246.9
        (99, 0, 0),
        (100, 0, 1),
        (199, 0, 1),
        (1, DIAMOND, 0),
        (50, DIAMOND, 1),
    ],
)
def test_purchase_points_default_rules(amount_fen: int, lifetime: int, expected: int) -> None:
    assert purchase_points(amount_fen, None, lifetime, DEFAULT_RULES) == expected


@pytest.mark.parametrize(
    ("amount_fen", "per_factor_result", "expected"),
    [
        # ⌊12345 × 1.5 × 1.2 / 100⌋ = ⌊222.21⌋ = 222; per factor: ⌊123.45⌋=123 → ⌊184.5⌋=184 → ⌊220.8⌋=220
        (12345, 220, 222),
        # ⌊999 × 1.5 × 1.2 / 100⌋ = ⌊17.982⌋ = 17; per factor: 9 → 13 → 15
        (999, 15, 17),
        # ⌊333 × 1.5 × 1.2 / 100⌋ = ⌊5.994⌋ = 5; per factor: 3 → 4 → 4
        (333, 4, 5),
    ],
)
def test_purchase_points_round_once_at_the_end(
    amount_fen: int, per_factor_result: int, expected: int
) -> None:
    rules = _rules(categoryRates={"food": 1.5})
    per_factor = math.floor(math.floor(math.floor(amount_fen / 100) * 1.5) * 1.2)
    assert per_factor == per_factor_result != expected  # the case tells the two apart
    assert purchase_points(amount_fen, "food", SILVER, rules) == expected


@pytest.mark.parametrize(
    ("amount_fen", "per_yuan", "rate", "lifetime", "expected"),
    [
        (100000, 0.7, 1.0, 0, 700),
        (100000, 0.1, 1.0, 0, 100),
        (30000, 0.1, 0.7, 0, 21),
        (10000, 1.1, 0.7, 0, 77),  # floats: 76.99999999999999
        (70000, 0.3, 0.7, 0, 147),  # floats: 146.99999999999997
        (100000, 2.3, 1.0, 0, 2300),  # floats: 2299.9999999999995
        (100000, 2.3, 1.0, SILVER, 2760),  # floats: 2759.9999999999995
        (100000, 2.3, 0.7, GOLD, 2415),
    ],
)
def test_purchase_points_do_not_lose_a_point_to_binary_floats(
    amount_fen: int, per_yuan: float, rate: float, lifetime: int, expected: int
) -> None:
    rules = _rules(purchasePointsPerYuan=per_yuan, categoryRates={"c": rate})
    multiplier = rules.tiers[[t.threshold for t in rules.tiers].index(lifetime)].multiplier
    assert _exact(amount_fen, per_yuan, rate, multiplier) == expected
    assert purchase_points(amount_fen, "c", lifetime, rules) == expected


def test_purchase_category_rate_applies_only_to_its_category() -> None:
    rules = _rules(categoryRates={"food": 2.0, "books": 0})
    assert purchase_points(10000, "food", 0, rules) == 200
    assert purchase_points(10000, "books", 0, rules) == 0
    assert purchase_points(10000, "toys", 0, rules) == 100
    assert purchase_points(10000, None, 0, rules) == 100


DECIMALS = st.decimals(min_value=0, max_value=50, places=2, allow_nan=False, allow_infinity=False)


@settings(max_examples=200, deadline=None)
@given(
    amount_fen=st.integers(min_value=0, max_value=10**10),
    per_yuan=DECIMALS,
    rate=DECIMALS,
    lifetime=st.sampled_from([0, SILVER, GOLD, DIAMOND]),
)
def test_purchase_points_equal_the_exact_formula(
    amount_fen: int, per_yuan: Decimal, rate: Decimal, lifetime: int
) -> None:
    rules = _rules(purchasePointsPerYuan=float(per_yuan), categoryRates={"c": float(rate)})
    multiplier = {0: 1.0, SILVER: 1.2, GOLD: 1.5, DIAMOND: 2.0}[lifetime]
    expected = _exact(amount_fen, float(per_yuan), float(rate), multiplier)
    assert purchase_points(amount_fen, "c", lifetime, rules) == expected


def test_purchase_points_floor_is_exact_with_many_significant_digits() -> None:
    rules = _rules(purchasePointsPerYuan=0.999999999999999, categoryRates={"c": 1.000000000000001})
    assert _exact(100, 0.999999999999999, 1.000000000000001, 1.0) == 0
    assert purchase_points(100, "c", 0, rules) == 0


# --- earn: purchase ---------------------------------------------------------------------------


def test_earn_purchase_credits_a_lot_expiring_after_the_rolling_period(account, at, assert_chain) -> None:
    start = account()
    outcome = earn(
        start, DEFAULT_RULES, EarnKind.PURCHASE, at=at("2026-03-01 10:00"), amount_fen=12345, ref="E1"
    )
    assert outcome.awarded == 123
    assert outcome.expires_on == date(2027, 3, 1)
    acc = outcome.change.account
    assert acc.lots == {"2027-03-01": 123}
    assert acc.lifetime_earned == 123
    assert (acc.cap_day, acc.cap_used) == (None, 0)  # purchases are not capped
    [entry] = outcome.change.entries
    assert (entry.type, entry.source, entry.delta, entry.balance_after, entry.ref) == (
        EntryType.EARN,
        "PURCHASE",
        123,
        123,
        "E1",
    )
    assert entry.day == date(2026, 3, 1)
    assert_chain(start, outcome.change)


def test_earn_purchase_is_not_limited_by_the_daily_cap(account, at) -> None:
    outcome = earn(account(), DEFAULT_RULES, EarnKind.PURCHASE, at=at("2026-03-01 10:00"), amount_fen=100_000)
    assert outcome.awarded == 1000 > DEFAULT_RULES.daily_cap


def test_earn_purchase_uses_the_tier_before_the_purchase(account, at) -> None:
    first = earn(
        account(lifetime_earned=999),
        DEFAULT_RULES,
        EarnKind.PURCHASE,
        at=at("2026-03-01 10:00"),
        amount_fen=100_000,
    )
    assert first.awarded == 1000  # MEMBER ×1.0, although this purchase lifts the member to SILVER
    assert first.change.account.lifetime_earned == 1999
    second = earn(
        first.change.account, DEFAULT_RULES, EarnKind.PURCHASE, at=at("2026-03-01 10:05"), amount_fen=100_000
    )
    assert second.awarded == 1200  # now SILVER ×1.2


def test_earn_purchase_annual_expiry(account, at) -> None:
    outcome = earn(
        account(),
        _rules(expiry={"mode": "ANNUAL"}),
        EarnKind.PURCHASE,
        at=at("2026-01-05 10:00"),
        amount_fen=500,
    )
    assert outcome.expires_on == date(2027, 12, 31)
    assert outcome.change.account.lots == {"2027-12-31": 5}


def test_earn_expiry_follows_the_shanghai_business_day(account) -> None:
    late_utc = datetime(2026, 3, 1, 16, 30, tzinfo=UTC)  # already 2 March in Shanghai
    outcome = earn(account(), DEFAULT_RULES, EarnKind.PURCHASE, at=late_utc, amount_fen=1000)
    assert outcome.expires_on == date(2027, 3, 2)
    assert outcome.change.entries[0].day == date(2026, 3, 2)


# --- earn: daily cap --------------------------------------------------------------------------


def test_task_and_campaign_points_share_the_daily_cap(account, at, assert_chain) -> None:
    acc = account()
    awarded = []
    for kind, points, hour in [
        (EarnKind.TASK, 300, "09:00"),
        (EarnKind.CAMPAIGN, 150, "10:00"),
        (EarnKind.TASK, 300, "11:00"),  # only 50 left
        (EarnKind.CAMPAIGN, 10, "12:00"),  # cap reached
        (EarnKind.TASK, 1, "23:59"),
    ]:
        outcome = earn(acc, DEFAULT_RULES, kind, at=at(f"2026-03-01 {hour}"), points=points)
        assert_chain(acc, outcome.change)
        assert len(outcome.change.entries) == (1 if outcome.awarded else 0)
        awarded.append(outcome.awarded)
        acc = outcome.change.account
    assert awarded == [300, 150, 50, 0, 0]
    assert acc.balance == 500
    assert (acc.cap_day, acc.cap_used) == ("2026-03-01", 500)
    assert cap_left(acc, date(2026, 3, 1), DEFAULT_RULES) == 0

    # The next Shanghai business day starts with a fresh cap.
    nxt = earn(acc, DEFAULT_RULES, EarnKind.TASK, at=at("2026-03-02 00:01"), points=300)
    assert nxt.awarded == 300
    assert (nxt.change.account.cap_day, nxt.change.account.cap_used) == ("2026-03-02", 300)
    assert cap_left(nxt.change.account, date(2026, 3, 3), DEFAULT_RULES) == 500


def test_task_points_above_the_cap_are_trimmed(account, at) -> None:
    outcome = earn(account(), DEFAULT_RULES, EarnKind.TASK, at=at("2026-03-01 09:00"), points=800)
    assert outcome.awarded == 500
    assert outcome.change.account.balance == 500


def test_zero_cap_awards_nothing(account, at) -> None:
    outcome = earn(account(), _rules(dailyCap=0), EarnKind.CAMPAIGN, at=at("2026-03-01 09:00"), points=10)
    assert outcome.awarded == 0
    assert outcome.change.entries == []
    assert outcome.change.account.balance == 0


def test_purchases_and_sign_in_do_not_use_up_the_cap(account, at) -> None:
    acc = sign_in(account(), DEFAULT_RULES, at("2026-03-01 08:00")).change.account
    acc = earn(
        acc, DEFAULT_RULES, EarnKind.PURCHASE, at=at("2026-03-01 09:00"), amount_fen=100_000
    ).change.account
    outcome = earn(acc, DEFAULT_RULES, EarnKind.TASK, at=at("2026-03-01 10:00"), points=500)
    assert outcome.awarded == 500


@pytest.mark.parametrize(
    ("zone", "same_day"),
    [("Asia/Shanghai", False), ("UTC", True)],
)
def test_the_cap_resets_at_midnight_in_the_rules_zone(account, zone: str, same_day: bool) -> None:
    rules = _rules(timeZone=zone)
    # 23:59 and 00:01 in Shanghai; both on 1 March in UTC.
    first = earn(account(), rules, EarnKind.TASK, at=datetime(2026, 3, 1, 15, 59, tzinfo=UTC), points=500)
    second = earn(
        first.change.account, rules, EarnKind.TASK, at=datetime(2026, 3, 1, 16, 1, tzinfo=UTC), points=500
    )
    assert first.awarded == 500
    assert second.awarded == (0 if same_day else 500)


# --- earn: frozen accounts, expired points ----------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "kwargs"),
    [
        (EarnKind.PURCHASE, {"amount_fen": 10000}),
        (EarnKind.TASK, {"points": 10}),
        (EarnKind.CAMPAIGN, {"points": 10}),
    ],
)
def test_a_frozen_account_earns_nothing(account, at, kind: EarnKind, kwargs: dict[str, Any]) -> None:
    frozen = account({"2026-01-01": 5}, frozen=True, frozen_reason="fraud")
    with pytest.raises(AccountFrozen) as excinfo:
        earn(frozen, DEFAULT_RULES, kind, at=at("2026-03-01 10:00"), **kwargs)
    assert (excinfo.value.code, excinfo.value.status) == ("ACCOUNT_FROZEN", 403)


def test_a_frozen_account_cannot_sign_in(account, at) -> None:
    with pytest.raises(AccountFrozen):
        sign_in(account(frozen=True), DEFAULT_RULES, at("2026-03-01 10:00"))


@pytest.mark.parametrize(
    ("kind", "kwargs", "earned"),
    [(EarnKind.TASK, {"points": 50}, 50), (EarnKind.PURCHASE, {"amount_fen": 5000}, 50)],
)
def test_earning_settles_expired_lots_first(
    account, at, assert_chain, kind: EarnKind, kwargs: dict[str, Any], earned: int
) -> None:
    start = account(
        {"2026-02-27": 10, "2026-02-28": 20, "2026-03-01": 3, "2026-03-05": 7}, lifetime_earned=40
    )
    outcome = earn(start, DEFAULT_RULES, kind, at=at("2026-03-01 10:00"), **kwargs)
    assert [(e.type, e.delta, e.balance_after) for e in outcome.change.entries] == [
        (EntryType.EXPIRE, -10, 30),
        (EntryType.EXPIRE, -20, 10),
        (EntryType.EARN, earned, 10 + earned),
    ]
    assert outcome.change.account.lots == {"2026-03-01": 3, "2026-03-05": 7, "2027-03-01": earned}
    assert outcome.change.account.lifetime_earned == 40 + earned
    assert_chain(start, outcome.change)


def test_sign_in_settles_expired_lots_first(account, at, assert_chain) -> None:
    start = account({"2026-02-28": 20})
    outcome = sign_in(start, DEFAULT_RULES, at("2026-03-01 10:00"))
    assert [(e.type, e.delta, e.balance_after) for e in outcome.change.entries] == [
        (EntryType.EXPIRE, -20, 0),
        (EntryType.EARN, 5, 5),
    ]
    assert_chain(start, outcome.change)


def test_capped_earn_still_settles_expired_lots(account, at) -> None:
    start = account({"2026-02-28": 20}, cap_day="2026-03-01", cap_used=500)
    outcome = earn(start, DEFAULT_RULES, EarnKind.TASK, at=at("2026-03-01 10:00"), points=10)
    assert outcome.awarded == 0
    assert [e.type for e in outcome.change.entries] == [EntryType.EXPIRE]
    assert outcome.change.account.balance == 0


# --- sign-in ----------------------------------------------------------------------------------


def test_sign_in_streak_counts_up_and_rewards_repeat_after_day_7(account, at, assert_chain) -> None:
    acc = account()
    got = []
    for day in range(1, 16):
        outcome = sign_in(acc, DEFAULT_RULES, at(f"2026-03-{day:02d} 09:00"))
        assert_chain(acc, outcome.change)
        got.append((outcome.streak, outcome.awarded))
        acc = outcome.change.account
    rewards = [5, 5, 10, 10, 15, 15, 30]
    assert got == list(zip(range(1, 16), rewards + rewards + [5], strict=True))
    assert got[7] == (8, 5)  # day 8 starts the list again
    assert acc.streak == 15
    assert acc.sign_in_day == "2026-03-15"
    assert acc.balance == acc.lifetime_earned == 2 * sum(rewards) + 5


def test_sign_in_entry(account, at) -> None:
    outcome = sign_in(account(), DEFAULT_RULES, at("2026-03-01 09:00"))
    [entry] = outcome.change.entries
    assert (entry.type, entry.source, entry.delta, entry.ref, entry.day) == (
        EntryType.EARN,
        "SIGN_IN",
        5,
        "SIGN_IN#2026-03-01",
        date(2026, 3, 1),
    )
    assert outcome.change.account.lots == {"2027-03-01": 5}


def test_a_missed_day_resets_the_streak(account, at) -> None:
    acc = account()
    for day in ("2026-03-01", "2026-03-02", "2026-03-03"):
        acc = sign_in(acc, DEFAULT_RULES, at(f"{day} 09:00")).change.account
    assert acc.streak == 3
    outcome = sign_in(acc, DEFAULT_RULES, at("2026-03-05 09:00"))  # 4 March missed
    assert (outcome.streak, outcome.awarded) == (1, 5)
    again = sign_in(outcome.change.account, DEFAULT_RULES, at("2026-03-06 09:00"))
    assert (again.streak, again.awarded) == (2, 5)


def test_second_sign_in_the_same_business_day_is_refused(account, at) -> None:
    acc = sign_in(account(), DEFAULT_RULES, at("2026-03-01 00:00")).change.account
    with pytest.raises(AlreadySignedIn) as excinfo:
        sign_in(acc, DEFAULT_RULES, at("2026-03-01 23:59"))
    assert (excinfo.value.code, excinfo.value.status) == ("ALREADY_SIGNED_IN", 409)


def test_sign_in_days_follow_shanghai_time(account, at) -> None:
    first = sign_in(account(), DEFAULT_RULES, at("2026-03-01 23:59"))
    second = sign_in(first.change.account, DEFAULT_RULES, at("2026-03-02 00:01"))
    assert (first.streak, second.streak) == (1, 2)
    assert second.change.account.sign_in_day == "2026-03-02"


def test_sign_in_days_follow_the_rules_zone(account, at) -> None:
    rules = _rules(timeZone="UTC")
    # 23:59 and 00:01 Shanghai time are both 1 March in UTC.
    acc = sign_in(account(), rules, at("2026-03-01 23:59")).change.account
    assert acc.sign_in_day == "2026-03-01"
    with pytest.raises(AlreadySignedIn):
        sign_in(acc, rules, at("2026-03-02 00:01"))
    later = sign_in(acc, rules, at("2026-03-02 08:00"))  # 00:00 UTC on 2 March
    assert later.streak == 2


def test_sign_in_with_custom_rewards(account, at) -> None:
    rules = _rules(signInRewards=[1, 0, 3])
    acc = account()
    got = []
    for day in range(1, 6):
        outcome = sign_in(acc, rules, at(f"2026-03-{day:02d} 09:00"))
        got.append((outcome.streak, outcome.awarded, len(outcome.change.entries)))
        acc = outcome.change.account
    assert got == [(1, 1, 1), (2, 0, 0), (3, 3, 1), (4, 1, 1), (5, 0, 0)]  # no zero entries
    assert acc.balance == 5
    assert acc.sign_in_day == "2026-03-05"


def test_current_streak(account, at) -> None:
    acc = account()
    assert current_streak(acc, date(2026, 3, 1)) == 0
    for day in ("2026-03-01", "2026-03-02"):
        acc = sign_in(acc, DEFAULT_RULES, at(f"{day} 09:00")).change.account
    assert current_streak(acc, date(2026, 3, 2)) == 2  # signed in today
    assert current_streak(acc, date(2026, 3, 3)) == 2  # not signed in yet today: still alive
    assert current_streak(acc, date(2026, 3, 4)) == 0  # a day was missed
    assert current_streak(acc, date(2026, 4, 1)) == 0
