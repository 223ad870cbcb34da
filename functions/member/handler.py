"""The member's own data: GET /me and GET /me/ledger."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from mall.api.app import entrypoint, make_app
from mall.api.auth import member
from mall.api.models import Cursor, Limit, Page
from mall.auth.tokens import Principal
from mall.services.accounts import ledger_page, profile
from mall.services.views import LedgerEntryView, ProfileView

router = APIGatewayHttpRouter()


@router.get("/me", summary="Balance, tier, streak and expiring points", tags=["member"])
def get_me(who: Annotated[Principal, Depends(member)]) -> ProfileView:
    return profile(who.subject)


@router.get("/me/ledger", summary="Ledger entries, newest first", tags=["member"])
def get_ledger(
    who: Annotated[Principal, Depends(member)], limit: Limit = 20, cursor: Cursor = None
) -> Page[LedgerEntryView]:
    items, next_cursor = ledger_page(who.subject, limit, cursor)
    return Page[LedgerEntryView](items=items, next_cursor=next_cursor)


app = make_app(router)
lambda_handler = entrypoint(app)
