"""Daily statistics as pure functions: what one new ledger entry or order adds to its business day.

The aggregator reads the table's stream off the write path; these rules decide, for each inserted
item, the counters it moves (`issued` = Σ EARN deltas, `redeemed` = Σ −SPEND, `expired` = Σ −EXPIRE,
`refunded` = Σ REFUND, `signIns` = EARN entries with source SIGN_IN, `orders` = orders created that
business day, `reversed` = Σ −REVERSE: points of refunded purchases taken off balances) and how it
changes the points all members hold (Σ every delta, whatever its type). Pending purchase points are
not issued until their EARN entry is written, the day they become spendable. A new order also adds its
units to its product's count of the day (the hot list: units redeemed per sku and business day; prizes
of a lucky draw are won, not redeemed, and do not count).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from typing import Any

from mall.domain.ledger import EntryType
from mall.errors import ValidationFailed

MAX_DAYS = 366  # dates in one stats request, both ends included
# DynamoDB takes at most 100 items per transaction: markers + day items + the outstanding item.
MAX_TRANSACTION_ITEMS = 100
SIGN_IN_SOURCE = "SIGN_IN"


@dataclass(frozen=True)
class Counters:
    """One business day's counters (all zero for a day without activity)."""

    issued: int = 0
    redeemed: int = 0
    expired: int = 0
    refunded: int = 0
    sign_ins: int = 0
    orders: int = 0
    reversed: int = 0

    def __add__(self, other: Counters) -> Counters:
        return Counters(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})

    @property
    def is_zero(self) -> bool:
        return all(getattr(self, f.name) == 0 for f in fields(self))

    def attributes(self) -> dict[str, int]:
        """Attribute name (as stored on the day item) -> value, for every counter."""
        return {_ATTRIBUTE[f.name]: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_attributes(cls, item: Mapping[str, Any]) -> Counters:
        return cls(**{name: int(item.get(attribute) or 0) for name, attribute in _ATTRIBUTE.items()})


_ATTRIBUTE = {
    "issued": "issued",
    "redeemed": "redeemed",
    "expired": "expired",
    "refunded": "refunded",
    "sign_ins": "signIns",
    "orders": "orders",
    "reversed": "reversed",
}


@dataclass(frozen=True)
class StreamChange:
    """One stream record, decoded: `record_id` is its eventID, `sequence` its SequenceNumber."""

    record_id: str
    sequence: str
    event_name: str
    keys: Mapping[str, Any]
    new_image: Mapping[str, Any] | None


@dataclass(frozen=True)
class Contribution:
    """What one counted record adds: counters to its business day and `points` to the outstanding."""

    record_id: str
    sequence: str
    day: str
    counters: Counters
    points: int
    units: tuple[tuple[str, int], ...] = ()  # (sku, units) an order redeemed


@dataclass(frozen=True)
class Totals:
    days: dict[str, Counters]
    points: int
    units: dict[str, dict[str, int]] = field(default_factory=dict)  # day -> sku -> units redeemed


class MalformedRecord(ValueError):
    """A ledger entry or order whose image lacks what the statistics need."""


def is_ledger_entry(keys: Mapping[str, Any]) -> bool:
    return str(keys.get("PK", "")).startswith("MEMBER#") and str(keys.get("SK", "")).startswith("LEDGER#")


def is_order(keys: Mapping[str, Any]) -> bool:
    return str(keys.get("PK", "")).startswith("ORDER#") and keys.get("SK") == "ORDER"


def is_counted(change: StreamChange) -> bool:
    """Only new ledger entries and new orders count; everything else in the table is ignored."""
    return change.event_name == "INSERT" and (is_ledger_entry(change.keys) or is_order(change.keys))


def contribution(change: StreamChange) -> Contribution | None:
    """What `change` adds, or None when it adds nothing (not counted, or all zero)."""
    if not is_counted(change):
        return None
    image = change.new_image
    if not image:
        raise MalformedRecord(f"{change.record_id}: an INSERT without its new image")
    units: tuple[tuple[str, int], ...] = ()
    try:
        if is_ledger_entry(change.keys):
            day, counters, points = _ledger(image)
        else:
            day, counters, points = _order(image)
            units = _units(image)
    except (KeyError, TypeError, ValueError) as exc:
        raise MalformedRecord(f"{change.record_id}: {exc!r}") from exc
    if counters.is_zero and points == 0:
        return None
    return Contribution(change.record_id, change.sequence, day, counters, points, units)


def _ledger(image: Mapping[str, Any]) -> tuple[str, Counters, int]:
    entry_type = EntryType(image["type"])
    delta = int(image["delta"])
    day = date.fromisoformat(str(image["day"])).isoformat()
    if entry_type is EntryType.EARN:
        counters = Counters(issued=delta, sign_ins=1 if image.get("source") == SIGN_IN_SOURCE else 0)
    elif entry_type is EntryType.SPEND:
        counters = Counters(redeemed=-delta)
    elif entry_type is EntryType.EXPIRE:
        counters = Counters(expired=-delta)
    elif entry_type is EntryType.REFUND:
        counters = Counters(refunded=delta)
    elif entry_type is EntryType.REVERSE:
        counters = Counters(reversed=-delta)
    else:  # ADJUST: it moves the outstanding points only
        counters = Counters()
    return day, counters, delta


def _order(image: Mapping[str, Any]) -> tuple[str, Counters, int]:
    # createdAt carries the offset of the rules' zone, so its date part is the order's business day.
    day = date.fromisoformat(str(image["createdAt"])[:10]).isoformat()
    return day, Counters(orders=1), 0


def _units(image: Mapping[str, Any]) -> tuple[tuple[str, int], ...]:
    """The units an order redeemed: none for a lucky draw's prize."""
    if image.get("prizeRef") or image.get("sku") is None:
        return ()
    quantity = int(image.get("quantity") or 0)
    return ((str(image["sku"]), quantity),) if quantity > 0 else ()


def totals(contributions: Iterable[Contribution]) -> Totals:
    days: dict[str, Counters] = {}
    units: dict[str, dict[str, int]] = {}
    points = 0
    for c in contributions:
        days[c.day] = days.get(c.day, Counters()) + c.counters
        points += c.points
        for sku, count in c.units:
            by_sku = units.setdefault(c.day, {})
            by_sku[sku] = by_sku.get(sku, 0) + count
    kept = {day: counters for day, counters in days.items() if not counters.is_zero}
    return Totals(kept, points, units)


def unique(contributions: Iterable[Contribution]) -> list[Contribution]:
    """One contribution per record id (a record listed twice in one batch counts once)."""
    seen: dict[str, Contribution] = {}
    for c in contributions:
        seen.setdefault(c.record_id, c)
    return list(seen.values())


def chunks(
    contributions: list[Contribution], max_items: int = MAX_TRANSACTION_ITEMS
) -> list[list[Contribution]]:
    """Consecutive groups whose transaction (a marker each, one item per day, one more per day with units
    redeemed, the outstanding item) stays within `max_items`; stream order is kept so a failed group
    can be retried from its start."""
    groups: list[list[Contribution]] = []
    current: list[Contribution] = []
    days: set[str] = set()
    unit_days: set[str] = set()
    for c in contributions:
        new_days = days | {c.day}
        new_unit_days = unit_days | ({c.day} if c.units else set())
        if current and len(current) + 1 + len(new_days) + len(new_unit_days) + 1 > max_items:
            groups.append(current)
            current, new_days, new_unit_days = [], {c.day}, ({c.day} if c.units else set())
        current.append(c)
        days, unit_days = new_days, new_unit_days
    if current:
        groups.append(current)
    return groups


def date_range(start: date | None, end: date | None, today: date) -> list[date]:
    """The dates of a stats request: `to` defaults to today, `from` to `to`; both ends included."""
    end = end or today
    start = start or end
    if start > end:
        raise ValidationFailed("from: must not be after to")
    count = (end - start).days + 1
    if count > MAX_DAYS:
        raise ValidationFailed(f"from: at most {MAX_DAYS} dates from `from` to `to`, got {count}")
    return [start + timedelta(days=i) for i in range(count)]
