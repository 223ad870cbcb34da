"""The member journey (注册送积分, 首单翻倍, 沉睡唤醒): the welcome bonus, activity and segments, and the
wake-up of a dormant member, as pure functions over an account change.

Segments are kept as counters the transitions move (written with the account, see
`mall.data.segments`): every account is counted once in TOTAL, once under the business day of its last
activity (ACTIVE#<day>), and, until its first purchase, under its opening day (NEW#<day>). So
NEW = opened in the last 7 business days without a purchase, DORMANT = last activity `dormantDays` or
more days ago, ACTIVE = the rest; `dormantDays` is at least 7, so the three never overlap.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from mall.domain.account import Account, Change, credit, settle_expired
from mall.domain.calendar import expiry_day
from mall.domain.rules import Rules

WELCOME = "WELCOME"
FIRST_PURCHASE = "FIRST_PURCHASE"
WAKE_UP = "WAKE_UP"
NEW_DAYS = 7  # a member is NEW for the first 7 business days (opening day included) without a purchase


class Segment(StrEnum):
    NEW = "NEW"
    ACTIVE = "ACTIVE"
    DORMANT = "DORMANT"


def _move(change: Change, key: str, delta: int) -> None:
    moves = change.segment_moves
    moves[key] = moves.get(key, 0) + delta
    if moves[key] == 0:
        del moves[key]


def opened(account: Account, rules: Rules, at: datetime, today: date) -> Change:
    """A new account: counted (TOTAL, active and new today), with its `welcomeBonus` if the rules set
    one (an EARN entry, source WELCOME)."""
    day = today.isoformat()
    change = Change(replace(account, purchased=False, active_day=day, new_day=day))
    for key in ("TOTAL", f"ACTIVE#{day}", f"NEW#{day}"):
        _move(change, key, 1)
    credit(change, rules.welcome_bonus, expiry_day(today, rules), at, today, source=WELCOME, ref=WELCOME)
    return change


def active(change: Change, today: date, *, purchase: bool = False) -> None:
    """The member acted (earn, sign-in, redemption): its activity day moves to today, and a purchase
    ends its NEW days. An account opened before segments were kept is counted from its first act."""
    account = change.account
    day = today.isoformat()
    if account.active_day != day:
        if account.active_day is None:
            _move(change, "TOTAL", 1)
        else:
            _move(change, f"ACTIVE#{account.active_day}", -1)
        _move(change, f"ACTIVE#{day}", 1)
        change.account = replace(change.account, active_day=day)
    if purchase and change.account.new_day is not None:
        _move(change, f"NEW#{change.account.new_day}", -1)
        change.account = replace(change.account, new_day=None)


def first_purchase(account: Account) -> bool:
    """Whether a purchase now is the member's first (an account opened before first purchases were
    kept is taken as having purchased: no bonus that nobody can prove is owed)."""
    return account.purchased is False


def dormant_since(rules: Rules, today: date) -> date:
    """The last activity day of a member who becomes dormant today."""
    return today - timedelta(days=rules.dormant_days)


def segment_of(account: Account, rules: Rules, today: date) -> Segment | None:
    """The member's segment today (None: opened before segments were kept, and not active since)."""
    if account.active_day is None:
        return None
    if account.new_day is not None and date.fromisoformat(account.new_day) > today - timedelta(days=NEW_DAYS):
        return Segment.NEW
    if date.fromisoformat(account.active_day) <= dormant_since(rules, today):
        return Segment.DORMANT
    return Segment.ACTIVE


@dataclass(frozen=True)
class WakeUp:
    """A dormant member's one wake-up of this spell: the change (bonus, mark) and what to tell them."""

    change: Change
    points_held: int
    soonest_expiry: date | None
    bonus: int


def wake_up(account: Account, rules: Rules, at: datetime, today: date) -> WakeUp | None:
    """The wake-up owed to a member whose last activity is `dormantDays` or more ago and who holds
    points, once per dormant spell (the spell is its activity day); None when none is owed. The bonus
    is an EARN entry (source WAKE_UP) but not member activity: the spell goes on until the member acts."""
    if account.frozen or account.active_day is None or account.woken_for == account.active_day:
        return None
    if date.fromisoformat(account.active_day) > dormant_since(rules, today):
        return None
    change = settle_expired(account, today, at)  # points past expiry are not "held"
    if change.account.balance <= 0:
        return None
    change.account = replace(change.account, woken_for=account.active_day)
    held, soonest = change.account.balance, change.account.next_expiry()
    ref = f"{WAKE_UP}#{account.active_day}"
    credit(change, rules.wake_up_bonus, expiry_day(today, rules), at, today, source=WAKE_UP, ref=ref)
    return WakeUp(change, held, date.fromisoformat(soonest) if soonest else None, rules.wake_up_bonus)


def moves_between(old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> dict[str, int]:
    """The segment counters an account write moved, from its stream images (plain values): what the
    stream counting adds, so the counters follow the accounts without any request writing them."""
    moves: dict[str, int] = {}

    def move(key: str, delta: int) -> None:
        moves[key] = moves.get(key, 0) + delta

    before_active = (old or {}).get("activeDay")
    after_active = (new or {}).get("activeDay")
    if after_active != before_active and after_active is not None:
        if before_active is None:
            move("TOTAL", 1)
        else:
            move(f"ACTIVE#{before_active}", -1)
        move(f"ACTIVE#{after_active}", 1)
    before_new, after_new = (old or {}).get("newDay"), (new or {}).get("newDay")
    if before_new != after_new:
        if before_new is not None:
            move(f"NEW#{before_new}", -1)
        if after_new is not None:
            move(f"NEW#{after_new}", 1)
    return {k: v for k, v in moves.items() if v}


def segment_counts(
    total: int, active_by_day: Mapping[str, int], new_by_day: Mapping[str, int], rules: Rules, today: date
) -> dict[Segment, int]:
    """NEW, ACTIVE and DORMANT from the counters: members counted in all, by last-activity day, and by
    opening day until their first purchase (days after `today` left out)."""
    first_new = (today - timedelta(days=NEW_DAYS - 1)).isoformat()
    first_awake = (dormant_since(rules, today) + timedelta(days=1)).isoformat()
    new = sum(n for d, n in new_by_day.items() if first_new <= d <= today.isoformat())
    awake = sum(n for d, n in active_by_day.items() if first_awake <= d <= today.isoformat())
    dormant = max(0, total - awake)
    return {Segment.NEW: new, Segment.ACTIVE: max(0, awake - new), Segment.DORMANT: dormant}
