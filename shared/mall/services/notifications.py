"""GET /me/notifications: the member's notifications, newest first, with signed cursors."""

from __future__ import annotations

from mall.api import cursor
from mall.api.models import WireModel
from mall.data import notifications as store

LIST_NAME = "notifications"


class NotificationView(WireModel):
    notification_id: str
    type: str
    points: int | None
    expires_at: str | None
    created_at: str


def notifications_page(
    member_id: str, limit: int, page_cursor: str | None
) -> tuple[list[NotificationView], str | None]:
    start = cursor.decode(page_cursor, member_id, LIST_NAME)
    items, last = store.query(member_id, limit, start)
    views = [
        NotificationView(
            notification_id=i["notificationId"],
            type=i["type"],
            points=i.get("points"),
            expires_at=i.get("expiresAt"),
            created_at=i["createdAt"],
        )
        for i in items
    ]
    return views, cursor.encode(member_id, LIST_NAME, last)
