"""Leaderboards (积分排行榜): points earned per calendar week (from Monday) and month, ranked.

Scores are kept off the write path, from the table's stream: each new EARN entry adds its points to
the member's score of its week and of its month (a REVERSE entry takes them back). A member's score is
on a sparse index sorted by points, split over a few partitions so that no index partition takes every
update; the top of the board merges the top of each partition, and a rank counts who is ahead.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from mall.domain.ledger import EntryType
from mall.domain.stats import StreamChange, is_ledger_entry

TOP = 10
RANK_SHARDS = 4  # index partitions per board: 4 × ~1,000 score updates/s
POINTS_DIGITS = 12  # scores are sorted as text: zero-padded
SCORED = (EntryType.EARN, EntryType.REVERSE)


class Period(StrEnum):
    WEEK = "week"
    MONTH = "month"


def board_of(period: Period, day: date) -> str:
    """The board a business day belongs to: `W<its Monday>` or `M<year-month>`."""
    if period is Period.WEEK:
        return f"W{(day - timedelta(days=day.weekday())).isoformat()}"
    return f"M{day:%Y-%m}"


def starts_on(board: str) -> date:
    return date.fromisoformat(board[1:]) if board[0] == "W" else date.fromisoformat(f"{board[1:]}-01")


def ends_after(board: str) -> date:
    """The first day after the board's period."""
    start = starts_on(board)
    if board[0] == "W":
        return start + timedelta(days=7)
    return date(start.year + start.month // 12, start.month % 12 + 1, 1)


def rank_shard(member_id: str) -> int:
    return zlib.crc32(member_id.encode()) % RANK_SHARDS


def sort_key(points: int, member_id: str) -> str:
    return f"{points:0{POINTS_DIGITS}d}#{member_id}"


def from_sort_key(key: str) -> tuple[str, int]:
    points, _, member_id = key.partition("#")
    return member_id, int(points)


def mask(member_id: str) -> str:
    """What the board shows of a member: `m***3` (members have no nickname yet; ids are not shown)."""
    if len(member_id) <= 2:
        return member_id[:1] + "*"
    return f"{member_id[0]}***{member_id[-1]}"


# --- from the stream ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Contribution:
    """One scored ledger entry: its member, business day and points (negative for a REVERSE)."""

    record_id: str
    sequence: str
    member_id: str
    day: date
    points: int

    @property
    def boards(self) -> tuple[str, str]:
        return board_of(Period.WEEK, self.day), board_of(Period.MONTH, self.day)


def contribution(change: StreamChange) -> Contribution | None:
    """What a stream record adds to the boards: new EARN and REVERSE entries only (None otherwise, and
    for an entry that cannot be read: it cannot be scored, and must not block the stream)."""
    image = change.new_image
    if change.event_name != "INSERT" or not is_ledger_entry(change.keys) or not image:
        return None
    try:
        entry_type = EntryType(image["type"])
        points = int(image["delta"])
        day = date.fromisoformat(str(image["day"]))
        member_id = str(change.keys["PK"]).removeprefix("MEMBER#")
    except (KeyError, TypeError, ValueError):
        return None
    if entry_type not in SCORED or points == 0:
        return None
    return Contribution(change.record_id, change.sequence, member_id, day, points)


def unique(contributions: Iterable[Contribution]) -> list[Contribution]:
    """One contribution per stream record (a record listed twice in one batch counts once)."""
    seen: dict[str, Contribution] = {}
    for c in contributions:
        seen.setdefault(c.record_id, c)
    return list(seen.values())


def chunks(contributions: list[Contribution], max_items: int = 100) -> list[list[Contribution]]:
    """Consecutive groups whose transaction (a marker each, one score item per member and board) stays
    within DynamoDB's 100 items."""
    groups: list[list[Contribution]] = []
    current: list[Contribution] = []
    scores: set[tuple[str, str]] = set()
    for c in contributions:
        more = scores | {(c.member_id, board) for board in c.boards}
        if current and len(current) + 1 + len(more) > max_items:
            groups.append(current)
            current, more = [], {(c.member_id, board) for board in c.boards}
        current.append(c)
        scores = more
    if current:
        groups.append(current)
    return groups


def deltas(group: Iterable[Contribution]) -> dict[tuple[str, str], int]:
    """Points to add per (member, board)."""
    added: dict[tuple[str, str], int] = {}
    for c in group:
        for board in c.boards:
            added[(c.member_id, board)] = added.get((c.member_id, board), 0) + c.points
    return added


# --- the board -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Standing:
    rank: int
    member_id: str
    points: int


def ranked(entries: Iterable[tuple[str, int]], count: int = TOP) -> list[Standing]:
    """The best `count` of (member, points), most points first; equal points share a rank (1, 2, 2, 4)."""
    best = sorted(entries, key=lambda e: (-e[1], e[0]))[:count]
    return [Standing(1 + sum(1 for _, p in best if p > points), m, points) for m, points in best]
