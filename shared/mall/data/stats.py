"""Statistics items: per-day counters, the outstanding points, and the markers that make counting exact.

- day counters: PK `STATS#<day>`, SK `DAY`; `issued`, `redeemed`, `expired`, `refunded`, `signIns`,
  `orders` (ADD only);
- outstanding: PK `STATS`, SK `OUTSTANDING`; `points` = Σ of every ledger delta counted;
- counted marker: PK `STATSDONE#<eventID>`, SK `MARKER`; one per counted stream record, `ttl` 48 h
  (a stream keeps records 24 h, so a marker outlives every redelivery of its record).

Only the stream aggregator writes them, never a request, so no write path has a hot item.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from mall.data import dynamo
from mall.data.retry import Retry
from mall.domain.stats import Contribution, Counters, StreamChange, totals

MARKER_TTL = timedelta(hours=48)
OUTSTANDING_KEY = ("STATS", "OUTSTANDING")


def day_key(day: str) -> tuple[str, str]:
    return f"STATS#{day}", "DAY"


def marker_key(record_id: str) -> tuple[str, str]:
    return f"STATSDONE#{record_id}", "MARKER"


def decode(record: Mapping[str, Any]) -> StreamChange:
    """A Lambda DynamoDB stream record (DynamoDB JSON images) -> plain values."""
    body = record.get("dynamodb") or {}
    image = body.get("NewImage")
    return StreamChange(
        record_id=str(record.get("eventID", "")),
        sequence=str(body.get("SequenceNumber", "")),
        event_name=str(record.get("eventName", "")),
        keys=dynamo.from_item(dict(body.get("Keys") or {})),
        new_image=dynamo.from_item(dict(image)) if image else None,
    )


def _marker(c: Contribution, now: datetime) -> dict[str, Any]:
    pk, sk = marker_key(c.record_id)
    values = {"PK": pk, "SK": sk, "sequence": c.sequence, "ttl": int((now + MARKER_TTL).timestamp())}
    return dynamo.put(values)


def _add(key: tuple[str, str], amounts: Mapping[str, int]) -> dict[str, Any]:
    names = {f"#{name}": name for name in amounts}
    return {
        "Update": {
            "TableName": dynamo.table(),
            "Key": dynamo.to_item(dict(zip(("PK", "SK"), key, strict=True))),
            "UpdateExpression": "ADD " + ", ".join(f"#{name} :{name}" for name in amounts),
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": {f":{name}": dynamo.value(v) for name, v in amounts.items()},
        }
    }


def _transaction(group: list[Contribution], now: datetime) -> list[dict[str, Any]]:
    """Markers first (index i is group[i]), then one ADD per day touched, then the outstanding ADD."""
    total = totals(group)
    items = [_marker(c, now) for c in group]
    for day, counters in sorted(total.days.items()):
        items.append(_add(day_key(day), {k: v for k, v in counters.attributes().items() if v}))
    if total.points:
        items.append(_add(OUTSTANDING_KEY, {"points": total.points}))
    return items


def count(group: list[Contribution], now: datetime) -> tuple[int, int]:
    """Add `group` exactly once: returns (records counted now, records already counted before).

    One transaction: a marker per record (`attribute_not_exists`) with the ADDs they make. When some
    markers exist already (a redelivered or re-split batch), the transaction is cancelled as a whole
    and the cancellation says which: those are dropped and the rest is written again, as one. Should
    the reasons not say, each record gets a transaction of its own. A TransactionConflict raises Retry
    (nothing was written: transactions are all or nothing)."""
    remaining = list(group)
    skipped = 0
    while remaining:
        try:
            dynamo.transact(_transaction(remaining, now))
        except dynamo.TransactionFailed as failed:
            done = {i for i in range(len(remaining)) if failed.failed_at(i)}
            if done:
                skipped += len(done)
                remaining = [c for i, c in enumerate(remaining) if i not in done]
                continue
            if failed.conflicted:
                raise Retry from failed
            counted, already = _one_by_one(remaining, now)
            return counted, skipped + already
        return len(remaining), skipped
    return 0, skipped


def _one_by_one(group: list[Contribution], now: datetime) -> tuple[int, int]:
    counted = skipped = 0
    for c in group:
        try:
            dynamo.transact(_transaction([c], now))
        except dynamo.TransactionFailed as failed:
            if failed.failed_at(0):
                skipped += 1
                continue
            raise Retry from failed
        counted += 1
    return counted, skipped


def read(days: list[date]) -> tuple[dict[str, Counters], int]:
    """Counters of each day (missing: no activity) and the outstanding points, strongly consistent;
    one BatchGetItem per 100 keys."""
    keys = [OUTSTANDING_KEY, *(day_key(d.isoformat()) for d in days)]
    found = dynamo.batch_get(keys)
    outstanding = int((found.get(OUTSTANDING_KEY) or {}).get("points", 0))
    counters = {
        d.isoformat(): Counters.from_attributes(found.get(day_key(d.isoformat())) or {}) for d in days
    }
    return counters, outstanding
