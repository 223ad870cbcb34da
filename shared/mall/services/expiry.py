"""The daily expiry sweep: settle every account holding points past their last day.

Reads follow the due accounts: one DueIndex query per shard (more pages only when more are due), then
per due account the same settlement every request does (`settled`: 1 GetItem + 1 transaction writing
one EXPIRE entry per due lot). A settled account leaves the queried range, so a run that stops early
(or a second run) simply starts again from the top without seeing it twice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mall import clock
from mall.data import due, rules_store
from mall.domain.calendar import business_day
from mall.errors import Contention
from mall.observability import logger
from mall.services.accounts import settled

TimeLeft = Callable[[], int]  # milliseconds, like LambdaContext.get_remaining_time_in_millis

# Stop while there is time for one more account under contention (the retry budget is 6 s).
STOP_MARGIN_MS = 8_000


def sweep(time_left_ms: TimeLeft, margin_ms: int = STOP_MARGIN_MS) -> dict[str, Any]:
    """Settle accounts whose soonest lot's last day is before today (business day, rules' zone).

    Answers `{"expiredAccounts", "skipped", "complete"}`; `complete` is false when time ran out or an
    account stayed contended (it keeps its place on the index, and any request settles it anyway)."""
    today = business_day(clock.now(), rules_store.current().zone)
    expired = skipped = 0
    for shard in due.expiry_shards():
        for member_id in due.expired_before(shard, today):
            if time_left_ms() < margin_ms:
                return _result(expired, skipped, complete=False)
            try:
                settled(member_id)
            except Contention:
                logger.warning("expiry sweep: account stayed contended", extra={"memberId": member_id})
                skipped += 1
                continue
            except Exception:
                # One broken account must not stop every later one from expiring: log it, go on.
                logger.exception("expiry sweep: account failed", extra={"memberId": member_id})
                skipped += 1
                continue
            expired += 1
    return _result(expired, skipped, complete=skipped == 0)


def _result(expired: int, skipped: int, *, complete: bool) -> dict[str, Any]:
    return {"expiredAccounts": expired, "skipped": skipped, "complete": complete}
