"""Purchase returns: `POST /earn/{eventId}/reverse` takes back the points of a refunded purchase.

One read (the event, this refund's record and, when the merchant names the member, the account, in one
BatchGetItem) and one transaction; idempotent per refund: its `refundId`, or else the amount."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mall import clock
from mall.data import idempotency, reversals, rules_store
from mall.data.retry import until_decided
from mall.data.transaction import Replayed
from mall.domain.reversal import ReversalResult, reverse
from mall.errors import EventNotFound, MemberNotFound
from mall.services.idempotent import replay

REFUND_REUSED = "this refund was already reversed with a different body"


@dataclass(frozen=True)
class ReverseRequest:
    merchant: str  # event ids are per merchant: a merchant reverses its own events only
    event_id: str
    reason: str
    amount_fen: int | None = None  # None: whatever of the purchase is not refunded yet
    refund_id: str | None = None
    member_id: str | None = None  # optional: the event's member, which saves a read

    @property
    def refund_key(self) -> str:
        """What makes a reversal the same one again: the refund's id, or else its amount."""
        if self.refund_id is not None:
            return f"REFUND#{self.refund_id}"
        return f"AMOUNT#{self.amount_fen}" if self.amount_fen is not None else "ALL"

    @property
    def fingerprint(self) -> str:
        return idempotency.fingerprint({"amountFen": self.amount_fen, "reason": self.reason})


def _first(doc: dict[str, Any]) -> ReversalResult:
    return ReversalResult(**{**doc, "replayed": True})


def reverse_purchase(request: ReverseRequest) -> ReversalResult:
    def attempt() -> ReversalResult:
        reads = reversals.reversal_reads(
            request.merchant, request.event_id, request.refund_key, request.member_id
        )
        if reads.first is not None:
            return replay(reads.first, request.fingerprint, _first, message=REFUND_REUSED)
        purchase = reads.purchase
        if not reads.event_found:
            raise EventNotFound(f"no event {request.event_id} from this merchant")
        if purchase is None:
            raise EventNotFound(f"event {request.event_id} is not a purchase: only purchases are reversed")
        if request.member_id not in (None, purchase.member_id):
            raise EventNotFound(f"no event {request.event_id} for member {request.member_id}")
        if reads.account is None:
            raise MemberNotFound(f"member {purchase.member_id} not found")
        rules, now = rules_store.current(), clock.now()
        ref = f"EVENT#{request.event_id}"
        reversal = reverse(reads.account, purchase, request.amount_fen, request.reason, ref, rules, now)
        reversals.commit_reversal(
            reversal,
            purchase,
            rules.zone,
            request.merchant,
            request.event_id,
            request.refund_key,
            request.fingerprint,
        )
        return reversal.result

    try:
        return until_decided(attempt)
    except Replayed as replayed:
        return replay(replayed.first, request.fingerprint, _first, message=REFUND_REUSED)
