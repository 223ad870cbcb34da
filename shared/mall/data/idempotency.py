"""Idempotency records, written inside the same transaction as the change they guard.

Because the record and the change commit together, a crash can never leave one without the other,
and a concurrent duplicate loses the transaction on the record's condition and gets the record (its
first answer) back from the cancellation: `Replayed`."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from typing import Any

from pynamodb.attributes import UnicodeAttribute

from mall.data import dynamo
from mall.data.dynamo import DocumentAttribute, IntegerAttribute, Item, Raw
from mall.data.transaction import FirstAnswer, Transaction, replayed

RETENTION = timedelta(hours=24)


class IdempotencyItem(Item):
    """`IDEMPOTENCY#<owner>#<key>` / `<scope>`: the request's fingerprint and its first answer."""

    fingerprint = UnicodeAttribute()
    response = DocumentAttribute()
    ttl = IntegerAttribute()


def fingerprint(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def _key(scope: str, owner: str, key: str) -> tuple[str, str]:
    return f"IDEMPOTENCY#{owner}#{key}", scope


def record(
    scope: str, owner: str, key: str, body_hash: str, response: dict[str, Any], now: datetime
) -> Transaction:
    """The record's part of a transaction: `Replayed` (with the first answer) if it exists already."""
    pk, sk = _key(scope, owner, key)
    item = IdempotencyItem(
        PK=pk, SK=sk, fingerprint=body_hash, response=response, ttl=int((now + RETENTION).timestamp())
    )
    return Transaction().put("idempotency", item, on_fail=replayed(first_answer))


def first_answer(raw: Raw) -> FirstAnswer:
    item = IdempotencyItem.from_raw_data(raw)
    return FirstAnswer(item.fingerprint, dict(item.response))


def stored(scope: str, owner: str, key: str) -> FirstAnswer | None:
    item = dynamo.get(IdempotencyItem, _key(scope, owner, key))
    return FirstAnswer(item.fingerprint, dict(item.response)) if item else None
