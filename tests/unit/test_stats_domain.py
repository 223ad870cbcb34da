"""Daily statistics as pure rules: what stream records add, per business day, and how batches split."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

import pytest

from mall.domain.stats import (
    MAX_TRANSACTION_ITEMS,
    Contribution,
    Counters,
    MalformedRecord,
    StreamChange,
    chunks,
    contribution,
    date_range,
    totals,
    unique,
)
from mall.errors import ValidationFailed

_ids = itertools.count(1)


def entry(
    type_: str, delta: int, day: str = "2026-03-01", source: str = "PURCHASE", **more: Any
) -> StreamChange:
    n = next(_ids)
    image = {"PK": "MEMBER#m1", "SK": f"LEDGER#{n:020d}", "type": type_, "source": source, "delta": delta}
    image |= {"day": day, **more}
    return StreamChange(f"ev{n}", f"{n:021d}", "INSERT", {"PK": image["PK"], "SK": image["SK"]}, image)


def order(created_at: str) -> StreamChange:
    n = next(_ids)
    image = {"PK": f"ORDER#o{n}", "SK": "ORDER", "createdAt": created_at, "pointsSpent": 30}
    return StreamChange(f"ev{n}", f"{n:021d}", "INSERT", {"PK": image["PK"], "SK": "ORDER"}, image)


def batch_totals(changes: list[StreamChange]) -> tuple[dict[str, Counters], int]:
    found = [c for c in (contribution(change) for change in changes) if c is not None]
    result = totals(found)
    return result.days, result.points


def test_a_batch_adds_up_per_business_day() -> None:
    days, points = batch_totals(
        [
            entry("EARN", 100),
            entry("EARN", 5, source="SIGN_IN"),
            entry("SPEND", -30),
            entry("REFUND", 30),
            entry("SPEND", -20),
            entry("EXPIRE", -7),
            entry("ADJUST", -3),
            entry("REVERSE", -4),
            entry("EARN", 10, day="2026-03-02", source="SIGN_IN"),
            order("2026-03-01T23:59:59+08:00"),
            order("2026-03-02T00:00:01+08:00"),
            order("2026-03-02T12:00:00+08:00"),
        ]
    )
    assert days == {
        "2026-03-01": Counters(
            issued=105, redeemed=50, expired=7, refunded=30, sign_ins=1, orders=1, reversed=4
        ),
        "2026-03-02": Counters(issued=10, sign_ins=1, orders=2),
    }
    # Every delta, of every type, moves the points members hold; orders move nothing by themselves.
    assert points == 100 + 5 - 30 + 30 - 20 - 7 - 3 - 4 + 10


def test_order_day_is_the_date_of_its_local_creation_time() -> None:
    # 2026-03-01 23:30 in Shanghai is still 2026-03-01 there, although it is 15:30 UTC.
    found = contribution(order("2026-03-01T23:30:00+08:00"))
    assert found is not None and found.day == "2026-03-01" and found.counters == Counters(orders=1)
    assert found.points == 0


def test_only_inserts_of_ledger_entries_and_orders_count() -> None:
    earn = entry("EARN", 10)
    ignored = [
        StreamChange("a", "1", "MODIFY", earn.keys, earn.new_image),
        StreamChange("b", "2", "REMOVE", earn.keys, None),
        StreamChange("c", "3", "INSERT", {"PK": "MEMBER#m1", "SK": "ACCOUNT"}, {"balance": 10}),
        StreamChange("d", "4", "INSERT", {"PK": "STATSDONE#x", "SK": "MARKER"}, {"ttl": 1}),
        StreamChange("e", "5", "INSERT", {"PK": "STATS#2026-03-01", "SK": "DAY"}, {"issued": 5}),
        StreamChange("f", "6", "INSERT", {"PK": "ORDER#o1", "SK": "LIMIT#x"}, {"count": 1}),
        StreamChange("g", "7", "INSERT", {"PK": "PRODUCT#cup", "SK": "PRODUCT"}, {"stock": 1}),
    ]
    assert [contribution(c) for c in ignored] == [None] * len(ignored)
    cancelled = order("2026-03-01T10:00:00+08:00")
    assert contribution(StreamChange("h", "8", "MODIFY", cancelled.keys, cancelled.new_image)) is None


def test_an_entry_that_changes_nothing_adds_nothing() -> None:
    assert contribution(entry("ADJUST", 0)) is None
    # A zero-point sign-in still is a sign-in.
    found = contribution(entry("EARN", 0, source="SIGN_IN"))
    assert found is not None and found.counters == Counters(sign_ins=1) and found.points == 0


@pytest.mark.parametrize(
    "image",
    [
        {"type": "EARN", "delta": 5},  # no day
        {"type": "WHATEVER", "delta": 5, "day": "2026-03-01"},
        {"type": "EARN", "delta": "lots", "day": "2026-03-01"},
        {"type": "EARN", "delta": 5, "day": "yesterday"},
    ],
)
def test_malformed_entries_are_reported(image: dict[str, Any]) -> None:
    keys = {"PK": "MEMBER#m1", "SK": "LEDGER#1"}
    with pytest.raises(MalformedRecord):
        contribution(StreamChange("x", "1", "INSERT", keys, image))
    with pytest.raises(MalformedRecord):
        contribution(StreamChange("y", "2", "INSERT", keys, None))


def test_a_record_listed_twice_counts_once() -> None:
    earn = contribution(entry("EARN", 10))
    assert earn is not None
    assert unique([earn, earn]) == [earn]
    assert totals(unique([earn, earn])).points == 10


def _contribution(n: int, day: str) -> Contribution:
    return Contribution(f"ev{n}", f"{n:021d}", day, Counters(issued=1), 1)


def _items(group: list[Contribution]) -> int:
    return len(group) + len({c.day for c in group}) + 1


def test_a_batch_of_25_is_one_transaction() -> None:
    batch = [_contribution(n, f"2026-01-{n:02d}") for n in range(1, 26)]
    assert chunks(batch) == [batch]
    assert _items(batch) == 51


@pytest.mark.parametrize("days", [1, 7, 200])
def test_bigger_batches_split_in_order_within_the_transaction_limit(days: int) -> None:
    start = date(2026, 1, 1)
    batch = [_contribution(n, (start + timedelta(days=n % days)).isoformat()) for n in range(200)]
    groups = chunks(batch)
    assert [c for g in groups for c in g] == batch  # stream order kept, nothing lost
    assert all(_items(g) <= MAX_TRANSACTION_ITEMS for g in groups)
    assert len(groups) == (3 if days == 1 else 5 if days == 200 else 3)


def test_date_range_defaults_and_limits() -> None:
    today = date(2026, 3, 1)
    assert date_range(None, None, today) == [today]
    assert date_range(None, date(2026, 2, 1), today) == [date(2026, 2, 1)]
    assert date_range(date(2026, 2, 27), None, today) == [date(2026, 2, 27), date(2026, 2, 28), today]
    assert len(date_range(date(2025, 3, 1), date(2026, 3, 1), today)) == 366
    with pytest.raises(ValidationFailed, match=r"^from:"):
        date_range(date(2025, 2, 28), date(2026, 3, 1), today)  # 367 dates
    with pytest.raises(ValidationFailed, match=r"^from:"):
        date_range(date(2026, 3, 2), None, today)  # after today, the default `to`


def _order_of(
    sku: str, quantity: int, created_at: str = "2026-03-01T10:00:00+08:00", **more: Any
) -> StreamChange:
    n = next(_ids)
    image = {"PK": f"ORDER#o{n}", "SK": "ORDER", "createdAt": created_at, "sku": sku, "quantity": quantity}
    return StreamChange(f"ev{n}", f"{n:021d}", "INSERT", {"PK": image["PK"], "SK": "ORDER"}, image | more)


def test_orders_add_their_units_to_their_sku_and_day_but_prizes_do_not() -> None:
    changes = [
        _order_of("cup", 2),
        _order_of("cup", 1),
        _order_of("pen", 3, "2026-03-02T00:00:01+08:00"),
        _order_of("cup", 1, prizeRef="d1#p1#0"),  # won in a lucky draw, not redeemed
    ]
    found = [c for c in (contribution(change) for change in changes) if c is not None]
    assert totals(found).units == {"2026-03-01": {"cup": 3}, "2026-03-02": {"pen": 3}}


def test_days_with_units_take_one_more_item_each() -> None:
    start = date(2026, 1, 1)
    batch = [
        Contribution(
            f"ev{n}",
            f"{n:021d}",
            (start + timedelta(days=n)).isoformat(),
            Counters(orders=1),
            0,
            (("cup", 1),),
        )
        for n in range(60)
    ]
    groups = chunks(batch)
    assert [c for g in groups for c in g] == batch
    # A marker, a day item and a units item per contribution, and the outstanding item.
    assert all(3 * len(g) + 1 <= MAX_TRANSACTION_ITEMS for g in groups)
    assert [len(g) for g in groups] == [33, 27]
