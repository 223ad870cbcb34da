"""The member's notifications: GET /me/notifications (expiry reminders, newest first)."""

from __future__ import annotations

from mall.api.access import MEMBER, Caller, Routes
from mall.api.app import entrypoint, make_app
from mall.api.cursor import paged
from mall.api.wire.common import Cursor, Limit, Page
from mall.api.wire.members import NotificationView
from mall.services.notifications import notifications_page

routes = Routes()


@routes.get("/me/notifications", allow=MEMBER, summary="My notifications, newest first", tags=["member"])
def get_notifications(who: Caller, limit: Limit = 20, cursor: Cursor = None) -> Page[NotificationView]:
    found, next_cursor = paged(
        who.subject, "notifications", cursor, lambda at: notifications_page(who.subject, limit, at)
    )
    return Page[NotificationView](items=[NotificationView.of(n) for n in found], next_cursor=next_cursor)


lambda_handler = entrypoint(make_app(routes))
