"""Points as cash at the merchant's checkout (积分抵扣现金), as pure decisions.

A deduction spends points like a redemption (soonest expiry first) and remembers the lots it took, so a
reversal puts exactly those points back with their original expiry days. Its cash value is whole yuan
only: `points` must be a multiple of the rules' `pointsPerYuan`, and the discount may not pay more than
`maxRatio` of the order.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from fractions import Fraction

from mall.domain.account import Account, Change, debit, ensure_active, expire_due, refund, settle_expired
from mall.domain.calendar import business_day
from mall.domain.journey import active
from mall.domain.rules import Rules
from mall.errors import DeductionLimit, ValidationFailed

SOURCE = "DEDUCTION"
FEN_PER_YUAN = 100


class DeductionStatus(StrEnum):
    DEDUCTED = "DEDUCTED"
    REVERSED = "REVERSED"


@dataclass(frozen=True)
class Deduction:
    deduction_id: str
    merchant: str  # the service client that made it: only it may reverse it
    member_id: str
    order_ref: str
    order_amount_fen: int
    points_spent: int
    deducted_fen: int
    balance: int  # the member's balance after the deduction (after the reversal, once reversed)
    status: DeductionStatus
    created_at: datetime
    lots: dict[str, int] = field(default_factory=dict)  # points taken per lot, for the reversal
    reversed_at: datetime | None = None

    @property
    def ref(self) -> str:
        return f"DEDUCTION#{self.deduction_id}"


def new_deduction_id(at: datetime) -> str:
    return f"d{int(at.timestamp() * 1000):013d}{secrets.token_hex(5)}"


def most_fen(order_amount_fen: int, rules: Rules) -> int:
    """The most that points may pay of an order, in fen, over all its deductions."""
    return int(Fraction(order_amount_fen) * Fraction(str(rules.deduction.max_ratio)))


def cash_value(points: int, order_amount_fen: int, rules: Rules) -> int:
    """The discount in fen that `points` pay on an order of `order_amount_fen`: whole yuan, at most
    `maxRatio` of the order (DEDUCTION_LIMIT otherwise)."""
    policy = rules.deduction
    if points < 1:
        raise ValidationFailed("points: must be at least 1")
    if points % policy.points_per_yuan:
        raise DeductionLimit(f"points: must be a whole number of yuan ({policy.points_per_yuan} points each)")
    fen = points // policy.points_per_yuan * FEN_PER_YUAN
    if fen > most_fen(order_amount_fen, rules):
        raise DeductionLimit(
            f"points: {fen} fen is more than {policy.max_ratio:g} of the order ({order_amount_fen} fen)"
        )
    return fen


def deduct(
    account: Account,
    merchant: str,
    order_ref: str,
    order_amount_fen: int,
    points: int,
    rules: Rules,
    at: datetime,
) -> tuple[Change, Deduction]:
    """Spend `points` (soonest expiry first) as `cash_value` fen off the merchant's order."""
    ensure_active(account)
    fen = cash_value(points, order_amount_fen, rules)
    today = business_day(at, rules.zone)
    change = settle_expired(account, today, at)
    deduction_id = new_deduction_id(at)
    ref = f"DEDUCTION#{deduction_id}"
    entry = debit(change, points, at, today, source=SOURCE, ref=ref, note=f"order {order_ref}")
    active(change, today)  # spending points at the checkout: the member is not dormant
    deduction = Deduction(
        deduction_id=deduction_id,
        merchant=merchant,
        member_id=account.member_id,
        order_ref=order_ref,
        order_amount_fen=order_amount_fen,
        points_spent=points,
        deducted_fen=fen,
        balance=change.account.balance,
        status=DeductionStatus.DEDUCTED,
        created_at=at.astimezone(rules.zone),
        lots=entry.lots if entry else {},
    )
    return change, deduction


def reversal(deduction: Deduction, account: Account, rules: Rules, at: datetime) -> tuple[Change, Deduction]:
    """The points back into their original lots (one REFUND entry); any whose last day has passed
    meanwhile expire right away, as a cancelled order's do. Only from DEDUCTED: the caller answers a
    reversed one as it is."""
    if deduction.status is not DeductionStatus.DEDUCTED:
        raise ValueError(f"deduction {deduction.deduction_id} is {deduction.status.value}")
    today = business_day(at, rules.zone)
    change = settle_expired(account, today, at)
    note = f"order {deduction.order_ref} reversed"
    refund(change, deduction.lots, at, today, source=SOURCE, ref=deduction.ref, note=note)
    expire_due(change, today, at)
    reversed_ = replace(
        deduction,
        status=DeductionStatus.REVERSED,
        balance=change.account.balance,
        reversed_at=at.astimezone(rules.zone),
    )
    return change, reversed_
