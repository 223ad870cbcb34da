"""Deduction items: `DEDUCTION#<id>` / `DEDUCTION`, the record of points paid as cash at a checkout.

A deduction is written in one transaction with the account change, its SPEND entry and the idempotency
record of the request; its reversal in one transaction with the REFUND entry, conditioned on the record
still being DEDUCTED, so of two reversals racing one wins and the other re-reads and answers the same.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pynamodb.attributes import UnicodeAttribute

from mall.data import dynamo
from mall.data.accounts import write_change
from mall.data.dynamo import DocumentAttribute, IntegerAttribute, IntMapAttribute, Item, Key, Raw
from mall.data.transaction import Transaction
from mall.domain.account import Change
from mall.domain.deductions import Deduction, DeductionStatus
from mall.errors import DeductionLimit


class DeductionItem(Item):
    """`DEDUCTION#<id>` / `DEDUCTION`: what was deducted, from which lots, and whether it was reversed."""

    deduction_id = UnicodeAttribute(attr_name="deductionId")
    merchant = UnicodeAttribute()
    member_id = UnicodeAttribute(attr_name="memberId")
    order_ref = UnicodeAttribute(attr_name="orderRef")
    order_amount_fen = IntegerAttribute(attr_name="orderAmountFen")
    points_spent = IntegerAttribute(attr_name="pointsSpent")
    deducted_fen = IntegerAttribute(attr_name="deductedFen")
    balance = IntegerAttribute()
    status = UnicodeAttribute()
    created_at = UnicodeAttribute(attr_name="createdAt")
    lots = IntMapAttribute(null=True)
    reversed_at = UnicodeAttribute(attr_name="reversedAt", null=True)


class CheckoutItem(Item):
    """`CHECKOUT#<merchant>#<orderRef>` / `CHECKOUT`: the fen all of an order's live deductions pay, so
    that two deductions under different Idempotency-Keys cannot each take `maxRatio` of the same order."""

    deducted_fen = IntegerAttribute(attr_name="deductedFen", null=True)


def checkout_key(merchant: str, order_ref: str) -> Key:
    return f"CHECKOUT#{merchant}#{order_ref}", "CHECKOUT"


def _over_the_order(_: Raw | None) -> Exception:
    return DeductionLimit("points: with this order's earlier deductions, more than maxRatio of the order")


def deduction_key(deduction_id: str) -> Key:
    return f"DEDUCTION#{deduction_id}", "DEDUCTION"


def _item(d: Deduction) -> DeductionItem:
    return DeductionItem(
        *deduction_key(d.deduction_id),
        deduction_id=d.deduction_id,
        merchant=d.merchant,
        member_id=d.member_id,
        order_ref=d.order_ref,
        order_amount_fen=d.order_amount_fen,
        points_spent=d.points_spent,
        deducted_fen=d.deducted_fen,
        balance=d.balance,
        status=d.status.value,
        created_at=d.created_at.isoformat(timespec="seconds"),
        lots=d.lots or None,
        reversed_at=d.reversed_at.isoformat(timespec="seconds") if d.reversed_at else None,
    )


def _deduction(item: DeductionItem) -> Deduction:
    return Deduction(
        deduction_id=item.deduction_id,
        merchant=item.merchant,
        member_id=item.member_id,
        order_ref=item.order_ref,
        order_amount_fen=item.order_amount_fen,
        points_spent=item.points_spent,
        deducted_fen=item.deducted_fen,
        balance=item.balance,
        status=DeductionStatus(item.status),
        created_at=datetime.fromisoformat(item.created_at),
        lots=dict(item.lots or {}),
        reversed_at=datetime.fromisoformat(item.reversed_at) if item.reversed_at else None,
    )


def document(d: Deduction) -> dict[str, Any]:
    """The deduction as a plain document (an idempotency record's first answer)."""
    return dynamo.plain(_item(d).serialize())


def from_document(doc: dict[str, Any]) -> Deduction:
    return _deduction(DeductionItem.from_raw_data(DocumentAttribute().serialize(doc)))


def get(deduction_id: str) -> Deduction | None:
    item = dynamo.get(DeductionItem, deduction_key(deduction_id))
    return _deduction(item) if item else None


def commit_deduction(
    change: Change, deduction: Deduction, zone: ZoneInfo, record: Transaction, most_fen: int
) -> None:
    """Account (versioned), SPEND entry, the deduction (new), the order's running total (at most
    `most_fen`, DEDUCTION_LIMIT otherwise) and the idempotency record, all or nothing: `LostRace` when the
    account moved since it was read, `Replayed` for a duplicate."""
    checkout = CheckoutItem(*checkout_key(deduction.merchant, deduction.order_ref))
    fen = deduction.deducted_fen
    room = CheckoutItem.deducted_fen.does_not_exist() | (CheckoutItem.deducted_fen <= most_fen - fen)
    also = Transaction().put("deduction", _item(deduction))
    also.update(
        "checkout", checkout, [CheckoutItem.deducted_fen.add(fen)], condition=room, on_fail=_over_the_order
    )
    write_change(change, zone, also.extend(record))


def commit_reversal(change: Change, reversed_: Deduction, zone: ZoneInfo) -> None:
    """Account, REFUND entry and the deduction REVERSED, only while it is still DEDUCTED (`LostRace`
    otherwise: read again and answer the reversed one)."""
    item = _item(reversed_)
    still = DeductionItem.status == DeductionStatus.DEDUCTED.value
    actions = dynamo.assign(item, ("status", "balance", "reversed_at"))
    checkout = CheckoutItem(*checkout_key(reversed_.merchant, reversed_.order_ref))
    also = Transaction().update("deduction", item, actions, condition=still)
    also.update("checkout", checkout, [CheckoutItem.deducted_fen.add(-reversed_.deducted_fen)])
    write_change(change, zone, also)
