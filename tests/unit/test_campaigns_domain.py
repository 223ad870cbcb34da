"""Campaign rules: which campaign applies to what, and the multiplier (highest, never stacked)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction

from mall.domain.account import Account
from mall.domain.campaigns import Campaign, CampaignKind, CampaignStatus, boost, current_and_upcoming
from mall.domain.earning import EarnKind, earn, purchase_points
from mall.domain.rules import Rules

START = datetime(2030, 6, 15, tzinfo=UTC)
END = START + timedelta(days=1)


def campaign(cid: str = "c", multiplier: str = "2", **fields: object) -> Campaign:
    values: dict = {
        "campaign_id": cid,
        "name": cid,
        "multiplier": Fraction(multiplier),
        "starts_at": START,
        "ends_at": END,
        "kinds": frozenset({CampaignKind.PURCHASE}),
        **fields,
    }
    return Campaign(**values)


def test_window_is_half_open() -> None:
    c = campaign()
    assert c.status(START - timedelta(seconds=1)) is CampaignStatus.UPCOMING
    assert c.status(START) is CampaignStatus.ACTIVE
    assert c.status(END) is CampaignStatus.ENDED
    assert boost([c], "PURCHASE", START) == 2 and boost([c], "PURCHASE", END) == 1


def test_highest_multiplier_of_the_matching_campaigns() -> None:
    found = [
        campaign("a", "1.5"),
        campaign("b", "3", kinds=frozenset({CampaignKind.TASK})),
        campaign("c", "2.5"),
        campaign("d", "9", starts_at=END, ends_at=END + timedelta(days=1)),
    ]
    assert boost(found, "PURCHASE", START) == Fraction(5, 2)
    assert boost(found, "TASK", START) == 3
    assert boost(found, "SIGN_IN", START) == 1


def test_categories_narrow_only_the_kinds_with_a_category() -> None:
    c = campaign(
        kinds=frozenset({CampaignKind.PURCHASE, CampaignKind.TASK}), categories=frozenset({"electronics"})
    )
    assert boost([c], "PURCHASE", START, "electronics") == 2
    assert boost([c], "PURCHASE", START, "home") == 1
    assert boost([c], "PURCHASE", START) == 1
    assert boost([c], "TASK", START) == 2  # a task has no category


def test_listing_keeps_active_and_upcoming_soonest_first() -> None:
    ended = campaign("ended", starts_at=START - timedelta(days=3), ends_at=START - timedelta(days=2))
    later = campaign("later", starts_at=START + timedelta(hours=5))
    now = campaign("now")
    assert [c.campaign_id for c in current_and_upcoming([later, ended, now], START)] == ["now", "later"]


def test_purchase_rounds_once_with_exact_fractions() -> None:
    rules = Rules()
    # 1.1 × 3 is 3.3000000000000003 in floats; exactly 33/10 here: ⌊10000 × 3.3 / 100⌋ = 330
    assert purchase_points(10_000, None, 0, rules, Fraction("1.1") * 3) == 330
    assert purchase_points(1299, None, 1000, rules, Fraction(3, 2)) == 23  # SILVER ×1.2 × 1.5


def test_earn_multiplies_before_the_cap() -> None:
    account = Account(member_id="m", created_at="2030-01-01T00:00:00+08:00")
    boosted = [campaign(kinds=frozenset({CampaignKind.TASK}))]
    outcome = earn(account, Rules(), EarnKind.TASK, at=START, points=400, campaigns=boosted)
    assert outcome.awarded == 500 and outcome.change.account.cap_used == 500
