"""Earn events: the marker that makes `POST /earn` idempotent per merchant and event id.

Written in the earn transaction, so an event is either awarded and marked, or neither; a duplicate
(also one in flight) gets the marker, with the first answer, back from the cancelled transaction.
A purchase's marker also keeps what a refund needs: the amount, the points awarded, the lot they went
to and when they become spendable, and the totals refunded and reversed so far."""

from __future__ import annotations

import dataclasses
from datetime import date
from zoneinfo import ZoneInfo

from pynamodb.attributes import UnicodeAttribute

from mall.data import dynamo
from mall.data.accounts import write_change
from mall.data.dynamo import DocumentAttribute, IntegerAttribute, Item, Key, Raw
from mall.data.transaction import FirstAnswer, Transaction, replayed
from mall.domain.account import Change
from mall.domain.earning import EarnResult
from mall.domain.reversal import Purchase


class EarnEventItem(Item):
    """`EVENT#<merchant>#<eventId>` / `EVENT`: the body's fingerprint and the first answer (and, for a
    purchase, what a refund takes back)."""

    member_id = UnicodeAttribute(attr_name="memberId")
    fingerprint = UnicodeAttribute()
    response = DocumentAttribute()
    amount_fen = IntegerAttribute(attr_name="amountFen", null=True)
    awarded = IntegerAttribute(null=True)
    available_on = UnicodeAttribute(attr_name="availableOn", null=True)
    expires_on = UnicodeAttribute(attr_name="expiresOn", null=True)
    refunded_fen = IntegerAttribute(attr_name="refundedFen", null=True)
    reversed = IntegerAttribute(null=True)


def event_key(merchant: str, event_id: str) -> Key:
    return f"EVENT#{merchant}#{event_id}", "EVENT"


def commit_award(
    change: Change,
    zone: ZoneInfo,
    merchant: str,
    event_id: str,
    body_hash: str,
    result: EarnResult,
    purchase: Purchase | None = None,
) -> None:
    """Account + ledger + event marker; `Replayed` when the event was already awarded."""
    pk, sk = event_key(merchant, event_id)
    marker = EarnEventItem(
        PK=pk,
        SK=sk,
        member_id=change.account.member_id,
        fingerprint=body_hash,
        response=dataclasses.asdict(result),
    )
    if purchase is not None:
        marker.amount_fen = purchase.amount_fen
        marker.awarded = purchase.awarded
        marker.available_on = purchase.available_on.isoformat()
        marker.expires_on = purchase.expires_on.isoformat()
        marker.refunded_fen = purchase.refunded_fen
        marker.reversed = purchase.reversed
    write_change(change, zone, Transaction().put("event", marker, on_fail=replayed(first_answer)))


def first_answer(raw: Raw) -> FirstAnswer:
    item = EarnEventItem.from_raw_data(raw)
    return FirstAnswer(item.fingerprint, dict(item.response))


def stored(merchant: str, event_id: str) -> FirstAnswer | None:
    item = dynamo.get(EarnEventItem, event_key(merchant, event_id))
    return FirstAnswer(item.fingerprint, dict(item.response)) if item else None


def purchase_of(raw: Raw | None) -> Purchase | None:
    """The purchase an event marker remembers; None for no event, or one that was not a purchase."""
    item = dynamo.decode(EarnEventItem, raw)
    if item is None or item.amount_fen is None or item.available_on is None or item.expires_on is None:
        return None
    return Purchase(
        member_id=item.member_id,
        amount_fen=item.amount_fen,
        awarded=item.awarded or 0,
        available_on=date.fromisoformat(item.available_on),
        expires_on=date.fromisoformat(item.expires_on),
        refunded_fen=item.refunded_fen or 0,
        reversed=item.reversed or 0,
    )


def record_reversal(merchant: str, event_id: str, before: Purchase, after: Purchase) -> Transaction:
    """The new totals refunded and reversed, only from the totals read (`LostRace` otherwise), so two
    refunds of one purchase can never both be decided on the same totals."""
    item = EarnEventItem(*event_key(merchant, event_id))
    condition = EarnEventItem.refunded_fen == before.refunded_fen
    actions = [
        EarnEventItem.refunded_fen.set(after.refunded_fen),
        EarnEventItem.reversed.set(after.reversed),
    ]
    return Transaction().update("event", item, actions, condition=condition)
