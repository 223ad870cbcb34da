"""The member's notifications: GET /me/notifications (expiry reminders, newest first)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from mall.api.app import entrypoint, make_app
from mall.api.auth import member
from mall.api.models import Cursor, Limit, Page
from mall.auth.tokens import Principal
from mall.services.notifications import NotificationView, notifications_page

router = APIGatewayHttpRouter()


@router.get("/me/notifications", summary="My notifications, newest first", tags=["member"])
def get_notifications(
    who: Annotated[Principal, Depends(member)], limit: Limit = 20, cursor: Cursor = None
) -> Page[NotificationView]:
    items, next_cursor = notifications_page(who.subject, limit, cursor)
    return Page[NotificationView](items=items, next_cursor=next_cursor)


app = make_app(router)
lambda_handler = entrypoint(app)
