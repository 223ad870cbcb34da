"""Statistics items: per-day counters, the outstanding points, and the markers that make counting exact.

- day counters: PK `STATS#<day>`, SK `DAY`; `issued`, `redeemed`, `expired`, `refunded`, `signIns`,
  `orders`, `reversed` (ADD only);
- outstanding: PK `STATS`, SK `OUTSTANDING`; `points` = Σ of every ledger delta counted;
- units redeemed per sku: PK `STATS#<day>`, SK `SKUS`; one number attribute `sku:<sku>` per product
  redeemed that day (ADD only), so the hot list reads a week in one BatchGetItem of 7 items;
- counted marker: PK `STATSDONE#<eventID>`, SK `MARKER`; one per counted stream record, `ttl` 48 h
  (a stream keeps records 24 h, so a marker outlives every redelivery of its record).

Only the stream aggregator writes them, never a request, so no write path has a hot item.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from pynamodb.attributes import UnicodeAttribute
from pynamodb.expressions.operand import Path

from mall.data import dynamo
from mall.data.dynamo import IntegerAttribute, Item, Key
from mall.data.transaction import Cancelled, Transaction, commit_once_each
from mall.domain.stats import Contribution, Counters, StreamChange, totals

MARKER_TTL = timedelta(hours=48)
OUTSTANDING_KEY = ("STATS", "OUTSTANDING")


class DayItem(Item):
    """`STATS#<day>` / `DAY`: one business day's counters (ADD only)."""

    issued = IntegerAttribute(default=0)
    redeemed = IntegerAttribute(default=0)
    expired = IntegerAttribute(default=0)
    refunded = IntegerAttribute(default=0)
    sign_ins = IntegerAttribute(attr_name="signIns", default=0)
    orders = IntegerAttribute(default=0)
    reversed = IntegerAttribute(default=0)


class SkuUnitsItem(Item):
    """`STATS#<day>` / `SKUS`: units redeemed that day, one attribute `sku:<sku>` per product (ADD only)."""


SKU_ATTRIBUTE = "sku:"


class OutstandingItem(Item):
    """`STATS` / `OUTSTANDING`: the sum of every ledger delta counted (points all members hold)."""

    points = IntegerAttribute(default=0)


class MarkerItem(Item):
    """`STATSDONE#<eventID>` / `MARKER`: this stream record has been counted."""

    sequence = UnicodeAttribute()
    ttl = IntegerAttribute()


def day_key(day: str) -> Key:
    return f"STATS#{day}", "DAY"


def sku_units_key(day: str) -> Key:
    return f"STATS#{day}", "SKUS"


def marker_key(record_id: str) -> Key:
    return f"STATSDONE#{record_id}", "MARKER"


def decode(record: Mapping[str, Any]) -> StreamChange:
    """A Lambda DynamoDB stream record (DynamoDB JSON images) -> plain values."""
    body = record.get("dynamodb") or {}
    image = body.get("NewImage")
    return StreamChange(
        record_id=str(record.get("eventID", "")),
        sequence=str(body.get("SequenceNumber", "")),
        event_name=str(record.get("eventName", "")),
        keys=dynamo.plain(dict(body.get("Keys") or {})),
        new_image=dynamo.plain(dict(image)) if image else None,
    )


def _transaction(group: list[Contribution], now: datetime) -> Transaction:
    """A marker per record (named by its position in `group`), one ADD per day touched, the outstanding."""
    total = totals(group)
    ttl = int((now + MARKER_TTL).timestamp())
    tx = Transaction()
    for index, c in enumerate(group):
        tx.put(str(index), MarkerItem(*marker_key(c.record_id), sequence=c.sequence, ttl=ttl), on_fail=None)
    for day, counters in sorted(total.days.items()):
        adds = [getattr(DayItem, name).add(v) for name, v in vars(counters).items() if v]
        tx.update(f"day {day}", DayItem(*day_key(day)), adds)
    for day, by_sku in sorted(total.units.items()):
        # An attribute per sku, so each order is one ADD (no map that must exist first).
        units = [Path([SKU_ATTRIBUTE + sku]).add(n) for sku, n in sorted(by_sku.items())]
        tx.update(f"units {day}", SkuUnitsItem(*sku_units_key(day)), units)
    if total.points:
        tx.update(
            "outstanding", OutstandingItem(*OUTSTANDING_KEY), [OutstandingItem.points.add(total.points)]
        )
    return tx


def count(group: list[Contribution], now: datetime) -> tuple[list[Contribution], int]:
    """Add `group` exactly once: returns (the contributions counted now, how many were counted before).

    One transaction: a marker per record (must be new) with the ADDs they make. When some markers
    exist already (a redelivered or re-split batch), the transaction is cancelled as a whole and says
    which: those are dropped and the rest is written again, as one. A conflict raises `LostRace`
    (nothing was written: transactions are all or nothing)."""
    return commit_once_each(group, lambda remaining: _transaction(remaining, now).commit())


def read(days: list[date]) -> tuple[dict[str, Counters], int]:
    """Counters of each day (missing: no activity) and the outstanding points, strongly consistent;
    one BatchGetItem per 100 keys."""
    keys = [OUTSTANDING_KEY, *(day_key(d.isoformat()) for d in days)]
    found = dynamo.batch_get(keys)
    outstanding = dynamo.decode(OutstandingItem, found.get(OUTSTANDING_KEY))
    counters = {}
    for d in days:
        item = dynamo.decode(DayItem, found.get(day_key(d.isoformat())))
        counters[d.isoformat()] = (
            Counters(
                item.issued,
                item.redeemed,
                item.expired,
                item.refunded,
                item.sign_ins,
                item.orders,
                item.reversed,
            )
            if item
            else Counters()
        )
    return counters, outstanding.points if outstanding else 0


def units_redeemed(days: list[date]) -> dict[str, int]:
    """Units redeemed per sku over `days`, in one BatchGetItem (eventually consistent: the hot list
    reflects orders within seconds anyway, at half the read cost)."""
    found = dynamo.batch_get([sku_units_key(d.isoformat()) for d in days], consistent=False)
    units: dict[str, int] = {}
    for raw in found.values():
        for name, value in dynamo.plain(raw).items():
            if name.startswith(SKU_ATTRIBUTE):
                sku = name[len(SKU_ATTRIBUTE) :]
                units[sku] = units.get(sku, 0) + int(value)
    return units


class BackfillItem(Item):
    """`STATS` / `BACKFILL#OUTSTANDING`: the one-off backfill of the outstanding points happened (and how)."""

    points = IntegerAttribute()
    before = UnicodeAttribute()


BACKFILL_KEY = ("STATS", "BACKFILL#OUTSTANDING")


def backfill_outstanding(points: int, before: str) -> bool:
    """Add `points` (the ledger entries the stream never delivered) to the outstanding, once ever:
    False when a backfill was already recorded (nothing added)."""
    tx = Transaction().put(
        "backfill", BackfillItem(*BACKFILL_KEY, points=points, before=before), on_fail=None
    )
    tx.update("outstanding", OutstandingItem(*OUTSTANDING_KEY), [OutstandingItem.points.add(points)])
    try:
        tx.commit()
    except Cancelled as cancelled:
        if "backfill" in cancelled.failed:
            return False
        raise
    return True
