"""Campaigns: windows in which some kinds of points are multiplied (积分翻倍日).

A campaign names the kinds it boosts. Earn kinds (PURCHASE, TASK, CAMPAIGN) and SIGN_IN are multiplied
when the points are awarded; REDEMPTION (points inflation: a lower price inside the window) is accepted
here and priced by the catalog. `categories`, when given, narrows the kinds that have a category
(PURCHASE, REDEMPTION) to those categories. Overlapping campaigns do not stack: the highest applies.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from fractions import Fraction


class CampaignKind(StrEnum):
    PURCHASE = "PURCHASE"
    TASK = "TASK"
    CAMPAIGN = "CAMPAIGN"
    SIGN_IN = "SIGN_IN"
    REDEMPTION = "REDEMPTION"


class CampaignStatus(StrEnum):
    UPCOMING = "UPCOMING"
    ACTIVE = "ACTIVE"
    ENDED = "ENDED"


_WITH_CATEGORY = (CampaignKind.PURCHASE, CampaignKind.REDEMPTION)
NO_BOOST = Fraction(1)


@dataclass(frozen=True)
class Campaign:
    campaign_id: str
    name: str
    multiplier: Fraction  # exact: 1.1 is 11/10, so a boosted purchase is still rounded once, exactly
    starts_at: datetime
    ends_at: datetime
    kinds: frozenset[CampaignKind]
    categories: frozenset[str] | None = None  # None: every category
    created_at: datetime | None = None

    def status(self, now: datetime) -> CampaignStatus:
        if now < self.starts_at:
            return CampaignStatus.UPCOMING
        return CampaignStatus.ACTIVE if now < self.ends_at else CampaignStatus.ENDED

    def applies(self, kind: CampaignKind, at: datetime, category: str | None = None) -> bool:
        if kind not in self.kinds or not self.starts_at <= at < self.ends_at:
            return False
        if kind in _WITH_CATEGORY and self.categories is not None:
            return category in self.categories
        return True


def boost(
    campaigns: Iterable[Campaign], kind: CampaignKind | str, at: datetime, category: str | None = None
) -> Fraction:
    """The multiplier for points of `kind` at `at`: the highest of the campaigns that apply, else 1."""
    wanted = CampaignKind(kind)
    return max((c.multiplier for c in campaigns if c.applies(wanted, at, category)), default=NO_BOOST)


def redemption_price(
    points_price: int, campaigns: Iterable[Campaign], at: datetime, category: str | None
) -> int:
    """积分膨胀: the points price inside a REDEMPTION campaign for `category`, divided by the highest
    multiplier in force, rounded up (so a priced product never becomes free)."""
    multiplier = boost(campaigns, CampaignKind.REDEMPTION, at, category)
    if multiplier == NO_BOOST or points_price == 0:
        return points_price
    lowered = Fraction(points_price) / multiplier
    return -(-lowered.numerator // lowered.denominator)


def current_and_upcoming(campaigns: Iterable[Campaign], now: datetime) -> list[Campaign]:
    """What GET /campaigns lists: campaigns not yet ended, soonest start first."""
    live = (c for c in campaigns if c.status(now) is not CampaignStatus.ENDED)
    return sorted(live, key=lambda c: (c.starts_at, c.campaign_id))


def new_campaign_id(at: datetime) -> str:
    return f"cp{int(at.timestamp()):010d}{secrets.token_hex(4)}"
