"""Handler tests for the catalog (moto in-process): admin upsert, the shelf, search, paging, stock items."""

from __future__ import annotations

from typing import Any

import pytest

from mall.data import products as store
from mall.data.transaction import LostRace
from mall.services import catalog
from tests.conftest import Invoke, Tokens

# The contract's fields of a product on the shelf.
VIEW_FIELDS = {
    *("sku", "name", "category", "type"),
    *("pointsPrice", "cashPriceFen", "stock", "minTier", "perMemberLimit"),
    *("reviewRequired", "listPointsPrice", "redeemedLast7d"),  # spending beyond the catalog
}


def product_body(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "Tea Cup",
        "category": "home",
        "type": "PHYSICAL",
        "pointsPrice": 500,
        "cashPriceFen": 0,
        "stock": 10,
        "status": "ON_SHELF",
        **overrides,
    }


def put(invoke: Invoke, admin: str, sku: str, **overrides: Any) -> tuple[int, Any]:
    return invoke("catalog", "PUT", f"/admin/products/{sku}", product_body(**overrides), admin)


def stock_up(invoke: Invoke, admin: str) -> None:
    """A small shelf: two categories, one product off the shelf."""
    for sku, name, category, status in [
        ("cup-1", "Tea Cup", "home", "ON_SHELF"),
        ("cup-2", "Coffee CUP", "home", "ON_SHELF"),
        ("lamp-1", "Desk Lamp", "home", "OFF_SHELF"),
        ("vip-1", "VIP Coupon", "vouchers", "ON_SHELF"),
        ("vip-2", "Movie Ticket", "vouchers", "ON_SHELF"),
    ]:
        assert put(invoke, admin, sku, name=name, category=category, status=status)[0] == 200


def skus(page: dict[str, Any]) -> list[str]:
    return [item["sku"] for item in page["items"]]


def test_admin_put_creates_then_updates_a_product(invoke: Invoke, tokens: Tokens) -> None:
    admin = tokens.admin()
    status, created = put(invoke, admin, "cup-1", minTier="GOLD", perMemberLimit=2)
    assert status == 200
    assert created == {
        "sku": "cup-1",
        "name": "Tea Cup",
        "category": "home",
        "type": "PHYSICAL",
        "pointsPrice": 500,
        "cashPriceFen": 0,
        "stock": 10,
        "minTier": "GOLD",
        "perMemberLimit": 2,
        "reviewRequired": False,
        "status": "ON_SHELF",
    }
    # A second PUT replaces the fields, stock included; optional fields left out become null.
    status, updated = put(
        invoke, admin, "cup-1", name="Big Tea Cup", stock=3, type="VIRTUAL", cashPriceFen=990
    )
    assert status == 200
    status, shown = invoke("catalog", "GET", "/products/cup-1", token=tokens.member("alice"))
    assert status == 200
    # Members also see the usual price next to the price now, and the week's redemptions.
    listed = {"listPointsPrice": updated["pointsPrice"], "redeemedLast7d": 0}
    assert shown == {k: v for k, v in updated.items() if k != "status"} | listed
    assert shown["name"] == "Big Tea Cup" and shown["stock"] == 3 and shown["cashPriceFen"] == 990
    assert shown["minTier"] is None and shown["perMemberLimit"] is None


