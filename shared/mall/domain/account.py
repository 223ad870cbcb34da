"""A member's points account: lots by expiry day, and the pure rules that change it.

Every function here takes an Account and returns a new one plus the ledger entries that explain the
difference, so a change and its ledger are always computed (and later written) together.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from mall.domain.ledger import EntryType, LedgerEntry, new_entry_id
from mall.domain.rules import Rules, Tier
from mall.errors import AccountFrozen, InsufficientPoints


@dataclass(frozen=True)
class Account:
    member_id: str
    created_at: str
    lots: dict[str, int] = field(default_factory=dict)  # ISO expiry day -> points still held
    lifetime_earned: int = 0
    frozen: bool = False
    frozen_reason: str | None = None
    sign_in_day: str | None = None
    streak: int = 0
    cap_day: str | None = None
    cap_used: int = 0
    version: int = 0  # optimistic lock; 0 means "not stored yet"
    invite_code: str | None = None  # the member's own code for inviting friends (set when opened)

    @property
    def balance(self) -> int:
        return sum(self.lots.values())

    def next_expiry(self) -> str | None:
        return min(self.lots) if self.lots else None


@dataclass
class Change:
    """A new account state and the ledger entries that explain it, in order."""

    account: Account
    entries: list[LedgerEntry] = field(default_factory=list)

    def record(
        self,
        at: datetime,
        day: date,
        type_: EntryType,
        source: str,
        delta: int,
        ref: str | None = None,
        note: str | None = None,
        lots: dict[str, int] | None = None,
    ) -> LedgerEntry:
        entry = LedgerEntry(
            entry_id=new_entry_id(at, len(self.entries)),
            type=type_,
            source=source,
            delta=delta,
            balance_after=self.account.balance,
            created_at=at,
            day=day,
            ref=ref,
            note=note,
            lots=lots or {},
        )
        self.entries.append(entry)
        return entry


def _without_empty(lots: dict[str, int]) -> dict[str, int]:
    return {day: pts for day, pts in sorted(lots.items()) if pts > 0}


def settle_expired(account: Account, today: date, at: datetime) -> Change:
    """Expire every lot whose last day is before `today`: one EXPIRE entry per lot."""
    change = Change(account)
    expire_due(change, today, at)
    return change


MAX_EXPIRE_ENTRIES = (
    20  # beyond this many due lots, one entry covers them all (a transaction holds 100 items)
)


def expire_due(change: Change, today: date, at: datetime) -> None:
    """Within a change: expire the lots whose last day is before `today` (e.g. just refunded ones).

    One EXPIRE entry per lot, so the ledger says which expiry took what; an account that went unsettled
    for months (many lots due at once) gets a single entry for all of them instead."""
    due = {day: pts for day, pts in sorted(change.account.lots.items()) if date.fromisoformat(day) < today}
    if not due:
        return
    remaining = {day: pts for day, pts in change.account.lots.items() if day not in due}
    if len(due) > MAX_EXPIRE_ENTRIES:
        change.account = replace(change.account, lots=remaining)
        first, last = min(due), max(due)
        note = f"{len(due)} lots expiring {first} to {last}"
        change.record(
            at, today, EntryType.EXPIRE, "EXPIRY", -sum(due.values()), ref=f"EXPIRY#{last}", note=note
        )
        return
    for day, points in due.items():
        lots = dict(change.account.lots)
        del lots[day]
        change.account = replace(change.account, lots=lots)
        change.record(at, today, EntryType.EXPIRE, "EXPIRY", -points, ref=f"EXPIRY#{day}")


def ensure_active(account: Account) -> None:
    if account.frozen:
        raise AccountFrozen("the account is frozen")


def credit(
    change: Change,
    points: int,
    expires_on: date,
    at: datetime,
    day: date,
    *,
    type_: EntryType = EntryType.EARN,
    source: str,
    ref: str | None = None,
    note: str | None = None,
) -> LedgerEntry | None:
    """Add points to the lot of their expiry day; EARN also counts toward lifetime (tiers)."""
    if points <= 0:
        return None
    lots = dict(change.account.lots)
    key = expires_on.isoformat()
    lots[key] = lots.get(key, 0) + points
    lifetime = change.account.lifetime_earned + (points if type_ is EntryType.EARN else 0)
    change.account = replace(change.account, lots=_without_empty(lots), lifetime_earned=lifetime)
    return change.record(at, day, type_, source, points, ref=ref, note=note)


def take_soonest_first(lots: dict[str, int], points: int) -> tuple[dict[str, int], dict[str, int]]:
    """Take `points` from the lots that expire soonest; return (remaining lots, taken per lot)."""
    if points < 0:
        raise ValueError("points must not be negative")
    if sum(lots.values()) < points:
        raise InsufficientPoints(f"needs {points} points, has {sum(lots.values())}")
    remaining, taken, due = dict(lots), {}, points
    for day in sorted(remaining):
        if due == 0:
            break
        part = min(due, remaining[day])
        remaining[day] -= part
        taken[day] = part
        due -= part
    return _without_empty(remaining), taken


def debit(
    change: Change,
    points: int,
    at: datetime,
    day: date,
    *,
    type_: EntryType = EntryType.SPEND,
    source: str,
    ref: str | None = None,
    note: str | None = None,
) -> LedgerEntry | None:
    """Spend points soonest-expiry first; the entry remembers the lots for a later refund."""
    remaining, taken = take_soonest_first(change.account.lots, points)
    if points == 0:
        return None
    change.account = replace(change.account, lots=remaining)
    return change.record(at, day, type_, source, -points, ref=ref, note=note, lots=taken)


def refund(
    change: Change,
    taken: dict[str, int],
    at: datetime,
    day: date,
    *,
    source: str,
    ref: str | None = None,
    note: str | None = None,
) -> LedgerEntry | None:
    """Put spent points back into their original lots, keeping their original expiry days."""
    total = sum(taken.values())
    if total <= 0:
        return None
    lots = dict(change.account.lots)
    for lot_day, points in taken.items():
        lots[lot_day] = lots.get(lot_day, 0) + points
    change.account = replace(change.account, lots=_without_empty(lots))
    return change.record(at, day, EntryType.REFUND, source, total, ref=ref, note=note, lots=dict(taken))


def tier_of(lifetime_earned: int, rules: Rules) -> tuple[Tier, int]:
    """The highest tier whose threshold is reached, with its level (1 = lowest)."""
    level = 1
    for index, tier in enumerate(rules.tiers, start=1):
        if lifetime_earned >= tier.threshold:
            level = index
    return rules.tiers[level - 1], level


def next_tier(lifetime_earned: int, rules: Rules) -> tuple[Tier, int] | None:
    """The next tier up and the points still needed, or None at the top."""
    _, level = tier_of(lifetime_earned, rules)
    if level >= len(rules.tiers):
        return None
    upcoming = rules.tiers[level]
    return upcoming, upcoming.threshold - lifetime_earned


def upcoming_expiries(lots: dict[str, int], count: int = 5) -> Iterable[tuple[str, int]]:
    return [(day, pts) for day, pts in sorted(lots.items()) if pts > 0][:count]
