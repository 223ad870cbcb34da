"""Queries of the sparse DueIndex: what is due, read page by page (reads follow what is due, no scan).

Items put themselves on the index while something about them is due: an account holding points under
DUE_PK = one of EXPIRY_SHARDS shard keys (`accounts.expiry_shard`) with DUE_SK = "<soonest expiry day>#<id>";
an unpaid order under "PAYMENT#<n>" by payment deadline; a queued flash-sale claim under "CLAIMS#<n>".
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

from mall.data import dynamo
from mall.data.accounts import EXPIRY_SHARDS
from mall.data.dynamo import Key

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
        "ExpressionAttributeValues": {":shard": {"S": shard}, ":bound": {"S": bound}},
        "Limit": page_size,
    }
    while True:
        response = dynamo.client().query(**request)
        for raw in response.get("Items", []):
            yield str(raw["PK"]["S"])
        if "LastEvaluatedKey" not in response:
            return
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def oldest_first(shards: list[str], limit: int, start: str | None) -> tuple[list[Key], str | None]:
    """One page of the items waiting under several shard keys, oldest first across all of them.

    Reads up to `limit` + 1 keys of each shard after its own position and merges them by DUE_SK; the
    position is every shard's last key taken (JSON, only ever handed out inside a signed cursor)."""
    positions: dict[str, str] = json.loads(start) if start else {}
    merged: list[tuple[str, str, Key]] = []
    for shard in shards:
        request: dict[str, Any] = {
            "TableName": dynamo.table(),
            "IndexName": "DueIndex",
            "KeyConditionExpression": "DUE_PK = :shard"
            + (" AND DUE_SK > :after" if shard in positions else ""),
            "ExpressionAttributeValues": {":shard": {"S": shard}}
            | ({":after": {"S": positions[shard]}} if shard in positions else {}),
            "Limit": limit + 1,
        }
        for raw in dynamo.client().query(**request).get("Items", []):
            merged.append((str(raw["DUE_SK"]["S"]), shard, (str(raw["PK"]["S"]), str(raw["SK"]["S"]))))
    merged.sort()
    taken, more = merged[:limit], len(merged) > limit
    for due_sk, shard, _ in taken:
        positions[shard] = due_sk
    return [key for _, _, key in taken], (json.dumps(positions, sort_keys=True) if more else None)
