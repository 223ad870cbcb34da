"""GET /me/notifications: the member's notifications, newest first."""

from __future__ import annotations

from mall.data import notifications as store
from mall.domain.notifications import Notification


def notifications_page(
    member_id: str, limit: int, start: str | None
) -> tuple[list[Notification], str | None]:
    return store.page(member_id, limit, start)
