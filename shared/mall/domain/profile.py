"""What a member (and an admin looking at a member) sees of an account: balance, tier, streak, expiries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from mall.domain.account import Account, next_tier, pending_by_day, tier_of, tier_points, upcoming_expiries
from mall.domain.calendar import end_of_day, iso, start_of_day
from mall.domain.earning import current_streak
from mall.domain.journey import Segment, segment_of
from mall.domain.rules import Rules


@dataclass(frozen=True)
class TierStanding:
    name: str
    level: int
    points_in_window: int | None = None  # with tierWindowDays: the points earned in the window


@dataclass(frozen=True)
class NextTier:
    name: str
    points_needed: int


@dataclass(frozen=True)
class Expiring:
    points: int
    expires_at: str  # the end of the expiry day, ISO with the rules' offset


@dataclass(frozen=True)
class Pending:
    points: int
    available_at: str  # the start of the business day they become spendable, ISO with the rules' offset


@dataclass(frozen=True)
class Profile:
    member_id: str
    balance: int
    lifetime_earned: int
    frozen: bool
    frozen_reason: str | None
    tier: TierStanding
    next_tier: NextTier | None
    streak: int
    signed_in_today: bool
    expiring: list[Expiring]
    pending: list[Pending]
    shortfall: int
    invite_code: str | None = None
    segment: Segment | None = None


def profile_of(account: Account, rules: Rules, today: date) -> Profile:
    standing = tier_points(account, rules, today)  # lifetime earned, or the tier window's points
    tier, level = tier_of(standing, rules)
    upcoming = next_tier(standing, rules)
    in_window = standing if rules.tier_window_days is not None else None
    return Profile(
        member_id=account.member_id,
        balance=account.balance,
        lifetime_earned=account.lifetime_earned,
        frozen=account.frozen,
        frozen_reason=account.frozen_reason,
        tier=TierStanding(tier.name, level, in_window),
        next_tier=NextTier(upcoming[0].name, upcoming[1]) if upcoming else None,
        streak=current_streak(account, today),
        signed_in_today=account.sign_in_day == today.isoformat(),
        expiring=[
            Expiring(points, iso(end_of_day(date.fromisoformat(day), rules.zone)))
            for day, points in upcoming_expiries(account.lots)
        ],
        pending=[
            Pending(points, iso(start_of_day(day, rules.zone)))
            for day, points in pending_by_day(account.pending)
        ],
        shortfall=account.shortfall,
        invite_code=account.invite_code,
        segment=segment_of(account, rules, today),
    )
