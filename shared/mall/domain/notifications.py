"""Member notifications and the expiry-reminder rule, as pure functions over plain data."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any


class NotificationType(StrEnum):
    EXPIRY_REMINDER = "EXPIRY_REMINDER"
    WAKE_UP = "WAKE_UP"  # a dormant member's once-per-spell nudge: points held and the soonest expiry


class PushStatus(StrEnum):
    """What became of the WeChat push of a notification (the notification itself is always kept)."""

    PENDING = "PENDING"  # written, push not attempted yet (or the function stopped mid-push)
    SENT = "SENT"
    FAILED = "FAILED"
    RECORDED = "RECORDED"  # the local stack records what it would send instead of calling WeChat
    NO_OPENID = "NO_OPENID"  # the member never logged in through WeChat (e.g. a dev member)
    NOT_CONFIGURED = "NOT_CONFIGURED"  # no subscribe-message template id is configured


@dataclass(frozen=True)
class DueReminder:
    """Points of one lot whose expiry day falls inside the reminder window."""

    expires_on: date
    points: int


@dataclass(frozen=True)
class Notification:
    """One notification as stored for the member (`GET /me/notifications`) with its push outcome."""

    notification_id: str
    member_id: str
    type: NotificationType
    created_at: str  # ISO with offset, in the rules' time zone
    points: int | None = None
    expires_at: str | None = None  # end of the expiry day, ISO with offset (as `GET /me`'s `expiring`)
    push: PushStatus = PushStatus.PENDING
    # What is (or, in the local stack, would be) sent: template id, page and data; never the openid.
    message: dict[str, Any] = field(default_factory=dict)


def reminder_window(today: date, reminder_days: int) -> tuple[date, date]:
    """First and last expiry day (both included) that today's reminder run covers.

    It starts today, not `reminder_days` ahead, so a run after a missed day still catches up, and a day
    that has passed is never reminded of."""
    return today, today + timedelta(days=reminder_days)


def reminders_due(lots: Mapping[str, int], today: date, reminder_days: int) -> list[DueReminder]:
    """The lots (expiry day -> points) to remind of today, soonest first."""
    first, last = reminder_window(today, reminder_days)
    due = []
    for day, points in sorted(lots.items()):
        expires_on = date.fromisoformat(day)
        if points > 0 and first <= expires_on <= last:
            due.append(DueReminder(expires_on=expires_on, points=points))
    return due


def push_decision(*, record_only: bool, openid: str | None, template_id: str | None) -> PushStatus | None:
    """The final push status when nothing is sent, or None when the message should go to WeChat."""
    if record_only:
        return PushStatus.RECORDED
    if not openid:
        return PushStatus.NO_OPENID
    if not template_id:
        return PushStatus.NOT_CONFIGURED
    return None


def new_notification_id(at: datetime, seq: int) -> str:
    """Sortable by time (then by order within one run), unique by a random suffix."""
    return f"{int(at.timestamp() * 1000):013d}{seq:02d}{secrets.token_hex(4)}"
