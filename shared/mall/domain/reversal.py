"""Purchase returns: the merchant refunded a purchase (all of it or part), so its points go back.

The points an event loses are proportional to the money refunded, rounded so that refunds adding up
to the whole purchase take back exactly what it awarded: after each reversal the event has lost
⌊awarded × refundedFen / amountFen⌋ in total. Points still pending vanish; spendable ones come off the
balance (one REVERSE entry), and what the balance cannot cover becomes shortfall, repaid first out of
the member's next earnings, so the balance never goes negative.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from mall.domain.account import Account, Change, drop_pending, settle_expired, take_back
from mall.domain.calendar import business_day
from mall.domain.rules import Rules
from mall.errors import ReversalExceedsPurchase

RETURN_SOURCE = "PURCHASE_RETURN"


@dataclass(frozen=True)
class Purchase:
    """What an earn event remembers of a purchase, so that a refund can take its points back."""

    member_id: str
    amount_fen: int
    awarded: int  # pending points included
    available_on: date  # the business day its points became (or become) spendable
    expires_on: date  # the lot its points went into
    refunded_fen: int = 0  # money refunded so far
    reversed: int = 0  # points taken back so far

    def pending(self, today: date) -> bool:
        return today < self.available_on


@dataclass(frozen=True)
class ReversalResult:
    """The answer to a reversal; stored with its record, so a duplicate answers exactly this."""

    reversed: int  # every point this reversal took back: pending, spendable and shortfall
    balance: int
    shortfall: int  # the part of `reversed` the balance could not cover
    replayed: bool = False


@dataclass(frozen=True)
class Reversal:
    change: Change
    purchase: Purchase  # with the new totals refunded and reversed
    result: ReversalResult


def points_lost(purchase: Purchase, refunded_fen: int) -> int:
    """What the event has lost in total once `refunded_fen` of it is refunded (integers, no float)."""
    return purchase.awarded * refunded_fen // purchase.amount_fen


def reverse(
    account: Account,
    purchase: Purchase,
    amount_fen: int | None,
    reason: str,
    ref: str,
    rules: Rules,
    at: datetime,
) -> Reversal:
    """Take back the points of `amount_fen` refunded (None: whatever is not refunded yet).

    A frozen account is reversed too: freezing stops earning and spending, not a merchant's refund."""
    left = purchase.amount_fen - purchase.refunded_fen
    refund_fen = left if amount_fen is None else amount_fen
    if refund_fen <= 0:
        raise ReversalExceedsPurchase("the purchase has been refunded in full already")
    if refund_fen > left:
        raise ReversalExceedsPurchase(
            f"amountFen: {refund_fen} exceeds what is left of the purchase to refund ({left} of "
            f"{purchase.amount_fen} fen)"
        )
    refunded = purchase.refunded_fen + refund_fen
    points = points_lost(purchase, refunded) - purchase.reversed
    today = business_day(at, rules.zone)
    change = settle_expired(account, today, at)  # pending lots whose day has come are spendable now
    shortfall = 0
    if purchase.pending(today):
        drop_pending(change, points, purchase.available_on, purchase.expires_on)
    else:
        shortfall = take_back(
            change,
            points,
            purchase.expires_on,
            at,
            today,
            source=RETURN_SOURCE,
            ref=ref,
            note=reason,
            earned_on=purchase.available_on,
        )
    after = replace(purchase, refunded_fen=refunded, reversed=purchase.reversed + points)
    return Reversal(change, after, ReversalResult(points, change.account.balance, shortfall))
