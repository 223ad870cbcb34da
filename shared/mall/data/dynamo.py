"""The DynamoDB client, attribute (de)serialisation and transaction errors, in one place."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.config import Config
from botocore.exceptions import ClientError

from mall.settings import settings

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()

# Contention is handled by our own optimistic retries, so keep the SDK's own retries short.
_CONFIG = Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=2, read_timeout=5)


@lru_cache(maxsize=1)
def client() -> DynamoDBClient:
    return boto3.client("dynamodb", config=_CONFIG)


def table() -> str:
    return settings().table_name


def to_item(values: dict[str, Any]) -> dict[str, Any]:
    """Python values -> DynamoDB attribute values; None values are left out."""
    return {k: _serializer.serialize(_plain(v)) for k, v in values.items() if v is not None}


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _python(_deserializer.deserialize(v)) for k, v in item.items()}


def value(v: Any) -> dict[str, Any]:
    return dict(_serializer.serialize(_plain(v)))


def _plain(v: Any) -> Any:
    if isinstance(v, float):
        return Decimal(str(v))
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_plain(x) for x in v]
    return v


def _python(v: Any) -> Any:
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    if isinstance(v, dict):
        return {k: _python(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_python(x) for x in v]
    if isinstance(v, set):
        return {_python(x) for x in v}
    return v


@dataclass(frozen=True)
class Reason:
    """Why one item of a cancelled transaction failed (code as DynamoDB gives it, old item if asked)."""

    code: str
    item: dict[str, Any] | None


class TransactionFailed(Exception):
    def __init__(self, reasons: list[Reason]) -> None:
        super().__init__(", ".join(r.code for r in reasons))
        self.reasons = reasons

    def failed_at(self, index: int) -> bool:
        return index < len(self.reasons) and self.reasons[index].code == "ConditionalCheckFailed"

    @property
    def conflicted(self) -> bool:
        """Another writer got there first: re-read and decide again."""
        return any(r.code in ("TransactionConflict", "ThrottlingError") for r in self.reasons)


def transact(items: list[dict[str, Any]]) -> None:
    """One TransactWriteItems; cancellation becomes TransactionFailed with per-item reasons."""
    try:
        client().transact_write_items(TransactItems=items)  # type: ignore[arg-type]
    except ClientError as exc:
        error = exc.response.get("Error", {}).get("Code")
        if error == "TransactionCanceledException":
            raw = exc.response.get("CancellationReasons", [])
            raise TransactionFailed(
                [
                    Reason(r.get("Code", "None"), from_item(dict(r["Item"])) if r.get("Item") else None)
                    for r in raw
                ]
            ) from exc
        if error in ("TransactionConflictException", "TransactionInProgressException"):
            raise TransactionFailed([Reason("TransactionConflict", None)]) from exc
        raise


def add(
    pk: str,
    sk: str,
    counter: str,
    amount: int,
    *,
    condition: str | None = None,
    values: dict[str, Any] | None = None,
    names: dict[str, str] | None = None,
    also_set: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A transaction Update adding `amount` to `counter` (written `#c` in `condition`), optionally only
    while `condition` holds; the old item comes back on failure so callers can tell why."""
    expression = "ADD #c :amount"
    if also_set:
        expression += " SET " + ", ".join(f"#{k} = :{k}" for k in also_set)
    request: dict[str, Any] = {
        "TableName": table(),
        "Key": to_item({"PK": pk, "SK": sk}),
        "UpdateExpression": expression,
        "ExpressionAttributeNames": {"#c": counter} | (names or {}) | {f"#{k}": k for k in also_set or {}},
        "ExpressionAttributeValues": {":amount": value(amount)}
        | {k: value(v) for k, v in (values or {}).items()}
        | {f":{k}": value(v) for k, v in (also_set or {}).items()},
    }
    if condition:
        request["ConditionExpression"] = condition
        request["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
    return {"Update": request}


def newest_first(
    partition: str,
    limit: int,
    start: str | None,
    *,
    index: str | None = None,
    keys: tuple[str, str] = ("PK", "SK"),
    sort_prefix: str | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of a partition (of the table or of `index`, whose key attributes are `keys`), newest first.

    Reads one item more than asked so the last page says so (no cursor to an empty page). The position
    is the key of the last item as JSON: only ever handed out inside a signed cursor, so it comes back
    exactly as we issued it."""
    pk_attr, sk_attr = keys
    condition = "#pk = :pk" + (" AND begins_with(#sk, :prefix)" if sort_prefix else "")
    request: dict[str, Any] = {
        "TableName": table(),
        "KeyConditionExpression": condition,
        "ExpressionAttributeNames": {"#pk": pk_attr} | ({"#sk": sk_attr} if sort_prefix else {}),
        "ExpressionAttributeValues": to_item(
            {":pk": partition} | ({":prefix": sort_prefix} if sort_prefix else {})
        ),
        "ScanIndexForward": False,
        "Limit": limit + 1,
    }
    if index:
        request["IndexName"] = index
    if start:
        request["ExclusiveStartKey"] = to_item(json.loads(start))
    response = client().query(**request)
    items = [from_item(dict(i)) for i in response.get("Items", [])]
    last: dict[str, Any] | None = None
    if len(items) > limit:
        items = items[:limit]
        last = {k: items[-1][k] for k in dict.fromkeys(("PK", "SK", pk_attr, sk_attr))}
    elif response.get("LastEvaluatedKey"):  # DynamoDB's 1 MB page cap ended the query early
        last = from_item(dict(response["LastEvaluatedKey"]))
    return items, (json.dumps(last, sort_keys=True) if last else None)


def get(pk: str, sk: str, *, consistent: bool = True) -> dict[str, Any] | None:
    response = client().get_item(
        TableName=table(), Key=to_item({"PK": pk, "SK": sk}), ConsistentRead=consistent
    )
    item = response.get("Item")
    return from_item(dict(item)) if item else None


def put(values: dict[str, Any], condition: str | None = None) -> dict[str, Any]:
    """A Put for a transaction (or for put_item): the item must not exist yet unless told otherwise."""
    request: dict[str, Any] = {"TableName": table(), "Item": to_item(values)}
    request["ConditionExpression"] = condition or "attribute_not_exists(PK)"
    request["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
    return {"Put": request}


def batch_get(
    keys: list[tuple[str, str]], *, consistent: bool = True
) -> dict[tuple[str, str], dict[str, Any]]:
    """BatchGetItem of any number of keys in as few round trips as DynamoDB allows (100 keys each)."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    pending: list[dict[str, Any]] = [to_item({"PK": pk, "SK": sk}) for pk, sk in dict.fromkeys(keys)]
    while pending:
        response = client().batch_get_item(
            RequestItems={table(): {"Keys": pending[:100], "ConsistentRead": consistent}}  # type: ignore[typeddict-item]
        )
        for raw in response.get("Responses", {}).get(table(), []):
            item = from_item(dict(raw))
            found[(item["PK"], item["SK"])] = item
        unprocessed_tables: dict[str, Any] = dict(response.get("UnprocessedKeys") or {})
        unprocessed: list[Any] = unprocessed_tables.get(table(), {}).get("Keys", [])
        pending = [dict(k) for k in unprocessed] + pending[100:]
    return found
