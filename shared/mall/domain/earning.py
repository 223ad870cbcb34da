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
    tier_points,
)
from mall.domain.calendar import business_day, expiry_day
from mall.domain.campaigns import NO_BOOST, Campaign, boost
from mall.domain.journey import FIRST_PURCHASE, active, first_purchase
from mall.domain.rules import Rules
from mall.domain.tasks import Task, TaskEvent, advance
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
    standing: int,
    rules: Rules,
    campaign_multiplier: Fraction = NO_BOOST,
    first: bool = False,
) -> int:
    """⌊amountFen × pointsPerYuan × categoryRate × tier multiplier × campaign multiplier (× the first
    purchase's multiplier) / 100⌋, rounded once at the end; `standing` is what the tier is decided by
    (`tier_points`)."""
    rate = rules.category_rates.get(category, 1.0) if category else 1.0
    tier, _ = tier_of(standing, rules)
    exact = amount_fen * _exact(rules.purchase_points_per_yuan) * _exact(rate) * _exact(tier.multiplier) / 100
    if first:
        exact *= _exact(rules.first_purchase_multiplier)
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
    tasks: Iterable[Task] = (),
    task_kind: str | None = None,
) -> EarnOutcome:
    """Award points for a purchase, task or campaign (after settling anything already expired); inside
    a campaign for `kind` the points are multiplied, rounded down, before the daily cap. The member's
    first purchase is multiplied by `firstPurchaseMultiplier` (one entry, source FIRST_PURCHASE); the
    event counts toward the tasks it belongs to (rewards in the same change)."""
    ensure_active(account)
    today = business_day(at, rules.zone)
    change = settle_expired(account, today, at)
    multiplier = boost(campaigns, kind.value, at, category)
    source = kind.value
    if kind is EarnKind.PURCHASE:
        first = first_purchase(change.account)
        standing = tier_points(change.account, rules, today)
        awarded = purchase_points(amount_fen or 0, category, standing, rules, multiplier, first)
        change.account = replace(change.account, purchased=True)
        # The first purchase's entry says so only when it was multiplied (the rules set a bonus).
        source = FIRST_PURCHASE if first and rules.first_purchase_multiplier != 1 else source
    else:
        awarded = min(floor((points or 0) * multiplier), cap_left(change.account, today, rules))
        used = change.account.cap_used if change.account.cap_day == today.isoformat() else 0
        change.account = replace(change.account, cap_day=today.isoformat(), cap_used=used + awarded)
    expires_on = expiry_day(today, rules)
    active(change, today, purchase=kind is EarnKind.PURCHASE)
    if kind is EarnKind.PURCHASE and rules.pending_days and awarded > 0:
        # Not spendable (nor toward tiers) until the return window has passed; settled by the clock.
        available_on = today + timedelta(days=rules.pending_days)
        hold_pending(change, awarded, available_on, expires_on)
        advance(change, tasks, TaskEvent(kind.value), rules, at, today)
        return EarnOutcome(change, awarded, expires_on, today, available_on=available_on)
    owed = change.account.shortfall
    credit(change, awarded, expires_on, at, today, source=source, ref=ref, note=note)
    repaid = owed - change.account.shortfall
    if kind is not EarnKind.CAMPAIGN:
        advance(change, tasks, TaskEvent(kind.value), rules, at, today, task_kind)
    return EarnOutcome(change, awarded, expires_on, today, shortfall_repaid=repaid)


def sign_in(
    account: Account,
    rules: Rules,
    at: datetime,
    campaigns: Iterable[Campaign] = (),
    tasks: Iterable[Task] = (),
) -> SignInOutcome:
    """Daily sign-in: a missed business day resets the streak; rewards repeat by streak day (multiplied,
    rounded down, inside a SIGN_IN campaign); it counts toward SIGN_IN tasks."""
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
    active(change, today)
    advance(change, tasks, TaskEvent.SIGN_IN, rules, at, today)
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
