"""Notification items and expiry-reminder markers."""

from __future__ import annotations

from datetime import date, datetime

from pynamodb.attributes import UnicodeAttribute

from mall.data import dynamo
from mall.data.dynamo import DocumentAttribute, IntegerAttribute, Item
from mall.data.transaction import AlreadyExists, Transaction
from mall.domain.notifications import Notification, NotificationType, PushStatus

_NOTIFICATION = "NOTIFICATION#"
_REMINDER = "REMINDER#"


class NotificationItem(Item):
    """`MEMBER#<id>` / `NOTIFICATION#<id>` (ids sort by time: newest first by query)."""

    member_id = UnicodeAttribute(attr_name="memberId")
    notification_id = UnicodeAttribute(attr_name="notificationId")
    type = UnicodeAttribute()
    points = IntegerAttribute(null=True)
    expires_at = UnicodeAttribute(attr_name="expiresAt", null=True)
    created_at = UnicodeAttribute(attr_name="createdAt")
    push = UnicodeAttribute()
    push_error = UnicodeAttribute(attr_name="pushError", null=True)
    message = DocumentAttribute(null=True)


class ReminderItem(Item):
    """`MEMBER#<id>` / `REMINDER#<expiry day>`: at most one reminder per member and expiry day."""

    notification_id = UnicodeAttribute(attr_name="notificationId")
    created_at = UnicodeAttribute(attr_name="createdAt")
    ttl = IntegerAttribute()  # useless once the day has passed, so DynamoDB may drop it


def _member_pk(member_id: str) -> str:
    return f"MEMBER#{member_id}"


def reminded_days(member_id: str, days: list[date]) -> set[date]:
    """Which of these expiry days already have a reminder marker (one BatchGetItem)."""
    if not days:
        return set()
    keys = [(_member_pk(member_id), f"{_REMINDER}{day.isoformat()}") for day in days]
    found = dynamo.batch_get(keys)
    return {day for day, key in zip(days, keys, strict=True) if key in found}


def _item(n: Notification) -> NotificationItem:
    return NotificationItem(
        _member_pk(n.member_id),
        f"{_NOTIFICATION}{n.notification_id}",
        member_id=n.member_id,
        notification_id=n.notification_id,
        type=n.type.value,
        points=n.points,
        expires_at=n.expires_at,
        created_at=n.created_at,
        push=n.push.value,
        message=n.message or None,
    )


def record_reminder(notification: Notification, expires_on: date, marker_expires: datetime) -> bool:
    """The marker and the notification in one transaction; False when this reminder was recorded before."""
    marker = ReminderItem(
        _member_pk(notification.member_id),
        f"{_REMINDER}{expires_on.isoformat()}",
        notification_id=notification.notification_id,
        created_at=notification.created_at,
        ttl=int(marker_expires.timestamp()),
    )
    try:
        Transaction().put("marker", marker).put("notification", _item(notification)).commit()
    except AlreadyExists:
        return False
    return True


def notification_part(notification: Notification) -> Transaction:
    """The notification as a part of the transaction that decides it (e.g. a wake-up's account change)."""
    return Transaction().put("notification", _item(notification))


def set_push(member_id: str, notification_id: str, status: PushStatus, error: str | None = None) -> None:
    """Record what became of the push; the notification itself is never rewritten."""
    item = NotificationItem(_member_pk(member_id), f"{_NOTIFICATION}{notification_id}")
    actions = [NotificationItem.push.set(status.value)]
    if error:
        actions.append(NotificationItem.push_error.set(error[:200]))
    dynamo.update(item, actions, condition=NotificationItem.PK.exists())


def page(member_id: str, limit: int, start: str | None) -> tuple[list[Notification], str | None]:
    """Newest first; the notifications and the position to continue after (or None at the end)."""
    raws, position = dynamo.newest_first(_member_pk(member_id), limit, start, sort_prefix=_NOTIFICATION)
    return [_notification(NotificationItem.from_raw_data(raw)) for raw in raws], position


def _notification(item: NotificationItem) -> Notification:
    return Notification(
        notification_id=item.notification_id,
        member_id=item.member_id,
        type=NotificationType(item.type),
        created_at=item.created_at,
        points=item.points,
        expires_at=item.expires_at,
        push=PushStatus(item.push),
        message=dict(item.message or {}),
    )
