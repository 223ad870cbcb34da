"""A member's points account: lots by expiry day, and the pure rules that change it.

Every function here takes an Account and returns a new one plus the ledger entries that explain the
difference, so a change and its ledger are always computed (and later written) together.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from itertools import groupby
from typing import TYPE_CHECKING

from mall.domain.ledger import EntryType, LedgerEntry, new_entry_id
from mall.domain.rules import Rules, Tier
from mall.errors import AccountFrozen, InsufficientPoints

if TYPE_CHECKING:
    from mall.domain.risk import RiskEvent


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
    # Per-member counters (mall.domain.rate_limits, mall.domain.risk): small maps written with the account.
    rate_counts: dict[str, int] = field(default_factory=dict)  # "<kind>@<minute>" -> requests
    risk_counts: dict[str, int] = field(default_factory=dict)  # "<what>@<bucket minute>" -> amount
    # Purchase points not spendable yet: "<available day>/<expiry day>" -> points (outside the balance).
    pending: dict[str, int] = field(default_factory=dict)
    shortfall: int = 0  # reversed points the balance could not cover: repaid first out of the next earnings
    version: int = 0  # optimistic lock; 0 means "not stored yet"
    invite_code: str | None = None  # the member's own code for inviting friends (set when opened)
    # Member journey (mall.domain.journey, tasks, segments): small maps and marks written with the account.
    purchased: bool | None = None  # False until the first purchase; None: opened before this was kept
    earned_days: dict[str, int] = field(default_factory=dict)  # business day -> EARN points (tier window)
    task_progress: dict[str, int] = field(default_factory=dict)  # "<taskId>@<period>" -> events counted
    tasks_paid: dict[str, int] = field(default_factory=dict)  # "<taskId>@<period>" -> reward paid
    active_day: str | None = None  # the last business day of an earn, sign-in or redemption
    new_day: str | None = None  # the opening day, until the first purchase (segment NEW)
    woken_for: str | None = None  # the active_day whose dormant spell got its wake-up

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
    risk_events: list[RiskEvent] = field(default_factory=list)  # written with the change
    # Segment counters the change moves ("ACTIVE#<day>", "NEW#<day>", "TOTAL" -> +/-1), written with it.
    segment_moves: dict[str, int] = field(default_factory=dict)

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
    """Settle what the clock has made due, before anything else touches the account: pending points
    whose day has come become spendable (EARN), then every lot whose last day is before `today` expires
    (one EXPIRE entry per lot)."""
    change = Change(account)
    release_pending(change, today, at)
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
    """Add points to the lot of their expiry day; EARN also counts toward lifetime (tiers) and repays
    a shortfall first (so its entry may carry less than `points`, or be None)."""
    if points <= 0:
        return None
    if type_ is EntryType.EARN:
        return _earn(change, {expires_on.isoformat(): points}, at, day, source=source, ref=ref, note=note)
    lots = dict(change.account.lots)
    key = expires_on.isoformat()
    lots[key] = lots.get(key, 0) + points
    change.account = replace(change.account, lots=_without_empty(lots))
    return change.record(at, day, type_, source, points, ref=ref, note=note)


def _repaid_note(note: str | None, repaid: int) -> str | None:
    if not repaid:
        return note
    return "; ".join(part for part in (note, f"{repaid} points repaid a reversal shortfall") if part)


def _earn(
    change: Change,
    by_expiry: dict[str, int],
    at: datetime,
    day: date,
    *,
    source: str,
    ref: str | None,
    note: str | None,
) -> LedgerEntry | None:
    """Earned points (expiry day -> points): all of them count toward lifetime; a shortfall is repaid
    out of them first (the soonest-expiring ones), and one EARN entry carries what is left, if any."""
    account = change.account
    total = sum(by_expiry.values())
    repaid = min(total, account.shortfall)
    kept, _ = take_soonest_first(by_expiry, repaid)
    lots = dict(account.lots)
    for lot_day, points in kept.items():
        lots[lot_day] = lots.get(lot_day, 0) + points
    change.account = replace(
        account,
        lots=_without_empty(lots),
        lifetime_earned=account.lifetime_earned + total,
        shortfall=account.shortfall - repaid,
        earned_days=count_earned(account.earned_days, day, total),
    )
    if total == repaid:
        return None
    return change.record(
        at, day, EntryType.EARN, source, total - repaid, ref=ref, note=_repaid_note(note, repaid)
    )


def pending_key(available_on: date, expires_on: date) -> str:
    return f"{available_on.isoformat()}/{expires_on.isoformat()}"


def pending_dates(key: str) -> tuple[date, date]:
    """(the day the points become spendable, their expiry day)."""
    available, expires = key.split("/")
    return date.fromisoformat(available), date.fromisoformat(expires)


def hold_pending(change: Change, points: int, available_on: date, expires_on: date) -> None:
    """Purchase points that become spendable on `available_on`: outside the balance (no ledger entry,
    not toward tiers) until then."""
    if points <= 0:
        return
    pending = dict(change.account.pending)
    key = pending_key(available_on, expires_on)
    pending[key] = pending.get(key, 0) + points
    change.account = replace(change.account, pending=_without_empty(pending))


def drop_pending(change: Change, points: int, available_on: date, expires_on: date) -> None:
    """Reversed while still pending: the points simply vanish (they were never in the balance)."""
    if points <= 0:
        return
    pending = dict(change.account.pending)
    key = pending_key(available_on, expires_on)
    if pending.get(key, 0) < points:
        raise ValueError(f"pending lot {key} holds {pending.get(key, 0)} points, not {points}")
    pending[key] -= points
    change.account = replace(change.account, pending=_without_empty(pending))


MAX_RELEASE_ENTRIES = 20  # beyond this many pending lots due at once, one EARN entry covers them all


def release_pending(change: Change, today: date, at: datetime) -> None:
    """Pending lots whose day has come (`available <= today`) become spendable: one EARN entry per day
    they became available (written now, so the ledger always sums to the balance); an account left
    untouched for long gets one entry for all of them."""
    due = {key: pts for key, pts in sorted(change.account.pending.items()) if pending_dates(key)[0] <= today}
    if not due:
        return
    change.account = replace(
        change.account, pending={k: v for k, v in change.account.pending.items() if k not in due}
    )
    days = sorted({pending_dates(key)[0] for key in due})
    if len(days) > MAX_RELEASE_ENTRIES:
        groups = [(days[0], days[-1], list(due.items()))]
    else:
        groups = [
            (day, day, list(lots))
            for day, lots in groupby(due.items(), key=lambda kv: pending_dates(kv[0])[0])
        ]
    for first, last, lots in groups:
        by_expiry: dict[str, int] = {}
        for key, points in lots:
            expires = pending_dates(key)[1].isoformat()
            by_expiry[expires] = by_expiry.get(expires, 0) + points
        since = f"{first}" if first == last else f"{first} to {last}"
        note = f"purchase points pending until {since}"
        _earn(change, by_expiry, at, today, source="PURCHASE", ref=f"PENDING#{last}", note=note)


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
    """Put spent points back into their original lots, keeping their original expiry days. A shortfall
    is repaid out of them first (the soonest-expiring ones): spent points whose purchase was refunded
    meanwhile do not come back to be spent twice."""
    total = sum(taken.values())
    if total <= 0:
        return None
    repaid = min(total, change.account.shortfall)
    back, _ = take_soonest_first(_without_empty(taken), repaid)
    lots = dict(change.account.lots)
    for lot_day, points in back.items():
        lots[lot_day] = lots.get(lot_day, 0) + points
    change.account = replace(
        change.account, lots=_without_empty(lots), shortfall=change.account.shortfall - repaid
    )
    if total == repaid:
        return None
    note = _repaid_note(note, repaid)
    return change.record(at, day, EntryType.REFUND, source, total - repaid, ref=ref, note=note, lots=back)


def take_back(
    change: Change,
    points: int,
    own_lot: date,
    at: datetime,
    day: date,
    *,
    source: str,
    ref: str | None = None,
    note: str | None = None,
    earned_on: date | None = None,
) -> int:
    """Reverse spendable points: off the balance (their own lot first, then soonest-expiry first) as
    one REVERSE entry; what the balance cannot cover becomes shortfall. All of it leaves lifetime
    earned (it had counted), and the tier window's bucket of `earned_on` (as far as it still holds
    them). Returns the shortfall this added."""
    if points <= 0:
        return 0
    account = change.account
    from_balance = min(points, account.balance)
    lots = dict(account.lots)
    own = min(from_balance, lots.get(own_lot.isoformat(), 0))
    if own:
        lots[own_lot.isoformat()] -= own
    remaining, taken = take_soonest_first(_without_empty(lots), from_balance - own)
    if own:
        taken[own_lot.isoformat()] = taken.get(own_lot.isoformat(), 0) + own
    missing = points - from_balance
    change.account = replace(
        account,
        lots=remaining,
        lifetime_earned=account.lifetime_earned - points,
        shortfall=account.shortfall + missing,
        earned_days=uncount_earned(account.earned_days, earned_on, points),
    )
    if from_balance:
        change.record(at, day, EntryType.REVERSE, source, -from_balance, ref=ref, note=note, lots=taken)
    return missing


TIER_WINDOW_MAX_DAYS = 366  # the longest tierWindowDays: buckets older than this are pruned


def count_earned(days: dict[str, int], day: date, points: int) -> dict[str, int]:
    """The tier window's day buckets with `points` earned on `day`, older buckets than the longest
    window pruned (so the map stays at most a year of days, whatever the history)."""
    oldest = (day - timedelta(days=TIER_WINDOW_MAX_DAYS)).isoformat()
    kept = {d: p for d, p in days.items() if d > oldest and p > 0}
    if points > 0:
        kept[day.isoformat()] = kept.get(day.isoformat(), 0) + points
    return kept


def uncount_earned(days: dict[str, int], day: date | None, points: int) -> dict[str, int]:
    """Reversed points leave the bucket of the day they were earned (if still kept), never below 0."""
    if day is None or day.isoformat() not in days:
        return days
    left = days[day.isoformat()] - points
    return {d: p for d, p in days.items() if d != day.isoformat()} | (
        {day.isoformat(): left} if left > 0 else {}
    )


def points_in_window(account: Account, window_days: int, today: date) -> int:
    """EARN points of the last `window_days` business days, today included."""
    first = (today - timedelta(days=window_days - 1)).isoformat()
    return sum(p for d, p in account.earned_days.items() if first <= d <= today.isoformat())


def tier_points(account: Account, rules: Rules, today: date) -> int:
    """What a member's tier is decided by: lifetime earned, or with `tierWindowDays` the points earned
    in that window (computed when read, so a member falls back a tier as the window moves on)."""
    if rules.tier_window_days is None:
        return account.lifetime_earned
    return points_in_window(account, rules.tier_window_days, today)


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


def pending_by_day(pending: dict[str, int]) -> list[tuple[date, int]]:
    """Pending points by the day they become spendable, soonest first."""
    days: dict[date, int] = {}
    for key, points in pending.items():
        available = pending_dates(key)[0]
        days[available] = days.get(available, 0) + points
    return sorted(days.items())
