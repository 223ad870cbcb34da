"""Product items: the only code that reads or writes them (and the shelf index over them)."""

from __future__ import annotations

from typing import Any

from mall.data import dynamo
from mall.domain.catalog import Product, ProductType, ShelfStatus

SHELF_INDEX = "ShelfIndex"
SHELF_PK = "SHELF"


def product_key(sku: str) -> tuple[str, str]:
    return f"PRODUCT#{sku}", "PRODUCT"


def _key(sku: str) -> dict[str, Any]:
    pk, sk = product_key(sku)
    return dynamo.to_item({"PK": pk, "SK": sk})


def _sku_of(pk: str) -> str:
    return pk.removeprefix("PRODUCT#")


def _shelf_sk(product: Product) -> str:
    return f"{product.category}#{product.sku}"


def to_product(item: dict[str, Any]) -> Product:
    return Product(
        sku=item["sku"],
        name=item["name"],
        category=item["category"],
        type=ProductType(item["type"]),
        points_price=int(item["pointsPrice"]),
        cash_price_fen=int(item["cashPriceFen"]),
        stock=int(item["stock"]),
        status=ShelfStatus(item["status"]),
        min_tier=item.get("minTier"),
        per_member_limit=item.get("perMemberLimit"),
    )


def put_product(product: Product, updated_at: str) -> None:
    """Admin upsert: every catalog field (stock included) is set to the given value.

    An UpdateItem rather than a PutItem, so attributes other features keep on the item survive."""
    on_shelf = product.on_shelf
    fields: dict[str, Any] = {
        "sku": product.sku,
        "name": product.name,
        "category": product.category,
        "type": product.type.value,
        "pointsPrice": product.points_price,
        "cashPriceFen": product.cash_price_fen,
        "stock": product.stock,
        "status": product.status.value,
        "minTier": product.min_tier,
        "perMemberLimit": product.per_member_limit,
        "updatedAt": updated_at,
        # Sparse index: only products on the shelf carry its keys.
        "SHELF_PK": SHELF_PK if on_shelf else None,
        "SHELF_SK": _shelf_sk(product) if on_shelf else None,
    }
    sets = {k: v for k, v in fields.items() if v is not None}
    removes = [k for k, v in fields.items() if v is None]
    expression = "SET " + ", ".join(f"#{k} = :{k}" for k in sets)
    if removes:
        expression += " REMOVE " + ", ".join(f"#{k}" for k in removes)
    dynamo.client().update_item(
        TableName=dynamo.table(),
        Key=_key(product.sku),
        UpdateExpression=expression,
        ExpressionAttributeNames={f"#{k}": k for k in fields},
        ExpressionAttributeValues={f":{k}": dynamo.value(v) for k, v in sets.items()},
    )


def get_product(sku: str) -> Product | None:
    item = dynamo.get(*product_key(sku))
    return to_product(item) if item else None


def get_many(skus: list[str]) -> dict[str, Product]:
    """Products by sku (unknown skus are absent), consistent reads via BatchGetItem."""
    items = dynamo.batch_get([product_key(sku) for sku in skus])
    return {product.sku: product for product in map(to_product, items.values())}


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
        "ExpressionAttributeValues": {":shelf": dynamo.value(SHELF_PK)},
        "Limit": limit + 1,  # one more than asked tells whether anything follows, without an empty last page
    }
    if category:
        request["KeyConditionExpression"] += " AND begins_with(SHELF_SK, :prefix)"
        request["ExpressionAttributeValues"][":prefix"] = dynamo.value(f"{category}#")
    if start is not None:
        sku = start.rsplit("#", 1)[-1]  # neither category nor sku may contain '#'
        pk, sk = product_key(sku)
        request["ExclusiveStartKey"] = dynamo.to_item(
            {"SHELF_PK": SHELF_PK, "SHELF_SK": start, "PK": pk, "SK": sk}
        )
    response = dynamo.client().query(**request)
    keys = [dynamo.from_item(dict(k)) for k in response.get("Items", [])]
    next_position: str | None = None
    if len(keys) > limit:
        keys = keys[:limit]
        next_position = str(keys[-1]["SHELF_SK"])
    elif response.get("LastEvaluatedKey"):  # the 1 MB page cap ended the query early
        next_position = str(dynamo.from_item(dict(response["LastEvaluatedKey"]))["SHELF_SK"])
    products = get_many([_sku_of(str(k["PK"])) for k in keys])
    entries = [
        (str(k["SHELF_SK"]), product)
        for k in keys
        if (product := products.get(_sku_of(str(k["PK"])))) is not None and product.on_shelf
    ]
    return entries, next_position


def take_stock_item(sku: str, quantity: int) -> dict[str, Any]:
    """A TransactWriteItems Update taking `quantity` units; it fails (ConditionalCheckFailed, old item
    returned to tell why) if the product is unknown, off the shelf or short of stock."""
    if quantity < 1:
        raise ValueError("quantity must be at least 1")
    return dynamo.add(
        *product_key(sku),
        "stock",
        -quantity,
        condition="attribute_exists(PK) AND #c >= :q AND #status = :on",
        values={":q": quantity, ":on": ShelfStatus.ON_SHELF.value},
        names={"#status": "status"},
    )


def return_stock_item(sku: str, quantity: int) -> dict[str, Any]:
    """A TransactWriteItems Update giving `quantity` units back (a cancelled or failed order)."""
    if quantity < 1:
        raise ValueError("quantity must be at least 1")
    return dynamo.add(*product_key(sku), "stock", quantity, condition="attribute_exists(PK)")
