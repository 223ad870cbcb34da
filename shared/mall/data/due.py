"""Queries of the sparse DueIndex: what is due, read page by page (reads follow what is due, no scan).

Items put themselves on the index while something about them is due: an account holding points under
DUE_PK = one of EXPIRY_SHARDS shard keys (`accounts.expiry_shard`) with DUE_SK = "<soonest expiry day>#<id>";
an unpaid order under "PAYMENT#<n>" by payment deadline; a queued flash-sale claim under "CLAIMS#<n>".
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from mall.data import dynamo
from mall.data.accounts import EXPIRY_SHARDS

_MEMBER_PREFIX = "MEMBER#"


def expiry_shards() -> list[str]:
    """Every shard key `accounts.expiry_shard` can give."""
    return [f"EXPIRY#{n:02d}" for n in range(EXPIRY_SHARDS)]


def expired_before(shard: str, day: date, page_size: int = 100) -> Iterator[str]:
    """Members on `shard` holding a lot whose last day is before `day` ("2026-11-22#m1" < "2026-11-23")."""
    return _members(shard, "DUE_SK < :bound", day.isoformat(), page_size)


def expiring_through(shard: str, day: date, page_size: int = 100) -> Iterator[str]:
    """Members on `shard` whose soonest lot expires on or before `day` (overdue ones included)."""
    # "\uffff" sorts after "#<any member id>", so every member of that day is inside the range.
    return _members(shard, "DUE_SK <= :bound", f"{day.isoformat()}#\uffff", page_size)


def _members(shard: str, condition: str, bound: str, page_size: int) -> Iterator[str]:
    for pk in due_keys(shard, condition, bound, page_size):
        if pk.startswith(_MEMBER_PREFIX):
            yield pk[len(_MEMBER_PREFIX) :]


def ids_due_before(shard: str, bound: str, prefix: str) -> Iterator[str]:
    """Ids of the items under `shard` whose DUE_SK sorts before `bound`, their PK stripped of `prefix`."""
    for pk in due_keys(shard, "DUE_SK < :bound", bound):
        if pk.startswith(prefix):
            yield pk[len(prefix) :]


def due_keys(shard: str, condition: str, bound: str, page_size: int = 100) -> Iterator[str]:
    """Partition keys of due items, lazily: a caller that stops early reads no further pages."""
    request: dict[str, Any] = {
        "TableName": dynamo.table(),
        "IndexName": "DueIndex",
        "KeyConditionExpression": f"DUE_PK = :shard AND {condition}",
        "ExpressionAttributeValues": dynamo.to_item({":shard": shard, ":bound": bound}),
        "Limit": page_size,
    }
    while True:
        response = dynamo.client().query(**request)
        for raw in response.get("Items", []):
            yield str(dynamo.from_item(dict(raw))["PK"])
        if "LastEvaluatedKey" not in response:
            return
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
