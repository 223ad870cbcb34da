"""The catalog: GET /products, GET /products/{sku} and the admin's PUT /admin/products/{sku}."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import Field

from mall.api.app import entrypoint, make_app
from mall.api.auth import admin, anyone
from mall.api.models import Cursor, Limit, Page, WireModel
from mall.auth.tokens import Principal
from mall.domain.catalog import CATEGORY_PATTERN, SKU_PATTERN, ProductType, ShelfStatus
from mall.observability import logger
from mall.services.catalog import AdminProductView, ProductView, product, shelf, upsert_product

router = APIGatewayHttpRouter()

Sku = Annotated[str, Path(pattern=SKU_PATTERN, description="letters, digits, '.', '_' or '-'")]


class ProductBody(WireModel):
    name: str = Field(min_length=1, max_length=128)
    category: str = Field(pattern=CATEGORY_PATTERN, description="1 to 64 characters, no '#'")
    type: ProductType
    # strict: a bool or a numeric string is a wrong type here, not a number.
    points_price: int = Field(ge=0, le=1_000_000_000, strict=True)
    cash_price_fen: int = Field(ge=0, le=10_000_000_000, strict=True)
    stock: int = Field(ge=0, le=1_000_000_000, strict=True)
    status: ShelfStatus
    min_tier: str | None = Field(default=None, min_length=1, max_length=32)
    per_member_limit: int | None = Field(default=None, ge=1, le=1_000_000, strict=True)


@router.get("/products", summary="Products on the shelf, by category then sku", tags=["catalog"])
def get_products(
    who: Annotated[Principal, Depends(anyone)],
    category: Annotated[str | None, Query(max_length=64, description="only this category")] = None,
    q: Annotated[str | None, Query(max_length=64, description="text in the name, any case")] = None,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> Page[ProductView]:
    items, next_cursor = shelf(category, q, limit, cursor, who)
    return Page[ProductView](items=items, next_cursor=next_cursor)


@router.get("/products/<sku>", summary="One product on the shelf", tags=["catalog"])
def get_product(sku: Sku, who: Annotated[Principal, Depends(anyone)]) -> ProductView:
    return product(sku)


@router.put("/admin/products/<sku>", summary="Create or replace a product", tags=["admin"])
def put_product(sku: Sku, body: ProductBody, who: Annotated[Principal, Depends(admin)]) -> AdminProductView:
    logger.info("product upserted", extra={"admin": who.subject, "sku": sku, "status": body.status.value})
    return upsert_product(sku, body.model_dump())


app = make_app(router)
lambda_handler = entrypoint(app)
