"""Member administration: profile, ledger, freeze and unfreeze, point adjustments, segment counts."""

from __future__ import annotations

from mall.api.access import ADMIN, Caller, Routes
from mall.api.app import entrypoint, make_app
from mall.api.cursor import paged
from mall.api.idempotency import IdempotencyKey
from mall.api.wire.common import Cursor, Id, Limit, Page
from mall.api.wire.members import AdjustBody, AdjustmentView, AdminProfileView, LedgerEntryView, ReasonBody
from mall.api.wire.tasks import SegmentsView
from mall.observability import logger
from mall.services.accounts import ledger_page, profile
from mall.services.members import Adjustment, adjust, set_frozen
from mall.services.segments import counts

routes = Routes()


@routes.get("/admin/members/<memberId>", allow=ADMIN, summary="A member's profile", tags=["admin"])
def get_member(memberId: Id) -> AdminProfileView:
    return AdminProfileView.of(profile(memberId))


@routes.get(
    "/admin/members/<memberId>/ledger", allow=ADMIN, summary="A member's ledger, newest first", tags=["admin"]
)
def get_ledger(memberId: Id, who: Caller, limit: Limit = 20, cursor: Cursor = None) -> Page[LedgerEntryView]:
    list_name = f"ledger:{memberId}"
    entries, next_cursor = paged(who.subject, list_name, cursor, lambda at: ledger_page(memberId, limit, at))
    return Page[LedgerEntryView](items=[LedgerEntryView.of(e) for e in entries], next_cursor=next_cursor)


@routes.post("/admin/members/<memberId>/freeze", allow=ADMIN, summary="Freeze an account", tags=["admin"])
def post_freeze(memberId: Id, body: ReasonBody, who: Caller) -> AdminProfileView:
    logger.info("freeze", extra={"memberId": memberId, "admin": who.subject})  # the reason: in the audit log
    return AdminProfileView.of(set_frozen(memberId, True, body.reason, who.actor))


@routes.post("/admin/members/<memberId>/unfreeze", allow=ADMIN, summary="Unfreeze an account", tags=["admin"])
def post_unfreeze(memberId: Id, body: ReasonBody, who: Caller) -> AdminProfileView:
    logger.info("unfreeze", extra={"memberId": memberId, "admin": who.subject})
    return AdminProfileView.of(set_frozen(memberId, False, body.reason, who.actor))


@routes.post(
    "/admin/members/<memberId>/adjust", allow=ADMIN, summary="Add or deduct points (ADJUST)", tags=["admin"]
)
def post_adjust(memberId: Id, body: AdjustBody, key: IdempotencyKey, who: Caller) -> AdjustmentView:
    result = adjust(Adjustment(who.actor, memberId, body.delta, body.reason, key))
    logger.info("adjusted", extra={"memberId": memberId, "admin": who.subject, "delta": body.delta})
    return AdjustmentView.of(result)


@routes.get(
    "/admin/segments", allow=ADMIN, summary="Members by segment: NEW, ACTIVE, DORMANT", tags=["admin"]
)
def get_segments() -> SegmentsView:
    found = counts()
    return SegmentsView.of(found.counts, found.day)


lambda_handler = entrypoint(make_app(routes))
