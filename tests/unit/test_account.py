"""Lots by expiry day: spending soonest first, refunds into the same lots, expiry, tiers."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from mall.domain.account import (
    Change,
    credit,
    debit,
    ensure_active,
    next_tier,
    refund,
    settle_expired,
    take_soonest_first,
    tier_of,
    upcoming_expiries,
)
from mall.domain.ledger import EntryType
from mall.domain.rules import DEFAULT_RULES
from mall.errors import AccountFrozen, InsufficientPoints

# Inserted out of order on purpose: "soonest" must come from the dates, not from dict order.
LOTS = {"2026-05-01": 10, "2026-03-01": 5, "2026-04-01": 20}
TODAY = date(2026, 2, 20)


@pytest.fixture
def now(at) -> datetime:
    return at("2026-02-20 10:00")


# --- take_soonest_first -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("points", "remaining", "taken"),
    [
        (3, {"2026-03-01": 2, "2026-04-01": 20, "2026-05-01": 10}, {"2026-03-01": 3}),
        (5, {"2026-04-01": 20, "2026-05-01": 10}, {"2026-03-01": 5}),
        (12, {"2026-04-01": 13, "2026-05-01": 10}, {"2026-03-01": 5, "2026-04-01": 7}),
        (25, {"2026-05-01": 10}, {"2026-03-01": 5, "2026-04-01": 20}),
        (30, {"2026-05-01": 5}, {"2026-03-01": 5, "2026-04-01": 20, "2026-05-01": 5}),
        (35, {}, {"2026-03-01": 5, "2026-04-01": 20, "2026-05-01": 10}),
        (0, {"2026-03-01": 5, "2026-04-01": 20, "2026-05-01": 10}, {}),
    ],
)
def test_take_soonest_first(points: int, remaining: dict[str, int], taken: dict[str, int]) -> None:
    original = dict(LOTS)
    got_remaining, got_taken = take_soonest_first(LOTS, points)
    assert got_remaining == remaining
    assert got_taken == taken
    assert sum(got_taken.values()) == points
    assert all(v > 0 for v in got_remaining.values())
    assert original == LOTS  # the input is not mutated


@pytest.mark.parametrize("points", [36, 1000])
def test_take_more_than_held_raises_and_changes_nothing(points: int) -> None:
    original = dict(LOTS)
    with pytest.raises(InsufficientPoints) as excinfo:
        take_soonest_first(LOTS, points)
    assert excinfo.value.code == "INSUFFICIENT_POINTS"
    assert excinfo.value.status == 409
    assert original == LOTS


def test_take_from_empty_lots() -> None:
    assert take_soonest_first({}, 0) == ({}, {})
    with pytest.raises(InsufficientPoints):
        take_soonest_first({}, 1)


def test_take_negative_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="negative"):
        take_soonest_first(LOTS, -1)


# --- debit ------------------------------------------------------------------------------------


def test_debit_records_a_spend_with_its_lots(account, now, assert_chain) -> None:
    start = account(LOTS)
    change = Change(start)
    entry = debit(change, 12, now, TODAY, source="REDEMPTION", ref="ORDER#1", note="mug")
    assert change.account.lots == {"2026-04-01": 13, "2026-05-01": 10}
    assert change.account.balance == 23
    assert change.entries == [entry]
    assert entry.type is EntryType.SPEND
    assert (entry.delta, entry.balance_after) == (-12, 23)
    assert entry.lots == {"2026-03-01": 5, "2026-04-01": 7}
    assert (entry.source, entry.ref, entry.note, entry.day, entry.created_at) == (
        "REDEMPTION",
        "ORDER#1",
        "mug",
        TODAY,
        now,
    )
    assert change.account.lifetime_earned == start.lifetime_earned
    assert start.lots == LOTS  # the original account is untouched
    assert_chain(start, change)


def test_insufficient_debit_changes_nothing(account, now) -> None:
    start = account(LOTS, lifetime_earned=35)
    change = Change(start)
    with pytest.raises(InsufficientPoints):
        debit(change, 36, now, TODAY, source="REDEMPTION")
    assert change.account == start
    assert change.entries == []


def test_debit_of_zero_writes_no_entry(account, now) -> None:
    change = Change(account(LOTS))
    debit(change, 0, now, TODAY, source="REDEMPTION")
    assert change.entries == []


# --- refund -----------------------------------------------------------------------------------


def test_refund_puts_points_back_into_the_same_lots(account, now, assert_chain) -> None:
    start = account(LOTS, lifetime_earned=35)
    spent = Change(start)
    spend = debit(spent, 30, now, TODAY, source="REDEMPTION", ref="ORDER#1")
    assert spent.account.lots == {"2026-05-01": 5}

    back = Change(spent.account)
    entry = refund(back, spend.lots, now, TODAY, source="CANCEL", ref="ORDER#1")
    assert entry is not None
    assert back.account.lots == LOTS
    assert sorted(back.account.lots) == sorted(LOTS)  # same expiry days, none new
    assert entry.type is EntryType.REFUND
    assert (entry.delta, entry.balance_after) == (30, 35)
    assert entry.lots == spend.lots
    assert back.account.lifetime_earned == 35  # refunds are not earnings
    assert_chain(spent.account, back)


def test_refund_adds_to_lots_that_gained_points_meanwhile(account, now) -> None:
    spent = Change(account(LOTS))
    spend = debit(spent, 12, now, TODAY, source="REDEMPTION")
    credit(spent, 4, date(2026, 3, 1), now, TODAY, source="TASK")  # same expiry day as a spent lot
    back = Change(spent.account)
    refund(back, spend.lots, now, TODAY, source="CANCEL")
    assert back.account.lots == {"2026-03-01": 9, "2026-04-01": 20, "2026-05-01": 10}


def test_refund_of_nothing_writes_no_entry(account, now) -> None:
    change = Change(account(LOTS))
    assert refund(change, {}, now, TODAY, source="CANCEL") is None
    assert change.entries == []
    assert change.account.lots == LOTS


# --- credit -----------------------------------------------------------------------------------


def test_credit_earn_counts_toward_lifetime_adjust_does_not(account, now, assert_chain) -> None:
    start = account({"2027-02-20": 7}, lifetime_earned=7)
    change = Change(start)
    earned = credit(change, 10, date(2027, 2, 20), now, TODAY, source="TASK", ref="EVENT#1")
    adjusted = credit(change, 3, date(2027, 2, 21), now, TODAY, type_=EntryType.ADJUST, source="ADMIN")
    assert earned is not None
    assert adjusted is not None
    assert (earned.type, earned.delta, earned.balance_after) == (EntryType.EARN, 10, 17)
    assert (adjusted.type, adjusted.delta, adjusted.balance_after) == (EntryType.ADJUST, 3, 20)
    assert change.account.lots == {"2027-02-20": 17, "2027-02-21": 3}
    assert change.account.lifetime_earned == 17
    assert_chain(start, change)


def test_credit_of_zero_writes_no_entry(account, now) -> None:
    change = Change(account(LOTS))
    assert credit(change, 0, date(2027, 1, 1), now, TODAY, source="TASK") is None
    assert change.entries == []
    assert change.account.lots == LOTS


# --- settle_expired ---------------------------------------------------------------------------


def test_settle_expires_only_lots_before_today(account, at, assert_chain) -> None:
    lots = {"2026-03-10": 6, "2026-03-02": 5, "2026-02-28": 3, "2026-03-01": 4}
    start = account(lots)
    when = at("2026-03-02 00:00")
    change = settle_expired(start, date(2026, 3, 2), when)
    assert change.account.lots == {"2026-03-02": 5, "2026-03-10": 6}  # a lot's last day is still spendable
    assert [(e.type, e.delta, e.balance_after, e.ref) for e in change.entries] == [
        (EntryType.EXPIRE, -3, 15, "EXPIRY#2026-02-28"),
        (EntryType.EXPIRE, -4, 11, "EXPIRY#2026-03-01"),
    ]
    assert all(
        e.day == date(2026, 3, 2) and e.created_at == when and e.source == "EXPIRY" for e in change.entries
    )
    assert start.lots == lots
    assert_chain(start, change)


def test_settle_with_nothing_expired_writes_nothing(account, now) -> None:
    start = account(LOTS)
    change = settle_expired(start, date(2026, 3, 1), now)
    assert change.entries == []
    assert change.account == start


def test_settle_everything(account, now) -> None:
    change = settle_expired(account(LOTS, lifetime_earned=50), date(2027, 1, 1), now)
    assert change.account.lots == {}
    assert change.account.balance == 0
    assert change.account.lifetime_earned == 50  # expiry does not lower the tier
    assert [e.delta for e in change.entries] == [-5, -20, -10]
    assert [e.balance_after for e in change.entries] == [30, 10, 0]


def test_entry_ids_sort_in_ledger_order_even_for_many_entries(account, now) -> None:
    change = Change(account({}))
    for i in range(120):
        change.record(now, now.date(), EntryType.EARN, "TASK", 1)
    ids = [e.entry_id for e in change.entries]
    assert len(set(ids)) == 120
    assert ids == sorted(ids)


def test_many_due_lots_expire_in_one_entry_so_a_transaction_stays_small(account, now) -> None:
    lots = {date.fromordinal(date(2025, 1, 1).toordinal() + i).isoformat(): 1 for i in range(120)}
    lots["2026-06-01"] = 7
    change = settle_expired(account(lots), date(2026, 1, 1), now)
    assert [(e.type, e.delta, e.balance_after) for e in change.entries] == [(EntryType.EXPIRE, -120, 7)]
    assert change.account.lots == {"2026-06-01": 7}


def test_a_few_due_lots_expire_one_entry_each(account, now) -> None:
    lots = {date.fromordinal(date(2025, 1, 1).toordinal() + i).isoformat(): 1 for i in range(20)}
    change = settle_expired(account(lots), date(2026, 1, 1), now)
    ids = [e.entry_id for e in change.entries]
    assert len(set(ids)) == 20 and ids == sorted(ids)


# --- tiers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lifetime", "tier", "level", "upcoming"),
    [
        (0, "MEMBER", 1, ("SILVER", 1000)),
        (999, "MEMBER", 1, ("SILVER", 1)),
        (1000, "SILVER", 2, ("GOLD", 4000)),
        (1001, "SILVER", 2, ("GOLD", 3999)),
        (4999, "SILVER", 2, ("GOLD", 1)),
        (5000, "GOLD", 3, ("DIAMOND", 15000)),
        (19999, "GOLD", 3, ("DIAMOND", 1)),
        (20000, "DIAMOND", 4, None),
        (10**9, "DIAMOND", 4, None),
    ],
)
def test_tier_of_and_next_tier(
    lifetime: int, tier: str, level: int, upcoming: tuple[str, int] | None
) -> None:
    got, got_level = tier_of(lifetime, DEFAULT_RULES)
    assert (got.name, got_level) == (tier, level)
    nxt = next_tier(lifetime, DEFAULT_RULES)
    assert (None if nxt is None else (nxt[0].name, nxt[1])) == upcoming


def test_single_tier_has_no_next(rules) -> None:
    only = rules(tiers=[{"name": "ALL", "threshold": 0, "multiplier": 1}])
    assert tier_of(123, only)[1] == 1
    assert next_tier(0, only) is None


# --- account views ----------------------------------------------------------------------------


def test_balance_next_expiry_and_upcoming(account) -> None:
    acc = account(LOTS)
    assert acc.balance == 35
    assert acc.next_expiry() == "2026-03-01"
    assert list(upcoming_expiries(acc.lots)) == [("2026-03-01", 5), ("2026-04-01", 20), ("2026-05-01", 10)]
    assert list(upcoming_expiries(acc.lots, count=2)) == [("2026-03-01", 5), ("2026-04-01", 20)]
    empty = account()
    assert (empty.balance, empty.next_expiry(), list(upcoming_expiries(empty.lots))) == (0, None, [])


def test_ensure_active(account) -> None:
    ensure_active(account(LOTS))
    with pytest.raises(AccountFrozen) as excinfo:
        ensure_active(account(LOTS, frozen=True, frozen_reason="fraud"))
    assert (excinfo.value.code, excinfo.value.status) == ("ACCOUNT_FROZEN", 403)
