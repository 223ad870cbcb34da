"""Segment counters (NEW / ACTIVE / DORMANT), kept from the table's stream, never by a request.

- day counters: PK `SEGMENTS`, SK `D#<day>`; `active` (members whose last activity was that day),
  `opened` (members opened that day with no purchase yet); ADD only;
- total: PK `SEGMENTS`, SK `TOTAL`; `members` counted;
- counted marker: PK `SEGDONE#<eventID>`, SK `MARKER`, `ttl` 48 h, so a redelivered record counts once.

Reading the counts is one query of that partition from the first day that matters to `TOTAL` (at most
`dormantDays` + 1 items), whatever the number of members.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from pynamodb.attributes import UnicodeAttribute

from mall.data import dynamo
from mall.data.dynamo import IntegerAttribute, Item
from mall.data.transaction import Transaction, commit_once_each

PK = "SEGMENTS"
TOTAL_SK = "TOTAL"
MARKER_TTL = timedelta(hours=48)


class SegmentDayItem(Item):
    """`SEGMENTS` / `D#<day>` (or `TOTAL`, with `members`): counters, ADD only."""

    active = IntegerAttribute(default=0)
    opened = IntegerAttribute(default=0)
    members = IntegerAttribute(default=0)


class SegmentMarkerItem(Item):
    """`SEGDONE#<eventID>` / `MARKER`: this stream record's moves are counted."""

    sequence = UnicodeAttribute()
    ttl = IntegerAttribute()


@dataclass(frozen=True)
class AccountRecord:
    """One stream record of an account write: its id, sequence number and images (plain values)."""

    record_id: str
    sequence: str
    old: Mapping[str, Any] | None
    new: Mapping[str, Any] | None


def account_record(record: Mapping[str, Any]) -> AccountRecord | None:
    """A Lambda DynamoDB stream record of an account item, decoded; None for any other item."""
    body = record.get("dynamodb") or {}
    keys = dynamo.plain(dict(body.get("Keys") or {}))
    if not (str(keys.get("PK", "")).startswith("MEMBER#") and keys.get("SK") == "ACCOUNT"):
        return None
    old, new = body.get("OldImage"), body.get("NewImage")
    return AccountRecord(
        record_id=str(record.get("eventID", "")),
        sequence=str(body.get("SequenceNumber", "")),
        old=dynamo.plain(dict(old)) if old else None,
        new=dynamo.plain(dict(new)) if new else None,
    )


def _item(key: str) -> tuple[SegmentDayItem, str]:
    """The counter item and attribute of a move key (`TOTAL`, `ACTIVE#<day>`, `NEW#<day>`)."""
    if key == TOTAL_SK:
        return SegmentDayItem(PK, TOTAL_SK), "members"
    kind, day = key.split("#", 1)
    return SegmentDayItem(PK, f"D#{day}"), "active" if kind == "ACTIVE" else "opened"


def _transaction(group: list[tuple[AccountRecord, dict[str, int]]], now: datetime) -> Transaction:
    ttl = int((now + MARKER_TTL).timestamp())
    tx = Transaction()
    adds: dict[str, dict[str, int]] = {}
    for index, (record, moves) in enumerate(group):
        marker = SegmentMarkerItem(f"SEGDONE#{record.record_id}", "MARKER", sequence=record.sequence, ttl=ttl)
        tx.put(str(index), marker, on_fail=None)
        for key, delta in moves.items():
            item, attribute = _item(key)
            per_item = adds.setdefault(item.SK, {})
            per_item[attribute] = per_item.get(attribute, 0) + delta
    for sk, attributes in sorted(adds.items()):
        actions = [getattr(SegmentDayItem, name).add(v) for name, v in attributes.items() if v]
        if actions:
            tx.update(f"counter {sk}", SegmentDayItem(PK, sk), actions)
    return tx


def count(group: list[tuple[AccountRecord, dict[str, int]]], now: datetime) -> tuple[int, int]:
    """Add the moves of `group` exactly once: (records counted now, records counted before), as the
    daily stats do (a marker per record; a conflict raises `LostRace`)."""
    done, skipped = commit_once_each(group, lambda remaining: _transaction(remaining, now).commit())
    return len(done), skipped


@dataclass(frozen=True)
class Counters:
    total: int
    active_by_day: dict[str, int]
    new_by_day: dict[str, int]


def read(first_day: date) -> Counters:
    """The day counters from `first_day` on and the total: one query (strongly consistent), paged."""
    request: dict[str, Any] = {
        "TableName": dynamo.table(),
        "KeyConditionExpression": "PK = :pk AND SK BETWEEN :first AND :total",
        "ExpressionAttributeValues": {
            ":pk": {"S": PK},
            ":first": {"S": f"D#{first_day.isoformat()}"},
            ":total": {"S": TOTAL_SK},
        },
        "ConsistentRead": True,
    }
    total, active, opened = 0, {}, {}
    while True:
        response = dynamo.client().query(**request)
        for raw in response.get("Items", []):
            item = SegmentDayItem.from_raw_data(raw)
            if item.SK == TOTAL_SK:
                total = item.members or 0
            else:
                day = str(item.SK)[2:]
                active[day], opened[day] = item.active or 0, item.opened or 0
        if "LastEvaluatedKey" not in response:
            break
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
    return Counters(total, active, opened)
