"""Notification items, expiry-reminder markers, and the account read the reminder job needs."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from mall.data import dynamo
from mall.data.accounts import account_key, to_account
from mall.domain.account import Account
from mall.domain.notifications import Notification, PushStatus

_NOTIFICATION = "NOTIFICATION#"
_REMINDER = "REMINDER#"


def _member_pk(member_id: str) -> str:
    return f"MEMBER#{member_id}"


def recipient(member_id: str) -> tuple[Account, str | None] | None:
    """The account and its WeChat openid (None for members who never logged in through WeChat)."""
    item = dynamo.get(*account_key(member_id))
    if item is None:
        return None
    openid = item.get("openid")
    return to_account(item), (str(openid) if openid else None)


def reminded_days(member_id: str, days: list[date]) -> set[date]:
    """Which of these expiry days already have a reminder marker (one BatchGetItem)."""
    if not days:
        return set()
    keys = [(_member_pk(member_id), f"{_REMINDER}{day.isoformat()}") for day in days]
    found = dynamo.batch_get(keys)
    return {day for day, key in zip(days, keys, strict=True) if key in found}


def reminder_puts(
    notification: Notification, expires_on: date, marker_expires: datetime
) -> list[dict[str, Any]]:
    """The marker (at most one per member and expiry day) and the notification, for one transaction.

    Index 0 is the marker: its condition failing means the reminder was already recorded."""
    pk = _member_pk(notification.member_id)
    marker = dynamo.put(
        {
            "PK": pk,
            "SK": f"{_REMINDER}{expires_on.isoformat()}",
            "notificationId": notification.notification_id,
            "createdAt": notification.created_at,
            # Useless once the day has passed (no reminder is sent after it), so DynamoDB may drop it.
            "ttl": int(marker_expires.timestamp()),
        }
    )
    return [marker, dynamo.put(_values(notification))]


def _values(n: Notification) -> dict[str, Any]:
    return {
        "PK": _member_pk(n.member_id),
        "SK": f"{_NOTIFICATION}{n.notification_id}",
        "memberId": n.member_id,
        "notificationId": n.notification_id,
        "type": n.type.value,
        "points": n.points,
        "expiresAt": n.expires_at,
        "createdAt": n.created_at,
        "push": n.push.value,
        "message": n.message or None,
    }


def set_push(member_id: str, notification_id: str, status: PushStatus, error: str | None = None) -> None:
    """Record what became of the push; the notification itself is never rewritten."""
    names = {"#push": "push"}
    values: dict[str, Any] = {":push": dynamo.value(status.value)}
    expression = "SET #push = :push"
    if error:
        names["#pushError"] = "pushError"
        values[":error"] = dynamo.value(error[:200])
        expression += ", #pushError = :error"
    dynamo.client().update_item(
        TableName=dynamo.table(),
        Key=dynamo.to_item({"PK": _member_pk(member_id), "SK": f"{_NOTIFICATION}{notification_id}"}),
        UpdateExpression=expression,
        ConditionExpression="attribute_exists(PK)",
        ExpressionAttributeNames=names,
        ExpressionAttributeValues=values,
    )


def query(member_id: str, limit: int, start: str | None) -> tuple[list[dict[str, Any]], str | None]:
    """Newest first; the items and the position to continue after (or None at the end)."""
    return dynamo.newest_first(_member_pk(member_id), limit, start, sort_prefix=_NOTIFICATION)
