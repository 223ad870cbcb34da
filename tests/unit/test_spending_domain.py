"""Spending beyond the catalog as pure rules: a deduction's cash value and lots, the campaign price,
which redemptions wait for review, and approving one."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

import pytest

from mall.domain.account import Account
from mall.domain.campaigns import Campaign, CampaignKind, redemption_price
from mall.domain.deductions import DeductionStatus, cash_value, deduct, reversal
from mall.domain.ledger import EntryType
from mall.domain.orders import Order, OrderStatus, approved, initial_status, needs_review, paid_status
from mall.domain.rules import DeductionPolicy, Rules
from mall.errors import AccountFrozen, DeductionLimit, InsufficientPoints, InvalidStatus

AT = datetime(2026, 6, 10, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
RULES = Rules()


def test_cash_value_is_whole_yuan_within_the_ratio() -> None:
    assert cash_value(500, 2000, RULES) == 500
    assert cash_value(1000, 2000, RULES) == 1000  # exactly half
    with pytest.raises(DeductionLimit):
        cash_value(1100, 2000, RULES)
    with pytest.raises(DeductionLimit):
        cash_value(150, 2000, RULES)  # 1.5 yuan
    with pytest.raises(DeductionLimit):
        cash_value(100, 199, RULES)  # 1 yuan is more than half of 1.99
    generous = Rules(deduction=DeductionPolicy(points_per_yuan=1, max_ratio=1))
    assert cash_value(20, 2000, generous) == 2000


def test_a_deduction_takes_soonest_expiry_first_and_its_reversal_puts_them_back() -> None:
    account = Account("m1", "2026-01-01", lots={"2026-12-31": 300, "2027-06-01": 700})
    change, deduction = deduct(account, "shop", "po-1", 10_000, 500, RULES, AT)
    assert change.account.lots == {"2027-06-01": 500}
    assert deduction.lots == {"2026-12-31": 300, "2027-06-01": 200}
    assert (deduction.points_spent, deduction.deducted_fen, deduction.balance) == (500, 500, 500)
    [entry] = change.entries
    assert (entry.type, entry.source, entry.delta) == (EntryType.SPEND, "DEDUCTION", -500)
    back, reversed_ = reversal(deduction, change.account, RULES, AT)
    assert back.account.lots == account.lots
    assert reversed_.status is DeductionStatus.REVERSED and reversed_.balance == 1000
    [refund] = back.entries
    assert (refund.type, refund.delta, refund.ref) == (EntryType.REFUND, 500, deduction.ref)
    with pytest.raises(ValueError):
        reversal(reversed_, back.account, RULES, AT)


def test_a_deduction_needs_an_active_account_with_the_points() -> None:
    with pytest.raises(InsufficientPoints):
        deduct(Account("m1", "2026-01-01", lots={"2027-01-01": 100}), "shop", "po", 10_000, 200, RULES, AT)
    frozen = Account("m1", "2026-01-01", lots={"2027-01-01": 1000}, frozen=True)
    with pytest.raises(AccountFrozen):
        deduct(frozen, "shop", "po", 10_000, 200, RULES, AT)


def test_reversed_points_past_their_day_expire_at_once() -> None:
    account = Account("m1", "2026-01-01", lots={"2026-06-10": 500})
    change, deduction = deduct(account, "shop", "po", 2000, 500, RULES, AT)
    later = AT + timedelta(days=2)
    back, reversed_ = reversal(deduction, change.account, RULES, later)
    assert back.account.lots == {} and reversed_.balance == 0
    assert [e.type for e in back.entries] == [EntryType.REFUND, EntryType.EXPIRE]


def _inflation(multiplier: str, categories: frozenset[str] | None = None) -> Campaign:
    return Campaign(
        "c", "积分膨胀", Fraction(multiplier), AT - timedelta(hours=1), AT + timedelta(hours=1),
        frozenset({CampaignKind.REDEMPTION}), categories,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("price", "multiplier", "expected"),
    [(100, "2", 50), (99, "2", 50), (1, "2", 1), (100, "1.5", 67), (0, "2", 0), (100, "1", 100)],
)
def test_the_campaign_price_is_divided_and_rounded_up(price: int, multiplier: str, expected: int) -> None:
    assert redemption_price(price, [_inflation(multiplier)], AT, "home") == expected


def test_the_campaign_price_applies_in_its_window_and_categories_only() -> None:
    home = _inflation("2", frozenset({"home"}))
    assert redemption_price(100, [home], AT, "home") == 50
    assert redemption_price(100, [home], AT, "office") == 100
    assert redemption_price(100, [home], AT + timedelta(hours=1), "home") == 100


def test_review_by_product_or_by_points() -> None:
    assert needs_review(10, True, None)
    assert not needs_review(10_000, False, None)
    assert needs_review(101, False, 100) and not needs_review(100, False, 100)
    assert initial_status("PHYSICAL", 0, review=True) is OrderStatus.PENDING_REVIEW
    assert initial_status("PHYSICAL", 500, review=True) is OrderStatus.PENDING_PAYMENT  # paid first
    assert paid_status("PHYSICAL", review=True) is OrderStatus.PENDING_REVIEW


def _order(status: OrderStatus, product_type: str = "PHYSICAL") -> Order:
    return Order("o1", "m1", "tv", "TV", product_type, 1, 100, 0, status, AT, review=True)


def test_approval_confirms_only_an_order_under_review() -> None:
    assert approved(_order(OrderStatus.PENDING_REVIEW)).status is OrderStatus.CONFIRMED
    voucher = approved(_order(OrderStatus.PENDING_REVIEW, "VIRTUAL"))
    assert voucher.status is OrderStatus.COMPLETED and voucher.voucher_code
    for status in (OrderStatus.CONFIRMED, OrderStatus.CANCELLED, OrderStatus.PENDING_PAYMENT):
        with pytest.raises(InvalidStatus):
            approved(_order(status))


def test_business_day_of_a_deduction_is_the_zones() -> None:
    _, deduction = deduct(Account("m1", "x", lots={"2027-01-01": 100}), "s", "po", 400, 100, RULES, AT)
    assert deduction.created_at.date() == date(2026, 6, 10)
