"""The one DynamoDB client, the base item model bound to the table, and the reads every store shares.

Items are PynamoDB models (typed attributes, the account's version); PynamoDB builds each request.
Every request is still sent through one low-level client, because a redemption reads the account,
product and limit counter in one BatchGetItem across item kinds, because a cancelled transaction must
say which item failed and hand back its old value, and because the round-trip meter counts one client.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypeVar

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.config import Config
from pynamodb.attributes import Attribute, UnicodeAttribute
from pynamodb.constants import MAP, NUMBER
from pynamodb.models import Model

from mall.settings import settings

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

# Contention is handled by our own optimistic retries, so keep the SDK's own retries short.
_CONFIG = Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=2, read_timeout=5)
_serializer = TypeSerializer()
_deserializer = TypeDeserializer()

Key = tuple[str, str]
Raw = dict[str, Any]  # an item in DynamoDB's attribute-value JSON
M = TypeVar("M", bound="Item")


@lru_cache(maxsize=1)
def client() -> DynamoDBClient:
    return boto3.client("dynamodb", config=_CONFIG)


def table() -> str:
    return settings().table_name


class _BoundToSettings(type):
    """The table name comes from the function's settings (checked at cold start), not from code."""

    @property
    def table_name(cls) -> str:
        return table()


class Item(Model):
    """An item of the single table: every kind has a PK and an SK."""

    class Meta(metaclass=_BoundToSettings):
        pass

    PK = UnicodeAttribute(hash_key=True)
    SK = UnicodeAttribute(range_key=True)

    @property
    def key(self) -> Key:
        return self.PK, self.SK


class IntegerAttribute(Attribute[int]):
    """A whole number (points, fen, counts): never a float on the way in or out."""

    attr_type = NUMBER

    def serialize(self, value: int) -> str:
        return str(int(value))

    def deserialize(self, value: str) -> int:
        return int(Decimal(value))


class IntMapAttribute(Attribute[dict[str, int]]):
    """A map of names to whole numbers, e.g. lots (expiry day -> points)."""

    attr_type = MAP

    def serialize(self, value: dict[str, int]) -> dict[str, Any]:
        return {k: {"N": str(int(v))} for k, v in value.items()}

    def deserialize(self, value: dict[str, Any]) -> dict[str, int]:
        return {k: int(Decimal(v["N"])) for k, v in value.items()}


class DocumentAttribute(Attribute[dict[str, Any]]):
    """A JSON-like document (e.g. a stored first answer), kept as a DynamoDB map."""

    attr_type = MAP

    def serialize(self, value: dict[str, Any]) -> dict[str, Any]:
        return dict(_serializer.serialize(_to_dynamo(value))["M"])

    def deserialize(self, value: dict[str, Any]) -> dict[str, Any]:
        return dict(_from_dynamo(_deserializer.deserialize({"M": value})))


def _to_dynamo(v: Any) -> Any:
    if isinstance(v, float):
        return Decimal(str(v))
    if isinstance(v, dict):
        return {k: _to_dynamo(x) for k, x in v.items() if x is not None}
    if isinstance(v, list):
        return [_to_dynamo(x) for x in v]
    return v


