"""What operations staff may do to an account: freeze, unfreeze, and correct points (ADJUST)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from mall.domain.account import Account, Change, credit, debit, settle_expired
from mall.domain.calendar import business_day, expiry_day
from mall.domain.ledger import EntryType
from mall.domain.rules import Rules
from mall.errors import ValidationFailed

ADJUST_SOURCE = "ADMIN"


@dataclass(frozen=True)
class Adjusted:
    member_id: str
    delta: int
    balance: int
    entry_id: str


def set_frozen(account: Account, frozen: bool, reason: str | None) -> Change:
    """Freezing writes no ledger entry: the balance does not change. Unfreezing starts a new risk window
    (what was counted before is what the operator has just reviewed)."""
    counts = account.risk_counts if frozen else {}
    return Change(
        replace(account, frozen=frozen, frozen_reason=reason if frozen else None, risk_counts=counts)
    )


def adjust(account: Account, delta: int, reason: str, rules: Rules, at: datetime) -> tuple[Change, Adjusted]:
    """An operator's correction: one ADJUST entry, whose note is the reason and whose ref is empty (the
    member never sees which staff member made it). A deduction takes the soonest-expiring points first
    and never takes the balance below zero (INSUFFICIENT_POINTS)."""
    if delta == 0:
        raise ValidationFailed("delta: must not be 0")
    today = business_day(at, rules.zone)
    change = settle_expired(account, today, at)
    if delta > 0:
        expires_on = expiry_day(today, rules)
        entry = credit(
            change,
            delta,
            expires_on,
            at,
            today,
            type_=EntryType.ADJUST,
            source=ADJUST_SOURCE,
            note=reason,
        )
    else:
        entry = debit(change, -delta, at, today, type_=EntryType.ADJUST, source=ADJUST_SOURCE, note=reason)
    assert entry is not None  # delta is not 0
    return change, Adjusted(account.member_id, delta, change.account.balance, entry.entry_id)
