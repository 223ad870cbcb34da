"""Earning rules: purchase points, capped task/campaign points, and the daily sign-in streak."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from fractions import Fraction
from math import floor

from mall.domain.account import (
    Account,
    Change,
    credit,
    ensure_active,
    hold_pending,
    settle_expired,
    tier_of,
)
from mall.domain.calendar import business_day, expiry_day
from mall.domain.campaigns import NO_BOOST, Campaign, boost
from mall.domain.rules import Rules
from mall.errors import AlreadySignedIn


class EarnKind(StrEnum):
    PURCHASE = "PURCHASE"
    TASK = "TASK"
    CAMPAIGN = "CAMPAIGN"


@dataclass(frozen=True)
class EarnOutcome:
    change: Change
    awarded: int
    expires_on: date
    earned_on: date
    available_on: date | None = None  # pending purchase points: the day they become spendable
    shortfall_repaid: int = 0  # the part of `awarded` that repaid a reversal shortfall


@dataclass(frozen=True)
class SignInOutcome:
    change: Change
    awarded: int
    streak: int
    shortfall_repaid: int = 0


def _exact(value: float) -> Fraction:
    # From the decimal text, not the binary float: Fraction(1.2) would carry the float's error.
    return Fraction(str(value))


def purchase_points(
    amount_fen: int,
    category: str | None,
    lifetime_earned: int,
    rules: Rules,
    campaign_multiplier: Fraction = NO_BOOST,
) -> int:
    """⌊amountFen × pointsPerYuan × categoryRate × tier multiplier × campaign multiplier / 100⌋, rounded
    once at the end."""
    rate = rules.category_rates.get(category, 1.0) if category else 1.0
    tier, _ = tier_of(lifetime_earned, rules)
    exact = amount_fen * _exact(rules.purchase_points_per_yuan) * _exact(rate) * _exact(tier.multiplier) / 100
    return floor(exact * campaign_multiplier)


def cap_left(account: Account, today: date, rules: Rules) -> int:
    used = account.cap_used if account.cap_day == today.isoformat() else 0
    return max(0, rules.daily_cap - used)


def earn(
    account: Account,
    rules: Rules,
    kind: EarnKind,
    *,
    at: datetime,
    amount_fen: int | None = None,
    category: str | None = None,
    points: int | None = None,
    ref: str | None = None,
    note: str | None = None,
    campaigns: Iterable[Campaign] = (),
) -> EarnOutcome:
    """Award points for a purchase, task or campaign (after settling anything already expired); inside
    a campaign for `kind` the points are multiplied, rounded down, before the daily cap."""
    ensure_active(account)
    today = business_day(at, rules.zone)
    change = settle_expired(account, today, at)
    multiplier = boost(campaigns, kind.value, at, category)
    if kind is EarnKind.PURCHASE:
        awarded = purchase_points(
            amount_fen or 0, category, change.account.lifetime_earned, rules, multiplier
        )
    else:
        awarded = min(floor((points or 0) * multiplier), cap_left(change.account, today, rules))
        used = change.account.cap_used if change.account.cap_day == today.isoformat() else 0
        change.account = replace(change.account, cap_day=today.isoformat(), cap_used=used + awarded)
    expires_on = expiry_day(today, rules)
    if kind is EarnKind.PURCHASE and rules.pending_days and awarded > 0:
        # Not spendable (nor toward tiers) until the return window has passed; settled by the clock.
        available_on = today + timedelta(days=rules.pending_days)
        hold_pending(change, awarded, available_on, expires_on)
        return EarnOutcome(change, awarded, expires_on, today, available_on=available_on)
    owed = change.account.shortfall
    credit(change, awarded, expires_on, at, today, source=kind.value, ref=ref, note=note)
    return EarnOutcome(change, awarded, expires_on, today, shortfall_repaid=owed - change.account.shortfall)


def sign_in(
    account: Account, rules: Rules, at: datetime, campaigns: Iterable[Campaign] = ()
) -> SignInOutcome:
    """Daily sign-in: a missed business day resets the streak; rewards repeat by streak day (multiplied,
    rounded down, inside a SIGN_IN campaign)."""
    ensure_active(account)
    today = business_day(at, rules.zone)
    if account.sign_in_day == today.isoformat():
        raise AlreadySignedIn("already signed in today")
    yesterday = (today - timedelta(days=1)).isoformat()
    streak = account.streak + 1 if account.sign_in_day == yesterday else 1
    reward = rules.sign_in_rewards[(streak - 1) % len(rules.sign_in_rewards)]
    reward = floor(reward * boost(campaigns, "SIGN_IN", at))
    change = settle_expired(account, today, at)
    change.account = replace(change.account, sign_in_day=today.isoformat(), streak=streak)
    owed = change.account.shortfall
    credit(change, reward, expiry_day(today, rules), at, today, source="SIGN_IN", ref=f"SIGN_IN#{today}")
    repaid = owed - change.account.shortfall
    return SignInOutcome(change=change, awarded=reward, streak=streak, shortfall_repaid=repaid)


def current_streak(account: Account, today: date) -> int:
    """The streak as shown today: it survives until a business day is missed."""
    if account.sign_in_day in (today.isoformat(), (today - timedelta(days=1)).isoformat()):
        return account.streak
    return 0


@dataclass(frozen=True)
class EarnResult:
    """The answer to an earn event; stored with the event, so a replay answers exactly this."""

    awarded: int  # pending points included
    balance: int  # spendable points only
    expires_at: str | None  # end of the expiry day, ISO with the rules' offset; None when nothing was awarded
    replayed: bool = False
    pending_until: str | None = None  # start of the day pending points become spendable; None: spendable now
    shortfall_repaid: int = 0


@dataclass(frozen=True)
class SignInResult:
    awarded: int
    streak: int
    balance: int
    shortfall_repaid: int = 0
