"""POST /admin/flash-sales: schedule a flash sale of a product."""

from __future__ import annotations

from mall import clock
from mall.api.access import ADMIN, Caller, Routes
from mall.api.app import entrypoint, make_app
from mall.api.wire.flash_sales import SaleBody, SaleView
from mall.observability import logger
from mall.services.flash_sales import create_sale

routes = Routes()


@routes.post(
    "/admin/flash-sales", allow=ADMIN, summary="Create a flash sale", tags=["admin"], status_code=201
)
def post_sale(body: SaleBody, who: Caller) -> SaleView:
    window = (body.starts_at, body.ends_at)
    created = create_sale(body.sku, body.stock, body.points_price, *window, body.per_member_limit, who.actor)
    logger.info("flash sale created", extra={"saleId": created.sale.sale_id, "admin": who.subject})
    return SaleView.of(created, clock.now())


lambda_handler = entrypoint(make_app(routes))
