"""Earn events: the marker that makes `POST /earn` idempotent per merchant and event id.

Written in the earn transaction, so an event is either awarded and marked, or neither; a duplicate
(also one in flight) gets the marker, with the first answer, back from the cancelled transaction."""

from __future__ import annotations

import dataclasses
from zoneinfo import ZoneInfo

from pynamodb.attributes import UnicodeAttribute

from mall.data import dynamo
from mall.data.accounts import write_change
from mall.data.dynamo import DocumentAttribute, Item, Key, Raw
from mall.data.transaction import FirstAnswer, Transaction, replayed
from mall.domain.account import Change
from mall.domain.earning import EarnResult


class EarnEventItem(Item):
    """`EVENT#<merchant>#<eventId>` / `EVENT`: the body's fingerprint and the first answer."""

    member_id = UnicodeAttribute(attr_name="memberId")
    fingerprint = UnicodeAttribute()
    response = DocumentAttribute()


def _key(merchant: str, event_id: str) -> Key:
    return f"EVENT#{merchant}#{event_id}", "EVENT"


def commit_award(
    change: Change, zone: ZoneInfo, merchant: str, event_id: str, body_hash: str, result: EarnResult
) -> None:
    """Account + ledger + event marker; `Replayed` when the event was already awarded."""
    pk, sk = _key(merchant, event_id)
    marker = EarnEventItem(
        PK=pk,
        SK=sk,
        member_id=change.account.member_id,
        fingerprint=body_hash,
        response=dataclasses.asdict(result),
    )
    write_change(change, zone, Transaction().put("event", marker, on_fail=replayed(first_answer)))


def first_answer(raw: Raw) -> FirstAnswer:
    item = EarnEventItem.from_raw_data(raw)
    return FirstAnswer(item.fingerprint, dict(item.response))


def stored(merchant: str, event_id: str) -> FirstAnswer | None:
    item = dynamo.get(EarnEventItem, _key(merchant, event_id))
    return FirstAnswer(item.fingerprint, dict(item.response)) if item else None