def test_put_requires_an_admin_token(invoke: Invoke, tokens: Tokens) -> None:
    status, body = invoke("catalog", "PUT", "/admin/products/cup-1", product_body())
    assert (status, body["error"]["code"]) == (401, "UNAUTHENTICATED")
    for token in (tokens.member("alice"), tokens.service()):
        status, body = invoke("catalog", "PUT", "/admin/products/cup-1", product_body(), token)
        assert (status, body["error"]["code"]) == (403, "FORBIDDEN")
    assert invoke("catalog", "GET", "/products/cup-1", token=tokens.admin())[0] == 404


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": None}, "name"),
        ({"pointsPrice": -1}, "pointsPrice"),
        ({"pointsPrice": "5"}, "pointsPrice"),
        ({"stock": True}, "stock"),
        ({"stock": 1.5}, "stock"),
        ({"type": "DIGITAL"}, "type"),
        ({"status": "SOLD"}, "status"),
        ({"category": "a#b"}, "category"),
        ({"perMemberLimit": 0}, "perMemberLimit"),
        ({"reviewRequired": "yes"}, "reviewRequired"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_put_rejects_an_invalid_body_naming_the_field(
    invoke: Invoke, tokens: Tokens, change: dict[str, Any], field: str
) -> None:
    body = {k: v for k, v in (product_body() | change).items() if v is not None}
    status, answer = invoke("catalog", "PUT", "/admin/products/cup-1", body, tokens.admin())
    assert status == 400
    assert answer["error"]["code"] == "VALIDATION_ERROR"
    assert field in answer["error"]["message"]


def test_put_rejects_malformed_json_and_a_bad_sku(invoke: Invoke, tokens: Tokens) -> None:
    admin = tokens.admin()
    status, answer = invoke("catalog", "PUT", "/admin/products/cup-1", "{nope", admin)
    assert (status, answer["error"]["code"]) == (400, "VALIDATION_ERROR")
    status, answer = invoke("catalog", "PUT", "/admin/products/" + "x" * 65, product_body(), admin)
    assert (status, answer["error"]["code"]) == (400, "VALIDATION_ERROR")
    assert "sku" in answer["error"]["message"]


def test_list_shows_only_products_on_the_shelf(invoke: Invoke, tokens: Tokens) -> None:
    admin = tokens.admin()
    stock_up(invoke, admin)
    assert invoke("catalog", "GET", "/products")[0] == 401
    status, page = invoke("catalog", "GET", "/products", token=tokens.member("alice"))
    assert status == 200
    assert skus(page) == ["cup-1", "cup-2", "vip-1", "vip-2"]
    assert page["nextCursor"] is None
    assert set(page["items"][0]) == VIEW_FIELDS
    # Taking a product off the shelf removes it from the list; putting it back returns it.
    put(invoke, admin, "cup-2", name="Coffee CUP", status="OFF_SHELF")
    put(invoke, admin, "lamp-1", name="Desk Lamp", status="ON_SHELF")
    assert skus(invoke("catalog", "GET", "/products", token=admin)[1]) == [
        "cup-1",
        "lamp-1",
        "vip-1",
        "vip-2",
    ]


def test_category_filter_and_case_insensitive_search(invoke: Invoke, tokens: Tokens) -> None:
    stock_up(invoke, tokens.admin())
    alice = tokens.member("alice")

    def listed(**query: str) -> list[str]:
        status, page = invoke("catalog", "GET", "/products", token=alice, query=query)
        assert status == 200, page
        return skus(page)

    assert listed(category="vouchers") == ["vip-1", "vip-2"]
    assert listed(category="home") == ["cup-1", "cup-2"]
    assert listed(category="hom") == []  # a category is matched whole, not as a prefix
    assert listed(q="cup") == ["cup-1", "cup-2"]
    assert listed(q="CoUpOn") == ["vip-1"]
    assert listed(q="cup", category="vouchers") == []
    assert listed(q="lamp") == []  # off the shelf
    assert listed(category="", q="") == ["cup-1", "cup-2", "vip-1", "vip-2"]


def test_pages_with_limit_and_cursor(invoke: Invoke, tokens: Tokens, monkeypatch: pytest.MonkeyPatch) -> None:
    admin = tokens.admin()
    for n in range(7):
        put(invoke, admin, f"p-{n}", name=f"Mug {n}" if n % 2 == 0 else f"Pen {n}")
    alice, bob = tokens.member("alice"), tokens.member("bob")

    def walk(query: dict[str, str]) -> tuple[list[list[str]], str | None]:
        pages, cursor, last = [], None, None
        while True:
            status, page = invoke(
                "catalog",
                "GET",
                "/products",
                token=alice,
                query=query | ({"cursor": cursor} if cursor else {}),
            )
            assert status == 200, page
            pages.append(skus(page))
            last, cursor = cursor, page["nextCursor"]
            if cursor is None:
                return pages, last

    pages, cursor = walk({"limit": "3"})
    assert pages == [["p-0", "p-1", "p-2"], ["p-3", "p-4", "p-5"], ["p-6"]]
    # A search reads on until it has a full page, and ends without an empty last page.
    assert walk({"limit": "2", "q": "mug"})[0] == [["p-0", "p-2"], ["p-4", "p-6"]]
    assert walk({"limit": "3", "q": "PEN"})[0] == [["p-1", "p-3", "p-5"]]
    # Reading the index a key at a time finds the same items. A page that fills up on the last key read
    # then hands out a cursor to an empty page: proving that no match follows would mean reading on.
    monkeypatch.setattr(catalog, "_SEARCH_PAGE", 1)
    assert walk({"limit": "2", "q": "mug"})[0] == [["p-0", "p-2"], ["p-4", "p-6"]]  # p-6 ends the shelf
    assert walk({"limit": "3", "q": "PEN"})[0] == [["p-1", "p-3", "p-5"], []]
    assert walk({"limit": "4", "q": "PEN"})[0] == [["p-1", "p-3", "p-5"]]

    assert cursor is not None
    for token, query in [
        (alice, {"cursor": cursor[:-2] + ("xx" if not cursor.endswith("xx") else "yy")}),  # edited
        (alice, {"cursor": "garbage"}),
        (bob, {"cursor": cursor}),  # issued to someone else
        (alice, {"cursor": cursor, "category": "home"}),  # issued for another list
        (alice, {"limit": "0"}),
        (alice, {"limit": "101"}),
    ]:
        status, answer = invoke("catalog", "GET", "/products", token=token, query=query)
        assert (status, answer["error"]["code"]) == (400, "VALIDATION_ERROR"), query


def test_get_one_product_and_404_when_off_shelf_or_unknown(invoke: Invoke, tokens: Tokens) -> None:
    admin = tokens.admin()
    stock_up(invoke, admin)
    alice = tokens.member("alice")
    status, body = invoke("catalog", "GET", "/products/vip-1", token=alice)
    assert status == 200
    assert body["sku"] == "vip-1" and body["category"] == "vouchers" and body["name"] == "VIP Coupon"
    for sku in ("lamp-1", "nope"):
        status, body = invoke("catalog", "GET", f"/products/{sku}", token=alice)
        assert (status, body["error"]["code"]) == (404, "PRODUCT_NOT_FOUND")
    assert invoke("catalog", "GET", "/products/vip-1")[0] == 401


def test_stock_writes_never_take_stock_below_zero(invoke: Invoke, tokens: Tokens) -> None:
    admin = tokens.admin()
    put(invoke, admin, "cup-1", stock=2)
    put(invoke, admin, "lamp-1", status="OFF_SHELF", stock=5)

    store.take_stock("cup-1", 2).commit()
    for refused in (
        store.take_stock("cup-1", 1),  # out of stock
        store.take_stock("lamp-1", 1),  # off the shelf
        store.take_stock("ghost", 1),  # unknown
        store.return_stock("ghost", 1),
    ):
        with pytest.raises(LostRace):  # the decision was made on stock that is not there: decide again
            refused.commit()
    store.return_stock("cup-1", 1).commit()
    product = store.get_product("cup-1")
    assert product is not None and product.stock == 1
    with pytest.raises(ValueError, match="quantity"):
        store.take_stock("cup-1", 0)
