"""POST /admin/flash-sales: schedule a flash sale of a product."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import AwareDatetime, Field

from mall.api.app import entrypoint, make_app
from mall.api.auth import admin
from mall.api.models import WireModel
from mall.auth.tokens import Principal
from mall.observability import logger
from mall.services.flash_sales import SaleView, create_sale

router = APIGatewayHttpRouter()


class SaleBody(WireModel):
    sku: str = Field(min_length=1, max_length=64)
    stock: int = Field(ge=1, le=1_000_000, strict=True)
    points_price: int = Field(ge=0, le=100_000_000, strict=True)
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    per_member_limit: int | None = Field(default=None, ge=1, le=100, strict=True)


@router.post("/admin/flash-sales", summary="Create a flash sale", tags=["admin"], status_code=201)
def post_sale(body: SaleBody, who: Annotated[Principal, Depends(admin)]) -> SaleView:
    window = (body.starts_at, body.ends_at)
    sale = create_sale(body.sku, body.stock, body.points_price, *window, body.per_member_limit)
    logger.info(
        "flash sale created", extra={"saleId": sale.sale_id, "admin": who.subject, "stock": body.stock}
    )
    return sale


app = make_app(router)
lambda_handler = entrypoint(app)
