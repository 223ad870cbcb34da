"""Reversals of purchases: the reads a reversal decides on and its one transaction.

A reversal record lives in its event's partition (`EVENT#<merchant>#<eventId>` / `REVERSAL#<key>`) and
is written in the same transaction as the change it records, so a duplicate (also one in flight) gets
the first answer back: from the read, or from the cancelled transaction (`Replayed`)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from pynamodb.attributes import UnicodeAttribute

from mall.data import accounts, dynamo, earn_events
from mall.data.dynamo import DocumentAttribute, Item, Key, Raw
from mall.data.transaction import FirstAnswer, replayed
from mall.domain.account import Account
from mall.domain.reversal import Purchase, Reversal


class ReversalItem(Item):
    """`EVENT#<merchant>#<eventId>` / `REVERSAL#<refund key>`: the body's fingerprint and first answer."""

    fingerprint = UnicodeAttribute()
    response = DocumentAttribute()


def _record_key(merchant: str, event_id: str, refund_key: str) -> Key:
    return earn_events.event_key(merchant, event_id)[0], f"REVERSAL#{refund_key}"


def first_answer(raw: Raw) -> FirstAnswer:
    item = ReversalItem.from_raw_data(raw)
    return FirstAnswer(item.fingerprint, dict(item.response))


@dataclass(frozen=True)
class ReversalReads:
    first: FirstAnswer | None  # this refund was already reversed: its first answer
    event_found: bool
    purchase: Purchase | None  # None also for an event that was not a purchase
    account: Account | None  # the event's member's account (not read when there is nothing to decide)


def reversal_reads(merchant: str, event_id: str, refund_key: str, member_id: str | None) -> ReversalReads:
    """One BatchGetItem of the event, this refund's record and, when the caller names the member, the
    account. Without the member, the account is read once the event says whose it is (a GetItem more)."""
    event, record = earn_events.event_key(merchant, event_id), _record_key(merchant, event_id, refund_key)
    account_key = accounts.account_key(member_id) if member_id else None
    found = dynamo.batch_get([event, record] + ([account_key] if account_key else []))
    raw_record = found.get(record)
    first = first_answer(raw_record) if raw_record else None
    purchase = earn_events.purchase_of(found.get(event))
    account: Account | None = None
    if first is None and purchase is not None:
        if account_key is None:
            account = accounts.load(purchase.member_id)
        elif member_id == purchase.member_id:
            account = accounts.decode(found.get(account_key))
    return ReversalReads(first, event in found, purchase, account)


def commit_reversal(
    reversal: Reversal,
    before: Purchase,
    zone: ZoneInfo,
    merchant: str,
    event_id: str,
    refund_key: str,
    body_hash: str,
) -> None:
    """Account + REVERSE entry + the event's new totals + the reversal record, all or nothing:
    `Replayed` for a duplicate, `LostRace` when the account or the event moved since they were read."""
    record = ReversalItem(
        *_record_key(merchant, event_id, refund_key),
        fingerprint=body_hash,
        response=dataclasses.asdict(reversal.result),
    )
    also = earn_events.record_reversal(merchant, event_id, before, reversal.purchase)
    also.put("reversal", record, on_fail=replayed(first_answer))
    accounts.write_change(reversal.change, zone, also)
