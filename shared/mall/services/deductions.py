"""Points as cash at the merchant's checkout: deduct (idempotent per Idempotency-Key) and reverse (once).

A deduction reads the account (one GetItem) and writes one transaction: account, SPEND entry, the
deduction record and the idempotency record. A reversal reads the deduction and the account and writes
one transaction: account, REFUND entry and the record REVERSED (conditioned on DEDUCTED)."""

from __future__ import annotations

from dataclasses import dataclass

from mall import clock
from mall.data import deductions as store
from mall.data import idempotency, rules_store
from mall.data.retry import until_decided
from mall.domain.deductions import Deduction, DeductionStatus, deduct, most_fen, reversal
from mall.domain.risk import observe
from mall.errors import DeductionNotFound
from mall.services.accounts import load_existing
from mall.services.idempotent import once

SCOPE = "deduction"


@dataclass(frozen=True)
class DeductRequest:
    merchant: str
    member_id: str
    order_ref: str
    order_amount_fen: int
    points: int
    idempotency_key: str

    @property
    def fingerprint(self) -> str:
        return idempotency.fingerprint(
            {
                "memberId": self.member_id,
                "orderRef": self.order_ref,
                "orderAmountFen": self.order_amount_fen,
                "points": self.points,
            }
        )


def deduct_points(request: DeductRequest) -> Deduction:
    def attempt() -> Deduction:
        account = load_existing(request.member_id)
        rules, now = rules_store.current(), clock.now()
        change, deduction = deduct(
            account, request.merchant, request.order_ref, request.order_amount_fen, request.points, rules, now
        )
        # Spending at a checkout is spending: it counts toward the risk window's redemptions.
        observe(change, rules.risk, now, redemptions=1)
        key, fingerprint = request.idempotency_key, request.fingerprint
        record = idempotency.record(SCOPE, request.merchant, key, fingerprint, store.document(deduction), now)
        most = most_fen(request.order_amount_fen, rules)
        store.commit_deduction(change, deduction, rules.zone, record, most)
        return deduction

    key, fingerprint = request.idempotency_key, request.fingerprint
    return once(attempt, SCOPE, request.merchant, key, fingerprint, store.from_document)


def _own(deduction_id: str, merchant: str) -> Deduction:
    """The merchant's own deduction; another merchant's does not exist."""
    found = store.get(deduction_id)
    if found is None or found.merchant != merchant:
        raise DeductionNotFound(f"no deduction {deduction_id}")
    return found


def reverse_deduction(deduction_id: str, merchant: str) -> Deduction:
    """Put the points back once; a reversed deduction (also one reversed by a concurrent duplicate, which
    makes this attempt lose its condition and read again) is answered as it is."""

    def attempt() -> Deduction:
        deduction = _own(deduction_id, merchant)
        if deduction.status is DeductionStatus.REVERSED:
            return deduction
        account = load_existing(deduction.member_id)
        rules, now = rules_store.current(), clock.now()
        change, reversed_ = reversal(deduction, account, rules, now)
        store.commit_reversal(change, reversed_, rules.zone)
        return reversed_

    return until_decided(attempt)


def deduction(deduction_id: str, merchant: str) -> Deduction:
    return _own(deduction_id, merchant)
