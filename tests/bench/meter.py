"""Counts DynamoDB round trips and consumed capacity per operation, from botocore's own events."""

from __future__ import annotations

from collections import Counter
from typing import Any

_CAPACITY_OPS = {
    "GetItem",
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "Query",
    "Scan",
    "BatchGetItem",
    "BatchWriteItem",
    "TransactWriteItems",
    "TransactGetItems",
}


class Meter:
    """Attach to a boto3 DynamoDB client: every call is counted and asks for its consumed capacity."""

    def __init__(self, client: Any) -> None:
        self.calls: Counter[str] = Counter()
        self.capacity = 0.0
        self.items_read = 0  # items the engine read: scanned by queries, found by gets
        events = client.meta.events
        events.register("provide-client-params.dynamodb.*", self._ask_capacity)
        events.register("after-call.dynamodb.*", self._count)

    def _ask_capacity(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name in _CAPACITY_OPS:
            params.setdefault("ReturnConsumedCapacity", "TOTAL")

    def _count(self, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        self.calls[model.name] += 1
        self.items_read += _items_read(model.name, parsed)
        consumed = parsed.get("ConsumedCapacity")
        if consumed is None and "CancellationReasons" in parsed.get("Error", {}):
            return
        for part in consumed if isinstance(consumed, list) else [consumed] if consumed else []:
            self.capacity += float(part.get("CapacityUnits", 0))

    def reset(self) -> None:
        self.calls.clear()
        self.capacity = 0.0
        self.items_read = 0

    @property
    def round_trips(self) -> int:
        return sum(self.calls.values())


def _items_read(operation: str, parsed: dict[str, Any]) -> int:
    if operation in ("Query", "Scan"):
        return int(parsed.get("ScannedCount", 0))
    if operation == "GetItem":
        return 1 if "Item" in parsed else 0
    if operation in ("BatchGetItem", "TransactGetItems"):
        found = parsed.get("Responses", {})
        return sum(len(items) for items in found.values()) if isinstance(found, dict) else len(found)
    return 0
