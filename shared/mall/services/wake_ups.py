"""The daily wake-up of dormant members (沉睡用户唤醒): one WAKE_UP notification per dormant spell, with
the points held and the soonest expiry, plus `wakeUpBonus` points if the rules set one.

A member becomes dormant `dormantDays` after their last activity day, so a run reads the members whose
last activity fell on the days that became dormant since the last run (the ActivityIndex, see
`mall.data.wake_ups`), not the table. The account's `wokenFor` (the spell's activity day), written
with the notification in the account's versioned transaction, makes a second or concurrent run (or a
retry) send nothing more; the member's next activity starts a new spell."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from mall import clock
from mall.data import accounts, rules_store
from mall.data import notifications as notification_store
from mall.data import wake_ups as store
from mall.data.retry import until_decided
from mall.domain.calendar import business_day, end_of_day, iso
from mall.domain.journey import dormant_since, wake_up
from mall.domain.notifications import Notification, NotificationType, PushStatus, new_notification_id
from mall.domain.rules import Rules
from mall.services.expiry import STOP_MARGIN_MS, TimeLeft
from mall.settings import settings

MAX_DAYS = 400  # a mark older than this (a job off for a year) is not caught up day by day


def _days(done_through: date | None, through: date) -> list[date]:
    first = done_through + timedelta(days=1) if done_through else through
    first = max(first, through - timedelta(days=MAX_DAYS - 1))
    return [first + timedelta(days=n) for n in range((through - first).days + 1)]


def wake_dormant(time_left_ms: TimeLeft, margin_ms: int = STOP_MARGIN_MS) -> dict[str, Any]:
    """`{"days", "members", "woken", "bonus", "complete"}`: the activity days gone through (those that
    became dormant since the last run; the first run: today's), members read, wake-ups sent."""
    rules, now = rules_store.current(), clock.now()
    today = business_day(now, rules.zone)
    days = _days(store.done_through(), dormant_since(rules, today))
    members = woken = bonus = 0
    for day in days:
        for member_id in store.active_last_on(day):
            if time_left_ms() < margin_ms:
                return _result(days, members, woken, bonus, complete=False)
            members += 1
            points = _wake(member_id, rules, now, today)
            if points is not None:
                woken += 1
                bonus += points
        store.mark_done_through(day, iso(now))
    return _result(days, members, woken, bonus, complete=True)


def _result(days: list[date], members: int, woken: int, bonus: int, *, complete: bool) -> dict[str, Any]:
    return {
        "days": [d.isoformat() for d in days],
        "members": members,
        "woken": woken,
        "bonus": bonus,
        "complete": complete,
    }


def _wake(member_id: str, rules: Rules, now: datetime, today: date) -> int | None:
    """The bonus paid to this member's wake-up, or None when none is owed (acted since, woken before
    in this spell, frozen, or holding no points)."""
    record_only = settings().local_stack or not settings().wechat_enabled
    # No subscribe-message template for wake-ups yet: recorded for GET /me/notifications, not pushed.
    push = PushStatus.RECORDED if record_only else PushStatus.NOT_CONFIGURED

    def attempt() -> int | None:
        account = accounts.load(member_id)
        decided = wake_up(account, rules, now, today) if account else None
        if decided is None:
            return None
        soonest = decided.soonest_expiry
        notification = Notification(
            notification_id=new_notification_id(now, 0),
            member_id=member_id,
            type=NotificationType.WAKE_UP,
            created_at=iso(now.astimezone(rules.zone)),
            points=decided.points_held,
            expires_at=iso(end_of_day(soonest, rules.zone)) if soonest else None,
            push=push,
        )
        accounts.write_change(decided.change, rules.zone, notification_store.notification_part(notification))
        return decided.bonus

    return until_decided(attempt)
