"""The member's own data: GET /me and GET /me/ledger."""

from __future__ import annotations

from mall.api.access import MEMBER, Caller, Routes
from mall.api.app import entrypoint, make_app
from mall.api.cursor import paged
from mall.api.wire.common import Cursor, Limit, Page
from mall.api.wire.members import LedgerEntryView, ProfileView
from mall.services.accounts import ledger_page, profile

routes = Routes()


@routes.get("/me", allow=MEMBER, summary="Balance, tier, streak and expiring points", tags=["member"])
def get_me(who: Caller) -> ProfileView:
    return ProfileView.of(profile(who.subject))


@routes.get("/me/ledger", allow=MEMBER, summary="Ledger entries, newest first", tags=["member"])
def get_ledger(who: Caller, limit: Limit = 20, cursor: Cursor = None) -> Page[LedgerEntryView]:
    entries, next_cursor = paged(
        who.subject, "ledger", cursor, lambda at: ledger_page(who.subject, limit, at)
    )
    return Page[LedgerEntryView](items=[LedgerEntryView.of(e) for e in entries], next_cursor=next_cursor)


lambda_handler = entrypoint(make_app(routes))
