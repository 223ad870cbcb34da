"""The catalog: GET /products, GET /products/{sku} and the admin's PUT /admin/products/{sku}."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import quote

from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from mall.api.access import ADMIN, ANY_ROLE, Caller, Routes
from mall.api.app import entrypoint, make_app
from mall.api.cursor import paged
from mall.api.wire.catalog import AdminProductView, ProductBody, ProductView
from mall.api.wire.common import Cursor, Limit, Page
from mall.domain.catalog import SKU_PATTERN
from mall.observability import logger
from mall.services.catalog import hot_shelf, product, shelf, upsert_product

routes = Routes()

Sku = Annotated[str, Path(pattern=SKU_PATTERN, description="letters, digits, '.', '_' or '-'")]
Category = Annotated[str | None, Query(max_length=64, description="only this category")]
Text = Annotated[str | None, Query(max_length=64, description="text in the name, any case")]
Sort = Annotated[
    Literal["hot"] | None,
    Query(description="hot: most units redeemed in the last 7 business days first (see redeemedLast7d)"),
]


@routes.get(
    "/products",
    allow=ANY_ROLE,
    summary="Products on the shelf, by category then sku (or the hot list)",
    tags=["catalog"],
)
def get_products(
    who: Caller,
    category: Category = None,
    q: Text = None,
    sort: Sort = None,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> Page[ProductView]:
    # Quoted so that no two (category, q) pairs share a list name, whatever ':' they contain.
    list_name = f"products:{quote(category or '', safe='')}:{quote(q or '', safe='')}"
    page = shelf
    if sort == "hot":
        list_name, page = f"{list_name}:hot", hot_shelf
    found, next_cursor = paged(who.subject, list_name, cursor, lambda at: page(category, q, limit, at))
    return Page[ProductView](items=[ProductView.of(p) for p in found], next_cursor=next_cursor)


@routes.get("/products/<sku>", allow=ANY_ROLE, summary="One product on the shelf", tags=["catalog"])
def get_product(sku: Sku) -> ProductView:
    return ProductView.of(product(sku))


@routes.put("/admin/products/<sku>", allow=ADMIN, summary="Create or replace a product", tags=["admin"])
def put_product(sku: Sku, body: ProductBody, who: Caller) -> AdminProductView:
    logger.info("product upserted", extra={"admin": who.subject, "sku": sku, "status": body.status.value})
    return AdminProductView.of(upsert_product(body.product(sku), who.actor))


lambda_handler = entrypoint(make_app(routes))