def _from_dynamo(v: Any) -> Any:
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    if isinstance(v, dict):
        return {k: _from_dynamo(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_from_dynamo(x) for x in v]
    return v


def plain(raw: Raw) -> dict[str, Any]:
    """An item in attribute-value JSON -> plain Python values (for stream images and index keys)."""
    return {k: _from_dynamo(_deserializer.deserialize(v)) for k, v in raw.items()}


def raw_key(key: Key) -> Raw:
    return {"PK": {"S": key[0]}, "SK": {"S": key[1]}}


def get(model: type[M], key: Key, *, consistent: bool = True) -> M | None:
    response = client().get_item(TableName=table(), Key=raw_key(key), ConsistentRead=consistent)
    item = response.get("Item")
    return model.from_raw_data(dict(item)) if item else None


def decode(model: type[M], raw: Raw | None) -> M | None:
    return model.from_raw_data(raw) if raw else None


def batch_get(keys: Iterable[Key], *, consistent: bool = True) -> dict[Key, Raw]:
    """BatchGetItem of items of any kinds, in as few round trips as DynamoDB allows (100 keys each).

    Raw items by key; each caller decodes the kinds it asked for."""
    found: dict[Key, Raw] = {}
    pending: list[Raw] = [raw_key(k) for k in dict.fromkeys(keys)]
    while pending:
        response = client().batch_get_item(
            RequestItems={table(): {"Keys": pending[:100], "ConsistentRead": consistent}}  # type: ignore[typeddict-item]
        )
        for raw in response.get("Responses", {}).get(table(), []):
            found[(str(raw["PK"]["S"]), str(raw["SK"]["S"]))] = dict(raw)
        unprocessed_tables: dict[str, Any] = dict(response.get("UnprocessedKeys") or {})
        unprocessed: list[Any] = unprocessed_tables.get(table(), {}).get("Keys", [])
        pending = [dict(k) for k in unprocessed] + pending[100:]
    return found


def put(item: Item, condition: Any = None) -> None:
    """One PutItem outside a transaction."""
    client().put_item(**item.get_save_kwargs_from_instance(condition=condition))


def update(item: Item, actions: list[Any], condition: Any = None) -> None:
    """One UpdateItem outside a transaction (no version condition)."""
    kwargs = item.get_update_kwargs_from_instance(
        actions=actions, condition=condition, add_version_condition=False
    )
    client().update_item(**kwargs)


def newest_first(
    partition: str,
    limit: int,
    start: str | None,
    *,
    index: str | None = None,
    keys: tuple[str, str] = ("PK", "SK"),
    sort_prefix: str | None = None,
) -> tuple[list[Raw], str | None]:
    """One page of a partition (of the table or of `index`, whose key attributes are `keys`), newest first.

    Reads one item more than asked so the last page says so (no cursor to an empty page). The position
    is the key of the last item as JSON: only ever handed out inside a signed cursor, so it comes back
    exactly as we issued it."""
    pk_attr, sk_attr = keys
    condition = "#pk = :pk" + (" AND begins_with(#sk, :prefix)" if sort_prefix else "")
    values = {":pk": {"S": partition}} | ({":prefix": {"S": sort_prefix}} if sort_prefix else {})
    request: dict[str, Any] = {
        "TableName": table(),
        "KeyConditionExpression": condition,
        "ExpressionAttributeNames": {"#pk": pk_attr} | ({"#sk": sk_attr} if sort_prefix else {}),
        "ExpressionAttributeValues": values,
        "ScanIndexForward": False,
        "Limit": limit + 1,
    }
    if index:
        request["IndexName"] = index
    if start:
        request["ExclusiveStartKey"] = {k: {"S": v} for k, v in json.loads(start).items()}
    response = client().query(**request)
    items = [dict(i) for i in response.get("Items", [])]
    last: dict[str, str] | None = None
    if len(items) > limit:
        items = items[:limit]
        last = {k: str(items[-1][k]["S"]) for k in dict.fromkeys(("PK", "SK", pk_attr, sk_attr))}
    elif response.get("LastEvaluatedKey"):  # DynamoDB's 1 MB page cap ended the query early
        last = {k: str(v["S"]) for k, v in response["LastEvaluatedKey"].items()}
    return items, (json.dumps(last, sort_keys=True) if last else None)


def assign(item: Item, attributes: Iterable[str]) -> list[Any]:
    """Update actions that make the stored item's `attributes` equal `item`'s: SET, or REMOVE for None."""
    actions = []
    for name in attributes:
        attribute = getattr(type(item), name)
        value = getattr(item, name)
        actions.append(attribute.remove() if value is None else attribute.set(value))
    return actions


def newest_first_across(
    partitions: list[str], limit: int, start: str | None, *, index: str, keys: tuple[str, str]
) -> tuple[list[Raw], str | None]:
    """One page of several partitions of `index` merged newest first (a list sharded so that no single
    partition takes every write). The position is each partition's last sort key taken, as JSON.

    A partition whose query stopped early (its limit or the 1 MB cap) may hold items older than the
    last one read from it but newer than another partition's: the page ends at the newest such point."""
    pk_attr, sk_attr = keys
    positions: dict[str, str] = json.loads(start) if start else {}
    merged: list[tuple[str, str, Raw]] = []
    floor = ""
    for partition in partitions:
        after = positions.get(partition)
        request: dict[str, Any] = {
            "TableName": table(),
            "IndexName": index,
            "KeyConditionExpression": "#pk = :pk" + (" AND #sk < :after" if after else ""),
            "ExpressionAttributeNames": {"#pk": pk_attr, "#sk": sk_attr} if after else {"#pk": pk_attr},
            "ExpressionAttributeValues": {":pk": {"S": partition}}
            | ({":after": {"S": after}} if after else {}),
            "ScanIndexForward": False,
            "Limit": limit + 1,
        }
        response = client().query(**request)
        items = [dict(i) for i in response.get("Items", [])]
        merged.extend((str(i[sk_attr]["S"]), partition, i) for i in items)
        if response.get("LastEvaluatedKey") and items:
            floor = max(floor, str(items[-1][sk_attr]["S"]))
    merged.sort(key=lambda m: m[0], reverse=True)
    taken = [m for m in merged if m[0] >= floor][:limit]
    for sort_key, partition, _ in taken:
        positions[partition] = sort_key
    more = len(taken) < len(merged) or bool(floor)
    return [raw for _, _, raw in taken], (json.dumps(positions, sort_keys=True) if more else None)
