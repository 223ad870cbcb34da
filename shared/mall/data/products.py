"""Product items: the only code that reads or writes them (and the shelf index over them)."""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import BooleanAttribute, UnicodeAttribute

from mall.data import dynamo
from mall.data.dynamo import IntegerAttribute, Item, Key, Raw
from mall.data.transaction import Transaction
from mall.domain.catalog import Product, ProductType, ShelfStatus

SHELF_INDEX = "ShelfIndex"
SHELF_PK = "SHELF"
_CATALOG_FIELDS = (
    "sku",
    "name",
    "category",
    "type",
    "points_price",
    "cash_price_fen",
    "stock",
    "status",
    "min_tier",
    "per_member_limit",
    "review_required",
    "updated_at",
    "shelf_pk",
    "shelf_sk",
)
_DERIVED = ("updated_at", "shelf_pk", "shelf_sk")  # follow from the rest, or from when it was written


class ProductItem(Item):
    """`PRODUCT#<sku>` / `PRODUCT`; on the keys-only ShelfIndex while on the shelf, so a stock write
    never touches the index."""

    sku = UnicodeAttribute()
    name = UnicodeAttribute()
    category = UnicodeAttribute()
    type = UnicodeAttribute()
    points_price = IntegerAttribute(attr_name="pointsPrice")
    cash_price_fen = IntegerAttribute(attr_name="cashPriceFen")
    stock = IntegerAttribute()
    status = UnicodeAttribute()
    min_tier = UnicodeAttribute(attr_name="minTier", null=True)
    per_member_limit = IntegerAttribute(attr_name="perMemberLimit", null=True)
    review_required = BooleanAttribute(attr_name="reviewRequired", null=True)  # absent: no review
    updated_at = UnicodeAttribute(attr_name="updatedAt", null=True)
    shelf_pk = UnicodeAttribute(attr_name="SHELF_PK", null=True)
    shelf_sk = UnicodeAttribute(attr_name="SHELF_SK", null=True)


def product_key(sku: str) -> Key:
    return f"PRODUCT#{sku}", "PRODUCT"


def _sku_of(pk: str) -> str:
    return pk.removeprefix("PRODUCT#")


def to_product(item: ProductItem) -> Product:
    return Product(
        sku=item.sku,
        name=item.name,
        category=item.category,
        type=ProductType(item.type),
        points_price=item.points_price,
        cash_price_fen=item.cash_price_fen,
        stock=item.stock,
        status=ShelfStatus(item.status),
        min_tier=item.min_tier,
        per_member_limit=item.per_member_limit,
        review_required=bool(item.review_required),
    )


def decode(raw: Raw | None) -> Product | None:
    item = dynamo.decode(ProductItem, raw)
    return to_product(item) if item else None


def _catalog_item(product: Product, updated_at: str | None) -> ProductItem:
    on_shelf = product.on_shelf
    return ProductItem(
        *product_key(product.sku),
        sku=product.sku,
        name=product.name,
        category=product.category,
        type=product.type.value,
        points_price=product.points_price,
        cash_price_fen=product.cash_price_fen,
        stock=product.stock,
        status=product.status.value,
        min_tier=product.min_tier,
        per_member_limit=product.per_member_limit,
        review_required=True if product.review_required else None,
        updated_at=updated_at,
        # Sparse index: only products on the shelf carry its keys.
        shelf_pk=SHELF_PK if on_shelf else None,
        shelf_sk=f"{product.category}#{product.sku}" if on_shelf else None,
    )


def _as_read(previous: Product | None) -> Any:
    """The stored product still has the catalog fields it was read with, so two admins' changes cannot
    both record the same `before`. Not the stock: redemptions move it all the time, and an admin must be
    able to restock in a rush (the audit's stock `before` is the stock as read)."""
    if previous is None:
        return ProductItem.PK.does_not_exist()
    item = _catalog_item(previous, None)
    condition = ProductItem.PK.exists()
    for name in (f for f in _CATALOG_FIELDS if f not in _DERIVED and f != "stock"):
        attribute, value = getattr(ProductItem, name), getattr(item, name)
        condition &= attribute.does_not_exist() if value is None else attribute == value
    return condition


def put_product(product: Product, updated_at: str, previous: Product | None, also: Transaction) -> None:
    """Admin upsert: every catalog field (stock included) is set to the given value, only if the product
    is still `previous` (what the caller read and records as before; `LostRace` otherwise).

    An update rather than a put, so attributes other features keep on the item survive."""
    item = _catalog_item(product, updated_at)
    actions = dynamo.assign(item, _CATALOG_FIELDS)
    Transaction().update("product", item, actions, condition=_as_read(previous)).extend(also).commit()


