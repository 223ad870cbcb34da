"""Member segments (NEW / ACTIVE / DORMANT): counted from the stream's account records, read as counts.

The counters move when an account opens, when its last-activity day moves, and at its first purchase
(mall.domain.journey.moves_between); the stream aggregator adds those moves exactly once (markers), so
no request writes a shared item and `GET /admin/segments` reads one small partition, never the members.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any

from mall import clock
from mall.data import rules_store
from mall.data import segments as store
from mall.data.retry import until_decided
from mall.domain.calendar import business_day
from mall.domain.journey import NEW_DAYS, Segment, dormant_since, moves_between, segment_counts
from mall.errors import Contention
from mall.observability import logger

COUNT_BUDGET_SECONDS = 20.0


@dataclass
class SegmentBatch:
    counted: int = 0
    already_counted: int = 0
    failed: list[str] = field(default_factory=list)  # sequence numbers for batchItemFailures


def count_stream_batch(records: Sequence[Mapping[str, Any]]) -> SegmentBatch:
    """Add the segment moves of the account records in `records`, each record exactly once."""
    outcome = SegmentBatch()
    group = []
    for record in records:
        decoded = store.account_record(record)
        if decoded is None:
            continue
        moves = moves_between(decoded.old, decoded.new)
        if moves:
            group.append((decoded, moves))
    if not group:
        return outcome
    try:
        counted, skipped = until_decided(
            partial(store.count, group, clock.now()), budget_seconds=COUNT_BUDGET_SECONDS
        )
    except Contention as exc:
        logger.warning("segment counters stayed contended, retried by the stream", extra={"detail": str(exc)})
        outcome.failed = [r.sequence for r, _ in group]
        return outcome
    outcome.counted, outcome.already_counted = counted, skipped
    return outcome


@dataclass(frozen=True)
class SegmentCounts:
    counts: dict[Segment, int]
    day: str


def counts() -> SegmentCounts:
    """Members by segment today, from the counters (one query of at most dormantDays + 1 items)."""
    rules = rules_store.current()
    today = business_day(clock.now(), rules.zone)
    first = min(dormant_since(rules, today) + timedelta(days=1), today - timedelta(days=NEW_DAYS - 1))
    counters = store.read(first)
    found = segment_counts(counters.total, counters.active_by_day, counters.new_by_day, rules, today)
    return SegmentCounts(found, today.isoformat())
