"""The catalog: the shelf members browse and search, single products, and the admin upsert."""

from __future__ import annotations

import time
from datetime import date, timedelta

from mall import clock
from mall.data import audit, rules_store
from mall.data import campaigns as campaign_store
from mall.data import products as store
from mall.data import stats as stats_store
from mall.data.retry import until_decided
from mall.domain.audit import Action, Actor, changed, entry, fields_of
from mall.domain.calendar import business_day
from mall.domain.catalog import Listing, Product, listing, matches
from mall.errors import ProductNotFound
from mall.settings import settings

# With `q`, most index keys may not match; read in bigger bites, and stop after a bounded number of
# keys so a rare search answers within the function's timeout (a short page still carries a cursor).
_SEARCH_PAGE = 50
_SEARCH_MAX_KEYS = 2000
HOT_DAYS = 7  # the hot list counts units redeemed in the last 7 business days, today included
# Every shelf request reads the week's 7 count items: kept per container this long (and no longer than
# the rules are: the local stack's 1 s, none in tests), so a rush of readers does not make those items
# hot; the contract allows the hot list 10 seconds to catch up.
HOT_CACHE_SECONDS = 5
_hot: dict[date, tuple[float, dict[str, int]]] = {}


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


def redeemed_last_7d() -> dict[str, int]:
    """Units redeemed per sku in the last 7 business days (the stream aggregator's per-day counts, one
    BatchGetItem, cached for HOT_CACHE_SECONDS)."""
    today = business_day(clock.now(), rules_store.current().zone)
    cached = _hot.get(today)
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    counts = stats_store.units_redeemed([today - timedelta(days=n) for n in range(HOT_DAYS)])
    _hot.clear()
    _hot[today] = (time.monotonic() + min(HOT_CACHE_SECONDS, settings().rules_cache_seconds), counts)
    return counts


def _listings(products: list[Product]) -> list[Listing]:
    """As members see them now: the campaign price (from the cached campaign list) and the week's count."""
    campaigns, now, counts = campaign_store.current(), clock.now(), redeemed_last_7d()
    return [listing(p, campaigns, now, counts.get(p.sku, 0)) for p in products]


def product(sku: str) -> Listing:
    found = store.get_product(sku)
    if found is None or not found.on_shelf:
        raise ProductNotFound(f"product {sku} not found")
    return _listings([found])[0]


def shelf(
    category: str | None, q: str | None, limit: int, position: str | None
) -> tuple[list[Listing], str | None]:
    products, next_position = _shelf(category, q, limit, position)
    return _listings(products), next_position


def _shelf(
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


_MOST = 10**12  # hot positions sort by units descending: this minus the units, zero-padded


def _hot_position(units: int, shelf_position: str) -> str:
    return f"{_MOST - min(units, _MOST):013d}#{shelf_position}"


def hot_shelf(
    category: str | None, q: str | None, limit: int, position: str | None
) -> tuple[list[Listing], str | None]:
    """One page of the shelf by units redeemed in the last 7 business days (most first, then category
    and sku), after `position`: the shelf's keys (one query) ordered by the cached weekly counts, and
    only the page's products read."""
    category, q = category or None, q or None
    counts = redeemed_last_7d()
    ordered = sorted(
        _hot_position(counts.get(store.sku_at(at), 0), at) for at in store.shelf_positions(category)
    )
    if position is not None:
        ordered = [at for at in ordered if at > position]
    found: list[tuple[str, Product]] = []
    read = 0
    while len(found) < limit and read < len(ordered) and read < _SEARCH_MAX_KEYS:
        bite = ordered[read : read + (max(limit - len(found), _SEARCH_PAGE) if q else limit - len(found))]
        read += len(bite)
        products = store.get_many([store.sku_at(at) for at in bite])
        for at in bite:
            p = products.get(store.sku_at(at))
            if p is not None and p.on_shelf and matches(p, category, q) and len(found) < limit:
                found.append((at, p))
    next_position: str | None = None
    if len(found) == limit:
        next_position = found[-1][0] if found[-1][0] != ordered[-1] else None
    elif read < len(ordered):  # a search that read its bound: go on after what it read
        next_position = ordered[read - 1]
    return _listings([p for _, p in found]), next_position