def get_product(sku: str) -> Product | None:
    item = dynamo.get(ProductItem, product_key(sku))
    return to_product(item) if item else None


def get_many(skus: list[str]) -> dict[str, Product]:
    """Products by sku (unknown skus are absent), consistent reads via BatchGetItem."""
    found = dynamo.batch_get([product_key(sku) for sku in skus])
    return {p.sku: p for p in (to_product(ProductItem.from_raw_data(raw)) for raw in found.values())}


def shelf_page(
    category: str | None, limit: int, start: str | None
) -> tuple[list[tuple[str, Product]], str | None]:
    """Up to `limit` shelf entries after position `start`, in category then sku order.

    Returns (position, product) pairs and the position to continue after (None at the end). The
    index is eventually consistent and keys only, so each product is read from its item and kept only
    if the item says it is on the shelf; a page may therefore hold fewer than `limit` products."""
    request: dict[str, Any] = {
        "TableName": dynamo.table(),
        "IndexName": SHELF_INDEX,
        "KeyConditionExpression": "SHELF_PK = :shelf",
        "ExpressionAttributeValues": {":shelf": {"S": SHELF_PK}},
        "Limit": limit + 1,  # one more than asked tells whether anything follows, without an empty last page
    }
    if category:
        request["KeyConditionExpression"] += " AND begins_with(SHELF_SK, :prefix)"
        request["ExpressionAttributeValues"][":prefix"] = {"S": f"{category}#"}
    if start is not None:
        sku = start.rsplit("#", 1)[-1]  # neither category nor sku may contain '#'
        pk, sk = product_key(sku)
        request["ExclusiveStartKey"] = {
            "SHELF_PK": {"S": SHELF_PK},
            "SHELF_SK": {"S": start},
            "PK": {"S": pk},
            "SK": {"S": sk},
        }
    response = dynamo.client().query(**request)
    keys = [dynamo.plain(dict(k)) for k in response.get("Items", [])]
    next_position: str | None = None
    if len(keys) > limit:
        keys = keys[:limit]
        next_position = str(keys[-1]["SHELF_SK"])
    elif response.get("LastEvaluatedKey"):  # the 1 MB page cap ended the query early
        next_position = str(dynamo.plain(dict(response["LastEvaluatedKey"]))["SHELF_SK"])
    products = get_many([_sku_of(str(k["PK"])) for k in keys])
    entries = [
        (str(k["SHELF_SK"]), product)
        for k in keys
        if (product := products.get(_sku_of(str(k["PK"])))) is not None and product.on_shelf
    ]
    return entries, next_position


def shelf_positions(category: str | None) -> list[str]:
    """Every shelf position (`<category>#<sku>`), of one category or all: the keys-only index read to
    the end (a few thousand products fit one page), for orders other than the index's own."""
    request: dict[str, Any] = {
        "TableName": dynamo.table(),
        "IndexName": SHELF_INDEX,
        "KeyConditionExpression": "SHELF_PK = :shelf",
        "ExpressionAttributeValues": {":shelf": {"S": SHELF_PK}},
        "ProjectionExpression": "SHELF_SK",
    }
    if category:
        request["KeyConditionExpression"] += " AND begins_with(SHELF_SK, :prefix)"
        request["ExpressionAttributeValues"][":prefix"] = {"S": f"{category}#"}
    positions: list[str] = []
    while True:
        response = dynamo.client().query(**request)
        positions.extend(str(raw["SHELF_SK"]["S"]) for raw in response.get("Items", []))
        if "LastEvaluatedKey" not in response:
            return positions
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def sku_at(position: str) -> str:
    """The sku of a shelf position (neither category nor sku may contain '#')."""
    return position.rsplit("#", 1)[-1]


def take_stock(sku: str, quantity: int) -> Transaction:
    """Take `quantity` units, only while the product is on the shelf with that many left (else the
    decision was made on stale stock: `LostRace`, and a fresh read answers why)."""
    if quantity < 1:
        raise ValueError("quantity must be at least 1")
    item = ProductItem(*product_key(sku))
    condition = (
        ProductItem.PK.exists()
        & (ProductItem.stock >= quantity)
        & (ProductItem.status == ShelfStatus.ON_SHELF.value)
    )
    return Transaction().update("stock", item, [ProductItem.stock.add(-quantity)], condition=condition)


def return_stock(sku: str, quantity: int) -> Transaction:
    """Give `quantity` units back (a cancelled or failed order)."""
    if quantity < 1:
        raise ValueError("quantity must be at least 1")
    item = ProductItem(*product_key(sku))
    return Transaction().update(
        "stock", item, [ProductItem.stock.add(quantity)], condition=ProductItem.PK.exists()
    )
