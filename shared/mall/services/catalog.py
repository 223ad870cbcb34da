"""The catalog: the shelf members browse and search, single products, and the admin upsert."""

from __future__ import annotations

from mall import clock
from mall.data import audit
from mall.data import products as store
from mall.data.retry import until_decided
from mall.domain.audit import Action, Actor, changed, entry, fields_of
from mall.domain.catalog import Product, matches
from mall.errors import ProductNotFound

# With `q`, most index keys may not match; read in bigger bites, and stop after a bounded number of
# keys so a rare search answers within the function's timeout (a short page still carries a cursor).
_SEARCH_PAGE = 50
_SEARCH_MAX_KEYS = 2000


def upsert_product(product: Product, by: Actor) -> Product:
    """Create or replace a product (stock set to the given value), audited with what it replaced."""

    def attempt() -> Product:
        previous, now = store.get_product(product.sku), clock.now()
        if previous is None:
            before, after = None, fields_of(product)
        else:
            before, after = changed(fields_of(previous), fields_of(product))
        record = entry(Action.PRODUCT_PUT, by, f"product:{product.sku}", now, before=before, after=after)
        store.put_product(product, now.isoformat(timespec="seconds"), previous, audit.record(record))
        return product

    return until_decided(attempt)


def product(sku: str) -> Product:
    found = store.get_product(sku)
    if found is None or not found.on_shelf:
        raise ProductNotFound(f"product {sku} not found")
    return found


def shelf(
    category: str | None, q: str | None, limit: int, position: str | None
) -> tuple[list[Product], str | None]:
    """One page of products on the shelf after `position`, by category then sku; `q` filters names."""
    category, q = category or None, q or None  # `?category=` means no filter
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
    return found, position
