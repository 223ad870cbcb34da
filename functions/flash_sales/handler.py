"""Flash-sale reads: the list with stock left and status, and my claim's outcome."""

from __future__ import annotations

from mall import clock
from mall.api.access import ANY_ROLE, MEMBER, Caller, Routes
from mall.api.app import entrypoint, make_app
from mall.api.cursor import paged
from mall.api.wire.common import Cursor, Id, Limit, Page
from mall.api.wire.flash_sales import ClaimView, SaleView
from mall.services.flash_sales import list_sales, my_claim

routes = Routes()


@routes.get("/flash-sales", allow=ANY_ROLE, summary="Flash sales, latest start first", tags=["flash-sales"])
def get_sales(who: Caller, limit: Limit = 20, cursor: Cursor = None) -> Page[SaleView]:
    found, next_cursor = paged(who.subject, "flash-sales", cursor, lambda at: list_sales(limit, at))
    now = clock.now()
    return Page[SaleView](items=[SaleView.of(s, now) for s in found], next_cursor=next_cursor)


@routes.get(
    "/flash-sales/<saleId>/claims/mine", allow=MEMBER, summary="My claim on a sale", tags=["flash-sales"]
)
def get_my_claim(saleId: Id, who: Caller) -> ClaimView:
    return ClaimView.of(my_claim(who.subject, saleId))


lambda_handler = entrypoint(make_app(routes))
