"""GET /admin/audit: every admin action (who, what, when, before and after), newest first."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from mall.api.access import ADMIN, Caller, Routes
from mall.api.app import entrypoint, make_app
from mall.api.cursor import paged
from mall.api.wire.audit import AuditEntryView
from mall.api.wire.common import Cursor, Limit, Page
from mall.services.audit import log_page

routes = Routes()

# Empty means no filter (the console sends `?memberId=` when its box is empty).
MemberFilter = Annotated[
    str | None,
    Query(alias="memberId", pattern=r"^[A-Za-z0-9_.-]{0,64}$", description="only actions about this member"),
]


@routes.get("/admin/audit", allow=ADMIN, summary="The audit log, newest first", tags=["admin"])
def get_audit(
    who: Caller, member: MemberFilter = None, limit: Limit = 20, cursor: Cursor = None
) -> Page[AuditEntryView]:
    member = member or None
    list_name = f"audit:{member or ''}"
    found, next_cursor = paged(who.subject, list_name, cursor, lambda at: log_page(member, limit, at))
    return Page[AuditEntryView](items=[AuditEntryView.of(e) for e in found], next_cursor=next_cursor)


lambda_handler = entrypoint(make_app(routes))
