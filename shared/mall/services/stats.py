"""Daily statistics: count stream batches exactly once (aggregator) and answer GET /admin/stats."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Any

from mall import clock
from mall.data import rules_store
from mall.data import stats as store
from mall.data.retry import until_decided
from mall.domain.calendar import business_day
from mall.domain.stats import (
    Contribution,
    Counters,
    MalformedRecord,
    chunks,
    contribution,
    date_range,
    unique,
)
from mall.errors import Contention
from mall.observability import logger

# A stream batch is retried by Lambda anyway, so give contention a little longer than a request does.
COUNT_BUDGET_SECONDS = 20.0


@dataclass(frozen=True)
class DailyStats:
    days: list[tuple[date, Counters]]  # every date asked for, zeros for quiet days
    outstanding: int  # points all members hold now


@dataclass
class BatchOutcome:
    """`failed`: sequence numbers to report in batchItemFailures (the stream resumes at the lowest)."""

    counted: int = 0
    already_counted: int = 0
    ignored: int = 0
    malformed: int = 0
    failed: list[str] = field(default_factory=list)
    added: Counters = field(default_factory=Counters)  # what this batch added, redeliveries left out


def count_stream_batch(records: Sequence[Mapping[str, Any]]) -> BatchOutcome:
    """Add the ledger entries and orders inserted in `records` to the statistics, each exactly once.

    Records are counted in stream order, in as few transactions as DynamoDB's 100-item limit allows
    (one for a batch of 25). When a group cannot be written, it and every later record are reported
    failed, so the stream retries from there; the groups before it are already counted, and their
    markers make the retry skip them."""
    outcome = BatchOutcome()
    counted: list[Contribution] = []
    for record in records:
        change = store.decode(record)
        try:
            found = contribution(change)
        except MalformedRecord as exc:
            # Blocking the stream would stop every statistic behind one bad item: report and move on.
            logger.error("stream record cannot be counted", extra={"detail": str(exc)})
            outcome.malformed += 1
            continue
        if found is None:
            outcome.ignored += 1
        else:
            counted.append(found)
    groups = chunks(unique(counted))
    now = clock.now()
    for index, group in enumerate(groups):
        try:
            done, skipped = until_decided(
                partial(store.count, group, now), budget_seconds=COUNT_BUDGET_SECONDS
            )
        except Contention as exc:
            logger.warning("stats group stayed contended, retried by the stream", extra={"detail": str(exc)})
            outcome.failed = [c.sequence for g in groups[index:] for c in g]
            return outcome
        outcome.counted += len(done)
        outcome.already_counted += skipped
        for c in done:
            outcome.added += c.counters
    return outcome


def daily_stats(start: date | None, end: date | None) -> DailyStats:
    """Counters per business day from `start` to `end` (zeros for quiet days) and the points held now."""
    today = business_day(clock.now(), rules_store.current().zone)
    days = date_range(start, end, today)
    counters, outstanding = store.read(days)
    return DailyStats([(d, counters[d.isoformat()]) for d in days], outstanding)
