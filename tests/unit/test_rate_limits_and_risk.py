"""Rate limits and the risk window as pure rules over an account."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from mall.domain.account import Account, Change, credit, debit
from mall.domain.rate_limits import Limited, count_request
from mall.domain.risk import RISK_AUTO_FREEZE, observe, window_totals
from mall.domain.rules import DEFAULT_RULES, RiskPolicy
from mall.errors import RateLimited

AT = datetime(2026, 3, 2, 2, 0, 10, tzinfo=UTC)
EXPIRES = date(2027, 3, 2)


def test_requests_are_counted_per_kind_and_minute() -> None:
    account = Account("m", "2026-01-01")
    for _ in range(10):
        account = count_request(account, Limited.SIGN_IN, DEFAULT_RULES, AT)
    account = count_request(account, Limited.REDEMPTIONS, DEFAULT_RULES, AT)  # another kind
    with pytest.raises(RateLimited) as refused:
        count_request(account, Limited.SIGN_IN, DEFAULT_RULES, AT)
    assert refused.value.retry_after == 50
    next_minute = count_request(account, Limited.SIGN_IN, DEFAULT_RULES, AT + timedelta(seconds=50))
    assert sorted(next_minute.rate_counts.values()) == [1]  # past minutes are dropped


def test_each_kind_has_its_limit() -> None:
    account = Account("m", "2026-01-01")
    for kind, limit in ((Limited.REDEMPTIONS, 30), (Limited.CLAIMS, 10), (Limited.SPINS, 60)):
        for _ in range(limit):
            account = count_request(account, kind, DEFAULT_RULES, AT)
        with pytest.raises(RateLimited):
            count_request(account, kind, DEFAULT_RULES, AT)


def _earned(account: Account, points: int, source: str, at: datetime) -> Change:
    change = Change(account)
    credit(change, points, EXPIRES, at, at.date(), source=source, ref=f"EVENT#{source}{points}")
    return change


POLICY = RiskPolicy(window_minutes=60, max_non_purchase_points=100, max_redemptions=2)


def test_non_purchase_points_cross_the_limit_and_freeze_in_the_same_change() -> None:
    change = _earned(Account("m", "2026-01-01"), 100, "TASK", AT)
    observe(change, POLICY, AT)
    assert not change.account.frozen and not change.risk_events  # at the limit is allowed
    purchase = _earned(change.account, 10_000, "PURCHASE", AT)
    observe(purchase, POLICY, AT)
    assert not purchase.account.frozen
    crossing = _earned(purchase.account, 1, "SIGN_IN", AT)
    observe(crossing, POLICY, AT)
    assert (crossing.account.frozen, crossing.account.frozen_reason) == (True, RISK_AUTO_FREEZE)
    assert crossing.account.balance == 10_101  # the crossing change still carries its points
    [event] = crossing.risk_events
    assert (event.rule, event.observed, event.limit, event.ref) == (
        "maxNonPurchasePoints",
        101,
        100,
        "EVENT#SIGN_IN1",
    )


def test_redemptions_count_by_request() -> None:
    account = Account("m", "2026-01-01", lots={"2027-03-02": 100})
    for n in range(3):
        change = Change(account)
        debit(change, 10, AT, AT.date(), source="REDEMPTION")
        observe(change, POLICY, AT, redemptions=1)
        account = change.account
        assert account.frozen is (n == 2)


def test_the_window_forgets_what_is_older_than_it() -> None:
    change = _earned(Account("m", "2026-01-01"), 100, "TASK", AT)
    observe(change, POLICY, AT)
    later = AT + timedelta(minutes=61)
    assert window_totals(change.account.risk_counts, POLICY, later) == {"points": 0, "redemptions": 0}
    again = _earned(change.account, 100, "TASK", later)
    observe(again, POLICY, later)
    assert not again.account.frozen
    assert len(again.account.risk_counts) == 1  # the old bucket was dropped


def test_a_frozen_account_is_not_frozen_twice() -> None:
    frozen = Account("m", "2026-01-01", frozen=True, frozen_reason="manual")
    change = _earned(frozen, 500, "TASK", AT)
    observe(change, POLICY, AT)
    assert change.account.frozen_reason == "manual" and not change.risk_events
