"""The catalog: the shelf members browse and search, single products, and the admin upsert."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from mall import clock
from mall.api import cursor
from mall.api.models import WireModel
from mall.auth.tokens import Principal
from mall.data import products as store
from mall.domain.catalog import Product, ProductType, ShelfStatus, matches
from mall.errors import ProductNotFound

# With `q`, most index keys may not match; read in bigger bites, and stop after a bounded number of
# keys so a rare search answers within the function's timeout (a short page still carries a cursor).
_SEARCH_PAGE = 50
_SEARCH_MAX_KEYS = 2000


class ProductView(WireModel):
    sku: str
    name: str
    category: str
    type: ProductType
    points_price: int
    cash_price_fen: int
    stock: int
    min_tier: str | None
    per_member_limit: int | None


class AdminProductView(ProductView):
    status: ShelfStatus


def _view(product: Product) -> ProductView:
    return ProductView(
        sku=product.sku,
        name=product.name,
        category=product.category,
        type=product.type,
        points_price=product.points_price,
        cash_price_fen=product.cash_price_fen,
        stock=product.stock,
        min_tier=product.min_tier,
        per_member_limit=product.per_member_limit,
    )


def upsert_product(sku: str, body: Mapping[str, Any]) -> AdminProductView:
    """Create or replace a product (stock set to the given value); `body` holds Product's other fields."""
    product = Product(sku=sku, **body)
    store.put_product(product, clock.now().isoformat(timespec="seconds"))
    return AdminProductView(**_view(product).model_dump(), status=product.status)


def product(sku: str) -> ProductView:
    found = store.get_product(sku)
    if found is None or not found.on_shelf:
        raise ProductNotFound(f"product {sku} not found")
    return _view(found)


def _list_name(category: str | None, q: str | None) -> str:
    # Quoted so that no two (category, q) pairs share a name, whatever ':' they contain.
    return f"products:{quote(category or '', safe='')}:{quote(q or '', safe='')}"


def shelf(
    category: str | None, q: str | None, limit: int, page_cursor: str | None, caller: Principal
) -> tuple[list[ProductView], str | None]:
    """One page of products on the shelf, by category then sku; `q` filters names (any case)."""
    category, q = category or None, q or None  # `?category=` means no filter
    list_name = _list_name(category, q)
    position = cursor.decode(page_cursor, caller.subject, list_name)
    found: list[Product] = []
    scanned = 0
    while True:
        size = max(limit - len(found), _SEARCH_PAGE) if q else limit - len(found)
        entries, next_position = store.shelf_page(category, size, position)
        scanned += size
        hits = [(at, p) for at, p in entries if matches(p, category, q)]
        if len(found) + len(hits) >= limit:
            taken = hits[: limit - len(found)]
            found.extend(p for _, p in taken)
            # Resume after the last product returned, unless nothing can follow it.
            more = len(hits) > len(taken) or next_position is not None
            position = taken[-1][0] if more else None
            break
        found.extend(p for _, p in hits)
        position = next_position
        if position is None or scanned >= _SEARCH_MAX_KEYS:
            break
    return [_view(p) for p in found], cursor.encode(caller.subject, list_name, position)
