"""Leaderboard rules: boards by week and month, what the stream scores, ranks with ties, masking."""

from __future__ import annotations

from datetime import date

from mall.domain.leaderboard import (
    Contribution,
    Period,
    board_of,
    chunks,
    contribution,
    deltas,
    ends_after,
    from_sort_key,
    mask,
    ranked,
    sort_key,
    starts_on,
)
from mall.domain.stats import StreamChange


def test_boards_by_calendar_week_from_monday_and_month() -> None:
    sunday, monday = date(2030, 6, 30), date(2030, 7, 1)
    assert board_of(Period.WEEK, sunday) == "W2030-06-24" and board_of(Period.WEEK, monday) == "W2030-07-01"
    assert board_of(Period.MONTH, sunday) == "M2030-06" and board_of(Period.MONTH, monday) == "M2030-07"
    assert starts_on("M2030-06") == date(2030, 6, 1) and starts_on("W2030-06-24") == date(2030, 6, 24)
    assert ends_after("M2030-12") == date(2031, 1, 1) and ends_after("W2030-12-30") == date(2031, 1, 6)


def entry(entry_type: str, delta: int, event: str = "INSERT", **image: object) -> StreamChange:
    keys = {"PK": "MEMBER#alice", "SK": "LEDGER#1"}
    new = {"type": entry_type, "delta": delta, "day": "2030-06-30", **image}
    return StreamChange("r1", "1", event, keys, new)


def test_only_new_earn_and_reverse_entries_score() -> None:
    assert contribution(entry("EARN", 50)) == Contribution("r1", "1", "alice", date(2030, 6, 30), 50)
    assert contribution(entry("REVERSE", -20)).points == -20  # type: ignore[union-attr]
    for ignored in (entry("SPEND", -5), entry("EXPIRE", -5), entry("REFUND", 5), entry("EARN", 5, "MODIFY")):
        assert contribution(ignored) is None
    assert contribution(entry("EARN", 0)) is None
    assert contribution(entry("BOGUS", 5)) is None
    order = StreamChange("r2", "2", "INSERT", {"PK": "ORDER#1", "SK": "ORDER"}, {"type": "EARN", "delta": 5})
    assert contribution(order) is None


def test_deltas_per_member_and_board_and_chunks_within_a_transaction() -> None:
    day = date(2030, 6, 30)
    group = [Contribution(f"r{i}", str(i), f"m{i % 3}", day, 10) for i in range(60)]
    assert deltas(group[:4]) == {
        ("m0", "W2030-06-24"): 20,
        ("m0", "M2030-06"): 20,
        ("m1", "W2030-06-24"): 10,
        ("m1", "M2030-06"): 10,
        ("m2", "W2030-06-24"): 10,
        ("m2", "M2030-06"): 10,
    }
    many = [Contribution(f"r{i}", str(i), f"m{i}", day, 1) for i in range(60)]
    groups = chunks(many)
    assert [len(g) for g in groups] == [33, 27]  # 33 markers + 66 scores
    assert [c for g in groups for c in g] == many


def test_ranks_share_ties_and_keys_sort_by_points() -> None:
    standings = ranked([("b", 5), ("a", 9), ("c", 5), ("d", 1)], count=3)
    assert [(s.rank, s.member_id, s.points) for s in standings] == [(1, "a", 9), (2, "b", 5), (2, "c", 5)]
    assert sort_key(90, "x") < sort_key(100, "a") and from_sort_key(sort_key(42, "m-1")) == ("m-1", 42)


def test_masks() -> None:
    assert [mask(m) for m in ("m3fa9", "alice", "ab", "a")] == ["m***9", "a***e", "a*", "a*"]
