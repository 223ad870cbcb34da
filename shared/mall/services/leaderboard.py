"""Leaderboards: score stream batches exactly once (aggregator) and answer GET /leaderboard."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Any

from mall import clock
from mall.data import leaderboard as store
from mall.data import rules_store
from mall.data.retry import until_decided
from mall.data.stats import decode
from mall.domain.calendar import business_day
from mall.domain.leaderboard import (
    RANK_SHARDS,
    TOP,
    Contribution,
    Period,
    Standing,
    board_of,
    chunks,
    contribution,
    ranked,
    starts_on,
    unique,
)
from mall.errors import Contention
from mall.observability import logger

# A stream batch is retried by Lambda anyway, so give contention a little longer than a request does.
SCORE_BUDGET_SECONDS = 20.0


@dataclass
class BatchOutcome:
    """`failed`: sequence numbers to report in batchItemFailures (the stream resumes at the lowest)."""

    scored: int = 0
    already_scored: int = 0
    ignored: int = 0
    failed: list[str] = field(default_factory=list)


def score_stream_batch(records: Sequence[Mapping[str, Any]]) -> BatchOutcome:
    """Add the EARN and REVERSE entries inserted in `records` to their members' week and month scores,
    each exactly once, in stream order, a transaction per group of at most 100 items. A group that
    cannot be written is reported failed with everything after it, so the stream retries from there."""
    outcome = BatchOutcome()
    scored: list[Contribution] = []
    for record in records:
        found = contribution(decode(record))
        if found is None:
            outcome.ignored += 1
        else:
            scored.append(found)
    groups = chunks(unique(scored))
    zone, now = rules_store.current().zone, clock.now()
    for index, group in enumerate(groups):
        try:
            done, skipped = until_decided(
                partial(store.add, group, zone, now), budget_seconds=SCORE_BUDGET_SECONDS
            )
        except Contention as exc:
            logger.warning(
                "leaderboard group stayed contended, retried by the stream", extra={"detail": str(exc)}
            )
            outcome.failed = [c.sequence for g in groups[index:] for c in g]
            return outcome
        outcome.scored += done
        outcome.already_scored += skipped
    return outcome


@dataclass(frozen=True)
class Board:
    period: Period
    starts_on: date
    top: list[Standing]
    my_rank: int | None  # None: the member earned nothing in the period
    my_points: int


def board(member_id: str, period: Period) -> Board:
    """The top ten of the current period and the member's own rank, without reading the whole board:
    the member's score (1 GetItem), the top of each index shard (RANK_SHARDS queries of ten keys), and
    only when the member is not among a shard's top ten, a count of that shard's members ahead."""
    today = business_day(clock.now(), rules_store.current().zone)
    key = board_of(period, today)
    mine = store.points_of(member_id, key)
    shards = [store.top_of_shard(key, shard, TOP) for shard in range(RANK_SHARDS)]
    top = ranked(entry for entries, _ in shards for entry in entries)
    rank = None
    if mine > 0:
        ahead = 0
        for shard, (entries, everyone) in enumerate(shards):
            if everyone or (entries and entries[-1][1] <= mine):
                # Everyone of this shard with more points is among the entries already read.
                ahead += sum(1 for m, points in entries if points > mine and m != member_id)
            else:
                ahead += store.count_above(key, shard, mine)
        rank = ahead + 1
    return Board(period, starts_on(key), top, rank, mine)
