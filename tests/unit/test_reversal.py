"""Pending purchase points, reversals of refunded purchases and the shortfall, as pure rules."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from mall.domain.account import (
    MAX_RELEASE_ENTRIES,
    Change,
    credit,
    hold_pending,
    pending_by_day,
    pending_key,
    refund,
    settle_expired,
    take_back,
)
from mall.domain.earning import EarnKind, earn
from mall.domain.ledger import EntryType
from mall.domain.reversal import Purchase, points_lost, reverse
from mall.errors import ReversalExceedsPurchase

TODAY = date(2026, 3, 10)
EXPIRES = date(2027, 3, 10)


def purchase(**fields: object) -> Purchase:
    values: dict[str, object] = {
        "member_id": "m1",
        "amount_fen": 10_000,
        "awarded": 100,
        "available_on": TODAY,
        "expires_on": EXPIRES,
    }
    return Purchase(**(values | fields))  # type: ignore[arg-type]


# --- earning into pending -------------------------------------------------------------------------


def test_a_purchase_under_pending_days_is_held_outside_the_balance(account, rules, at) -> None:
    outcome = earn(
        account(), rules(pendingDays=7), EarnKind.PURCHASE, at=at("2026-03-10 10:00"), amount_fen=10_000
    )
    assert (outcome.awarded, outcome.available_on, outcome.expires_on) == (100, date(2026, 3, 17), EXPIRES)
    after = outcome.change.account
    assert (after.balance, after.lifetime_earned, outcome.change.entries) == (0, 0, [])
    assert after.pending == {pending_key(date(2026, 3, 17), EXPIRES): 100}


@pytest.mark.parametrize("kind", [EarnKind.TASK, EarnKind.CAMPAIGN])
def test_capped_points_are_never_pending(account, rules, at, kind: EarnKind) -> None:
    outcome = earn(account(), rules(pendingDays=7), kind, at=at("2026-03-10 10:00"), points=30)
    assert (outcome.available_on, outcome.change.account.balance) == (None, 30)


def test_a_purchase_awarding_nothing_holds_nothing(account, rules, at) -> None:
    outcome = earn(
        account(), rules(pendingDays=7), EarnKind.PURCHASE, at=at("2026-03-10 10:00"), amount_fen=50
    )
    assert (outcome.awarded, outcome.available_on, outcome.change.account.pending) == (0, None, {})


# --- release --------------------------------------------------------------------------------------


def test_pending_points_are_released_at_the_start_of_their_day(account, at, assert_chain) -> None:
    start = account(
        pending={pending_key(date(2026, 3, 17), EXPIRES): 100, pending_key(date(2026, 3, 18), EXPIRES): 7}
    )
    assert settle_expired(start, date(2026, 3, 16), at("2026-03-16 23:59")).account == start
    change = settle_expired(start, date(2026, 3, 17), at("2026-03-17 00:00"))
    assert [(e.type, e.delta, e.source) for e in change.entries] == [(EntryType.EARN, 100, "PURCHASE")]
    assert change.account.lots == {EXPIRES.isoformat(): 100}
    assert change.account.pending == {pending_key(date(2026, 3, 18), EXPIRES): 7}
    assert change.account.lifetime_earned == 100
    assert_chain(start, change)


def test_released_points_already_past_expiry_expire_in_the_same_change(account, at, assert_chain) -> None:
    start = account(pending={pending_key(date(2026, 3, 12), date(2026, 3, 13)): 50})
    change = settle_expired(start, date(2026, 4, 1), at("2026-04-01 09:00"))
    assert [(e.type, e.delta) for e in change.entries] == [(EntryType.EARN, 50), (EntryType.EXPIRE, -50)]
    assert (change.account.balance, change.account.lifetime_earned, change.account.pending) == (0, 50, {})
    assert_chain(start, change)


def test_many_days_released_at_once_are_one_entry(account, at, assert_chain) -> None:
    days = [date(2026, 1, 1) + timedelta(days=i) for i in range(MAX_RELEASE_ENTRIES + 1)]
    start = account(pending={pending_key(d, EXPIRES): 2 for d in days})
    change = settle_expired(start, date(2026, 3, 1), at("2026-03-01 09:00"))
    assert [(e.type, e.delta) for e in change.entries] == [(EntryType.EARN, 2 * len(days))]
    assert change.account.lots == {EXPIRES.isoformat(): 2 * len(days)}
    assert_chain(start, change)


def test_pending_by_day_sums_lots_of_one_day_soonest_first(account) -> None:
    pending = {
        pending_key(date(2026, 3, 18), EXPIRES): 5,
        pending_key(date(2026, 3, 17), date(2027, 1, 1)): 3,
        pending_key(date(2026, 3, 17), EXPIRES): 4,
    }
    assert pending_by_day(pending) == [(date(2026, 3, 17), 7), (date(2026, 3, 18), 5)]


# --- the shortfall --------------------------------------------------------------------------------


def test_earning_repays_the_shortfall_first_and_counts_whole(account, at) -> None:
    change = Change(account(shortfall=30))
    entry = credit(change, 50, EXPIRES, at("2026-03-10 10:00"), TODAY, source="PURCHASE")
    assert entry is not None and entry.delta == 20 and "30 points repaid" in (entry.note or "")
    assert (change.account.balance, change.account.shortfall, change.account.lifetime_earned) == (20, 0, 50)


def test_an_earning_that_only_repays_writes_no_entry(account, at) -> None:
    change = Change(account(shortfall=80))
    assert credit(change, 50, EXPIRES, at("2026-03-10 10:00"), TODAY, source="TASK") is None
    assert (change.account.balance, change.account.shortfall, change.account.lifetime_earned) == (0, 30, 50)


def test_an_adjustment_does_not_repay(account, at) -> None:
    change = Change(account(shortfall=80))
    entry = credit(change, 50, EXPIRES, at("2026-03-10 10:00"), TODAY, type_=EntryType.ADJUST, source="ADMIN")
    assert entry is not None and entry.delta == 50
    assert (change.account.balance, change.account.shortfall) == (50, 80)


def test_a_refund_repays_from_its_soonest_lots(account, at) -> None:
    change = Change(account({"2026-06-01": 5}, shortfall=12))
    taken = {"2026-04-01": 10, "2026-05-01": 10}
    entry = refund(change, taken, at("2026-03-10 10:00"), TODAY, source="ORDER_CANCEL")
    assert entry is not None and (entry.type, entry.delta, entry.lots) == (
        EntryType.REFUND,
        8,
        {"2026-05-01": 8},
    )
    assert change.account.lots == {"2026-05-01": 8, "2026-06-01": 5}
    assert change.account.shortfall == 0


def test_take_back_takes_the_events_own_lot_first_then_soonest(account, at) -> None:
    change = Change(account({"2026-04-01": 10, "2027-03-10": 30, "2027-05-01": 10}, lifetime_earned=100))
    missing = take_back(change, 35, EXPIRES, at("2026-03-10 10:00"), TODAY, source="PURCHASE_RETURN")
    assert missing == 0
    assert change.entries[0].lots == {"2026-04-01": 5, "2027-03-10": 30}
    assert change.account.lots == {"2026-04-01": 5, "2027-05-01": 10}
    assert change.account.lifetime_earned == 65


def test_take_back_beyond_the_balance_is_shortfall_never_negative(account, at) -> None:
    change = Change(account({"2026-04-01": 10}, lifetime_earned=100))
    assert take_back(change, 100, EXPIRES, at("2026-03-10 10:00"), TODAY, source="PURCHASE_RETURN") == 90
    assert [(e.type, e.delta, e.balance_after) for e in change.entries] == [(EntryType.REVERSE, -10, 0)]
    assert (change.account.balance, change.account.shortfall, change.account.lifetime_earned) == (0, 90, 0)


# --- reverse --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("awarded", "amount", "refunds"),
    [
        (10, 1_000, [333, 333, 334]),
        (7, 999, [1, 1, 997]),
        (100, 10_000, [10_000]),
        (0, 50, [20, 30]),
        (13, 3, [1, 1, 1]),
    ],
)
def test_refunds_adding_up_to_the_purchase_take_back_exactly_what_it_awarded(
    account, rules, at, awarded: int, amount: int, refunds: list[int]
) -> None:
    state = purchase(awarded=awarded, amount_fen=amount)
    current = account({EXPIRES.isoformat(): awarded}, lifetime_earned=awarded)
    refunded = 0
    for fen in refunds:
        reversal = reverse(current, state, fen, "r", "EVENT#e", rules(), at("2026-03-11 10:00"))
        refunded += fen
        assert reversal.purchase.reversed == points_lost(state, refunded) == awarded * refunded // amount
        state, current = reversal.purchase, reversal.change.account
    assert (state.reversed, current.balance, current.lifetime_earned) == (awarded, 0, 0)


def test_reversing_pending_points_drops_them_without_an_entry(account, rules, at) -> None:
    state = purchase(available_on=date(2026, 3, 17))
    start = account(pending={pending_key(date(2026, 3, 17), EXPIRES): 130})
    reversal = reverse(start, state, 4_000, "r", "EVENT#e", rules(), at("2026-03-16 23:00"))
    assert (reversal.result.reversed, reversal.result.shortfall, reversal.change.entries) == (40, 0, [])
    assert reversal.change.account.pending == {pending_key(date(2026, 3, 17), EXPIRES): 90}


def test_reversing_on_the_day_they_became_spendable_takes_them_off_the_balance(account, rules, at) -> None:
    state = purchase(available_on=date(2026, 3, 17))
    start = account(pending={pending_key(date(2026, 3, 17), EXPIRES): 100}, lifetime_earned=0)
    reversal = reverse(start, state, None, "r", "EVENT#e", rules(), at("2026-03-17 00:00"))
    assert [(e.type, e.delta) for e in reversal.change.entries] == [
        (EntryType.EARN, 100),
        (EntryType.REVERSE, -100),
    ]
    assert (reversal.change.account.balance, reversal.change.account.lifetime_earned) == (0, 0)


@pytest.mark.parametrize(("refunded", "amount"), [(0, 10_001), (6_000, 4_001), (10_000, None)])
def test_refunds_beyond_the_purchase_are_refused(
    account, rules, at, refunded: int, amount: int | None
) -> None:
    with pytest.raises(ReversalExceedsPurchase):
        reverse(
            account(),
            purchase(refunded_fen=refunded),
            amount,
            "r",
            "EVENT#e",
            rules(),
            at("2026-03-11 10:00"),
        )


def test_hold_pending_merges_purchases_of_one_day(account) -> None:
    change = Change(account())
    hold_pending(change, 10, date(2026, 3, 17), EXPIRES)
    hold_pending(change, 5, date(2026, 3, 17), EXPIRES)
    hold_pending(change, 0, date(2026, 3, 18), EXPIRES)
    assert change.account.pending == {pending_key(date(2026, 3, 17), EXPIRES): 15}
