"""The daily reconciliation: check every account touched since the last run.

A run checks the business days after the last day it checked in full, through today (the first run:
yesterday and today), and then marks yesterday as checked in full (today is not over: the next run
looks at it again). Reads follow the touched accounts (see `mall.data.reconcile`), not the table.
Drift is reported (a metric and an error log line per account) and never fixed. A run that runs out of
time reports `complete: false` and does not move its mark, so the next run checks those days again."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from itertools import islice
from typing import Any

from mall import clock
from mall.data import reconcile as store
from mall.data import rules_store
from mall.domain.calendar import business_day
from mall.domain.reconcile import Snapshot, drift
from mall.observability import logger

TimeLeft = Callable[[], int]  # milliseconds, like LambdaContext.get_remaining_time_in_millis
STOP_MARGIN_MS = 10_000
MAX_DAYS = 400  # a mark older than this (a job off for a year) is not caught up day by day
BATCH = 100


def _days(checked_through: date | None, today: date) -> list[date]:
    first = checked_through + timedelta(days=1) if checked_through else today - timedelta(days=1)
    first = max(first, today - timedelta(days=MAX_DAYS - 1))
    return [first + timedelta(days=n) for n in range((today - first).days + 1)]


def _batches(members: Iterator[str]) -> Iterator[list[str]]:
    while batch := list(islice(members, BATCH)):
        yield batch


def _report(snapshot: Snapshot, problems: list[str]) -> None:
    logger.error(
        "ledger drift",
        extra={
            "memberId": snapshot.member_id,
            "version": snapshot.version,
            "balance": snapshot.balance,
            "lotsTotal": snapshot.lots_total,
            "lastEntry": snapshot.last_entry_id,
            "lastBalanceAfter": snapshot.last_balance_after,
            "problems": problems,
        },
    )


def reconcile(time_left_ms: TimeLeft, margin_ms: int = STOP_MARGIN_MS) -> dict[str, Any]:
    """`{"days", "accounts", "drifted", "driftedMembers", "complete"}` for this run."""
    today = business_day(clock.now(), rules_store.current().zone)
    days = _days(store.checked_through(), today)
    seen: set[str] = set()
    drifted: list[str] = []
    for day in days:
        for batch in _batches(m for m in store.touched_on(day) if m not in seen):
            if time_left_ms() < margin_ms:
                return _result(days, seen, drifted, complete=False)
            seen.update(batch)
            for snapshot in store.snapshots(batch):
                problems = drift(snapshot)
                if problems:
                    # A fallback read may have raced a write: look once more before calling it drift.
                    [again] = store.snapshots([snapshot.member_id]) or [snapshot]
                    problems = drift(again)
                    if problems:
                        _report(again, problems)
                        drifted.append(again.member_id)
    store.mark_checked_through(today - timedelta(days=1), clock.now().isoformat(timespec="seconds"))
    return _result(days, seen, drifted, complete=True)


def _result(days: list[date], seen: set[str], drifted: list[str], *, complete: bool) -> dict[str, Any]:
    return {
        "days": [d.isoformat() for d in days],
        "accounts": len(seen),
        "drifted": len(drifted),
        "driftedMembers": drifted[:100],
        "complete": complete,
    }
