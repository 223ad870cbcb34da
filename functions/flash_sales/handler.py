"""Flash-sale reads: the list with stock left and status, and my claim's outcome."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from mall.api.app import entrypoint, make_app
from mall.api.auth import anyone, member
from mall.api.models import Cursor, Id, Limit, Page
from mall.auth.tokens import Principal
from mall.services.flash_sales import ClaimView, SaleView, list_sales, my_claim

router = APIGatewayHttpRouter()


@router.get("/flash-sales", summary="Flash sales, latest start first", tags=["flash-sales"])
def get_sales(
    who: Annotated[Principal, Depends(anyone)], limit: Limit = 20, cursor: Cursor = None
) -> Page[SaleView]:
    items, next_cursor = list_sales(who.subject, limit, cursor)
    return Page[SaleView](items=items, next_cursor=next_cursor)


@router.get("/flash-sales/<saleId>/claims/mine", summary="My claim on a sale", tags=["flash-sales"])
def get_my_claim(saleId: Id, who: Annotated[Principal, Depends(member)]) -> ClaimView:
    return my_claim(who.subject, saleId)


app = make_app(router)
lambda_handler = entrypoint(app)
