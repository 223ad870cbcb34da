"""Risk control: a member who earns too many non-purchase points, or redeems too often, within the
rules' window is frozen (reason RISK_AUTO_FREEZE).

The window's counters live in the account (a small map of buckets, each a twelfth of the window), so
they are updated by the write the earning or redemption makes anyway. The request that crosses a limit
completes, and freezes the account in the same write; the next request meets the freeze."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import datetime

from mall.domain.account import Change
from mall.domain.ledger import EntryType
from mall.domain.rules import RiskPolicy

RISK_AUTO_FREEZE = "RISK_AUTO_FREEZE"
PURCHASE_SOURCE = "PURCHASE"
FIRST_PURCHASE_SOURCE = "FIRST_PURCHASE"
POINTS, REDEMPTIONS = "points", "redemptions"
BUCKETS_PER_WINDOW = 12


@dataclass(frozen=True)
class RiskEvent:
    """A member frozen by risk control: which limit, what was seen in the window, and what crossed it."""

    event_id: str
    member_id: str
    rule: str  # the risk rule crossed: "maxNonPurchasePoints" or "maxRedemptions"
    observed: int
    limit: int
    window_minutes: int
    created_at: datetime
    ref: str | None  # the ledger ref of the request that crossed the limit (an order, an event)
    reason: str = RISK_AUTO_FREEZE


def new_event_id(at: datetime) -> str:
    return f"{int(at.timestamp() * 1000):013d}{secrets.token_hex(4)}"


def non_purchase_points(change: Change) -> int:
    """Points this change earns from anything but purchases (tasks, campaigns, sign-in, referral, draws)."""
    purchases = (PURCHASE_SOURCE, FIRST_PURCHASE_SOURCE)  # a first purchase is a purchase, multiplied
    return sum(e.delta for e in change.entries if e.type is EntryType.EARN and e.source not in purchases)


def _bucket_start(minute: int, policy: RiskPolicy) -> int:
    size = max(1, policy.window_minutes // BUCKETS_PER_WINDOW)
    return minute - minute % size


def window_totals(counts: dict[str, int], policy: RiskPolicy, at: datetime) -> dict[str, int]:
    """What the member earned and redeemed in the window ending now (buckets that started inside it)."""
    since = int(at.timestamp() // 60) - policy.window_minutes
    totals = {POINTS: 0, REDEMPTIONS: 0}
    for key, amount in counts.items():
        what, _, bucket = key.partition("@")
        if what in totals and int(bucket) > since:
            totals[what] += amount
    return totals


def observe(change: Change, policy: RiskPolicy, at: datetime, *, redemptions: int = 0) -> None:
    """Count what `change` earns (non-purchase) and redeems into the member's window; when that crosses a
    limit, freeze the account in this same change and record why (`change.risk_events`)."""
    points = non_purchase_points(change)
    if points <= 0 and redemptions <= 0:
        return
    account = change.account
    minute = int(at.timestamp() // 60)
    since = minute - policy.window_minutes
    counts = {k: v for k, v in account.risk_counts.items() if int(k.partition("@")[2] or 0) > since}
    bucket = _bucket_start(minute, policy)
    for what, amount in ((POINTS, points), (REDEMPTIONS, redemptions)):
        if amount > 0:
            key = f"{what}@{bucket}"
            counts[key] = counts.get(key, 0) + amount
    change.account = replace(account, risk_counts=counts)
    if account.frozen:
        return
    totals = window_totals(counts, policy, at)
    crossed = [
        (rule, totals[what], limit)
        for rule, what, limit in (
            ("maxNonPurchasePoints", POINTS, policy.max_non_purchase_points),
            ("maxRedemptions", REDEMPTIONS, policy.max_redemptions),
        )
        if totals[what] > limit
    ]
    if not crossed:
        return
    change.account = replace(change.account, frozen=True, frozen_reason=RISK_AUTO_FREEZE)
    ref = next((e.ref for e in change.entries if e.ref), None)
    for rule, observed, limit in crossed:
        event = RiskEvent(
            new_event_id(at), account.member_id, rule, observed, limit, policy.window_minutes, at, ref
        )
        change.risk_events.append(event)
