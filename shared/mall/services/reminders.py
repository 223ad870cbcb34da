"""The daily expiry reminder: one notification (and WeChat push) per member and expiry date.

The accounts come from the DueIndex (soonest expiry on or before the window's last day), so reads follow
the members with points about to expire. Each reminder is written as a marker plus the notification in
one transaction; the marker's `attribute_not_exists` makes a second or concurrent run record nothing
more. The push happens after that write, so a failed push never loses or repeats the notification.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from mall import clock
from mall.data import accounts, due, rules_store
from mall.data import notifications as store
from mall.data.retry import until_decided
from mall.domain.calendar import business_day, end_of_day, iso
from mall.domain.notifications import (
    DueReminder,
    Notification,
    NotificationType,
    PushStatus,
    new_notification_id,
    push_decision,
    reminder_window,
    reminders_due,
)
from mall.notify import wechat_push
from mall.observability import logger
from mall.services.expiry import STOP_MARGIN_MS, TimeLeft
from mall.settings import settings

# A marker only matters until its day has passed; keep it a while longer, then let TTL drop it.
_MARKER_KEPT_AFTER_EXPIRY = timedelta(days=7)


def remind(time_left_ms: TimeLeft, margin_ms: int = STOP_MARGIN_MS) -> dict[str, Any]:
    """Remind of every lot expiring from today to today + reminderDays that has no reminder yet.

    Answers `{"accounts", "reminded", "push": {status: count}, "complete"}`."""
    rules = rules_store.current()
    now = clock.now()
    today = business_day(now, rules.zone)
    _, last_day = reminder_window(today, rules.reminder_days)
    pushes: Counter[str] = Counter()
    accounts = 0
    for shard in due.expiry_shards():
        for member_id in due.expiring_through(shard, last_day):
            if time_left_ms() < margin_ms:
                return _result(accounts, pushes, complete=False)
            accounts += 1
            for status in _remind_member(member_id, today, rules.reminder_days, rules.zone, now):
                pushes[status.value] += 1
    return _result(accounts, pushes, complete=True)


def _result(accounts: int, pushes: Counter[str], *, complete: bool) -> dict[str, Any]:
    return {
        "accounts": accounts,
        "reminded": sum(pushes.values()),
        "push": dict(pushes),
        "complete": complete,
    }


def _remind_member(
    member_id: str, today: date, reminder_days: int, zone: ZoneInfo, now: datetime
) -> list[PushStatus]:
    found = accounts.recipient(member_id)
    if found is None:
        return []
    account, openid = found
    wanted = reminders_due(account.lots, today, reminder_days)
    # Read the markers first, so the daily runs inside a window do not attempt a write per lot per day.
    done = store.reminded_days(member_id, [r.expires_on for r in wanted])
    outcomes = []
    for seq, reminder in enumerate(r for r in wanted if r.expires_on not in done):
        message = wechat_push.reminder_message(reminder.points, reminder.expires_on)
        notification = _record(member_id, reminder, message, openid, zone, now, seq)
        if notification is not None:
            outcomes.append(_push(notification, message, openid))
    return outcomes


def _record(
    member_id: str,
    reminder: DueReminder,
    message: wechat_push.SubscribeMessage,
    openid: str | None,
    zone: ZoneInfo,
    now: datetime,
    seq: int,
) -> Notification | None:
    """Write marker + notification once; None when another run already recorded this reminder."""
    cfg = settings()
    final = push_decision(
        record_only=cfg.local_stack or not cfg.wechat_enabled, openid=openid, template_id=message.template_id
    )
    expires_at = end_of_day(reminder.expires_on, zone)

    def attempt() -> Notification | None:
        notification = Notification(
            notification_id=new_notification_id(now, seq),
            member_id=member_id,
            type=NotificationType.EXPIRY_REMINDER,
            created_at=iso(now.astimezone(zone)),
            points=reminder.points,
            expires_at=iso(expires_at),
            push=final or PushStatus.PENDING,
            message=message.as_record(),
        )
        marker_expires = expires_at + _MARKER_KEPT_AFTER_EXPIRY
        recorded = store.record_reminder(notification, reminder.expires_on, marker_expires)
        return notification if recorded else None

    return until_decided(attempt)


def _push(
    notification: Notification, message: wechat_push.SubscribeMessage, openid: str | None
) -> PushStatus:
    if notification.push is not PushStatus.PENDING or openid is None:
        return notification.push
    log = {"memberId": notification.member_id, "notificationId": notification.notification_id}
    try:
        wechat_push.send(openid, message)
    except wechat_push.PushFailed as exc:
        logger.warning("reminder push failed", extra=log | {"errcode": exc.code})
        store.set_push(notification.member_id, notification.notification_id, PushStatus.FAILED, exc.code)
        return PushStatus.FAILED
    store.set_push(notification.member_id, notification.notification_id, PushStatus.SENT)
    return PushStatus.SENT
