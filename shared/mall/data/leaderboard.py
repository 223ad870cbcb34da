"""Leaderboard items: a score per member and board, its place on the rank index, and counted markers.

- score: `MEMBER#<id>` / `SCORE#<board>`; `points`; while positive, `RANK_PK` = `RANK#<board>#<n>` (n from
  a hash of the member, so index writes spread over RANK_SHARDS partitions) and `RANK_SK` = zero-padded
  points + `#` + member, on the sparse keys-only `RankIndex`; `ttl` a while after the board's period;
- counted marker: `LBDONE#<eventID>` / `MARKER`, one per scored stream record, `ttl` 48 h.

Only the stream aggregator writes them, in batches, never a request.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pynamodb.attributes import UnicodeAttribute, VersionAttribute

from mall.data import dynamo
from mall.data.dynamo import IntegerAttribute, Item, Key
from mall.data.transaction import Transaction, commit_once_each, lost_race
from mall.domain.leaderboard import Contribution, deltas, ends_after, from_sort_key, rank_shard, sort_key

RANK_INDEX = "RankIndex"
MARKER_TTL = timedelta(hours=48)
KEEP_AFTER_PERIOD = timedelta(days=35)


class ScoreItem(Item):
    """`MEMBER#<id>` / `SCORE#<board>`: points earned on that board; on the RankIndex while positive."""

    member_id = UnicodeAttribute(attr_name="memberId")
    board = UnicodeAttribute()
    points = IntegerAttribute(default=0)
    rank_pk = UnicodeAttribute(attr_name="RANK_PK", null=True)
    rank_sk = UnicodeAttribute(attr_name="RANK_SK", null=True)
    ttl = IntegerAttribute()
    version = VersionAttribute()


class MarkerItem(Item):
    """`LBDONE#<eventID>` / `MARKER`: this stream record has been scored."""

    sequence = UnicodeAttribute()
    ttl = IntegerAttribute()


def score_key(member_id: str, board: str) -> Key:
    return f"MEMBER#{member_id}", f"SCORE#{board}"


def rank_partition(board: str, shard: int) -> str:
    return f"RANK#{board}#{shard}"


def _score(member_id: str, board: str, points: int, zone: ZoneInfo, version: int | None) -> ScoreItem:
    expires = datetime.combine(ends_after(board), time(), tzinfo=zone) + KEEP_AFTER_PERIOD
    ranked = points > 0  # the index holds members who earned something, sparse by design
    item = ScoreItem(
        *score_key(member_id, board),
        member_id=member_id,
        board=board,
        points=points,
        rank_pk=rank_partition(board, rank_shard(member_id)) if ranked else None,
        rank_sk=sort_key(points, member_id) if ranked else None,
        ttl=int(expires.timestamp()),
    )
    if version is not None:  # None: not stored yet, so the put asks that no version exists
        item.version = version
    return item


def _write(group: list[Contribution], zone: ZoneInfo, now: datetime) -> None:
    """A marker per record (named by its position), then each touched score: read, add, put back only if
    unchanged since read (version)."""
    added = deltas(group)
    keys = {pair: score_key(*pair) for pair in added}
    found = dynamo.batch_get(keys.values())
    ttl = int((now + MARKER_TTL).timestamp())
    tx = Transaction()
    for index, c in enumerate(group):
        marker = MarkerItem(f"LBDONE#{c.record_id}", "MARKER", sequence=c.sequence, ttl=ttl)
        tx.put(str(index), marker, on_fail=None)
    for (member_id, board), points in sorted(added.items()):
        old = dynamo.decode(ScoreItem, found.get(keys[(member_id, board)]))
        total = (old.points if old else 0) + points
        item = _score(member_id, board, total, zone, old.version if old else None)
        tx.put(f"score {member_id} {board}", item, on_fail=lost_race)
    tx.commit()


def add(group: list[Contribution], zone: ZoneInfo, now: datetime) -> tuple[int, int]:
    """Add `group` to the scores exactly once: (records scored now, records scored before).

    When some markers exist already (a redelivered or re-split batch), the transaction is cancelled and
    says which: those records are dropped and the rest read and written again. `LostRace` when a score
    moved meanwhile (nothing was written)."""
    written, skipped = commit_once_each(group, lambda remaining: _write(remaining, zone, now))
    return len(written), skipped


def points_of(member_id: str, board: str) -> int:
    item = dynamo.get(ScoreItem, score_key(member_id, board), consistent=False)
    return item.points if item else 0


def top_of_shard(board: str, shard: int, count: int) -> tuple[list[tuple[str, int]], bool]:
    """The shard's `count` best (member, points), and whether that is everyone the shard holds."""
    raws, more = dynamo.newest_first(
        rank_partition(board, shard), count, None, index=RANK_INDEX, keys=("RANK_PK", "RANK_SK")
    )
    return [from_sort_key(str(raw["RANK_SK"]["S"])) for raw in raws], more is None


def count_above(board: str, shard: int, points: int) -> int:
    """Members of the shard with more than `points`: a COUNT query over their index keys (it reads as
    many index keys as there are members ahead: a 1 MB page per ~5,000)."""
    request: dict[str, Any] = {
        "TableName": dynamo.table(),
        "IndexName": RANK_INDEX,
        "KeyConditionExpression": "RANK_PK = :pk AND RANK_SK >= :above",
        "ExpressionAttributeValues": {
            ":pk": {"S": rank_partition(board, shard)},
            ":above": {"S": sort_key(points + 1, "")},
        },
        "Select": "COUNT",
    }
    total = 0
    while True:
        response = dynamo.client().query(**request)
        total += int(response.get("Count", 0))
        if not response.get("LastEvaluatedKey"):
            return total
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
