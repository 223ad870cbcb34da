"""Flash-sale items: the sale, its stock shards (each its own partition), claims and allowances."""

from __future__ import annotations

import zlib
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import boto3

from mall.data import due, dynamo
from mall.domain.flash_sales import Claim, ClaimStatus, Sale
from mall.settings import settings

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

CLAIM_SHARDS = 4  # partitions of the stale-claim index


def sale_key(sale_id: str) -> tuple[str, str]:
    return f"SALE#{sale_id}", "META"


def shard_key(sale_id: str, shard: int) -> tuple[str, str]:
    # A partition key per shard: shards under one key would share one partition's write limit.
    return f"SALE#{sale_id}#SHARD#{shard:02d}", "STOCK"


def claim_key(claim_id: str) -> tuple[str, str]:
    return f"CLAIM#{claim_id}", "CLAIM"


def allowance_key(sale_id: str, member_id: str) -> tuple[str, str]:
    return f"SALE#{sale_id}#MEMBER#{member_id}", "ALLOWANCE"


def _utc(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="milliseconds")


def to_sale(item: dict[str, Any]) -> Sale:
    return Sale(
        sale_id=item["saleId"],
        sku=item["sku"],
        name=item["name"],
        product_type=item.get("productType", "PHYSICAL"),
        points_price=int(item["pointsPrice"]),
        stock=int(item["stock"]),
        starts_at=datetime.fromisoformat(item["startsAt"]),
        ends_at=datetime.fromisoformat(item["endsAt"]),
        per_member_limit=int(item["perMemberLimit"]),
        shards=int(item["shards"]),
    )


def to_claim(item: dict[str, Any]) -> Claim:
    return Claim(
        claim_id=item["claimId"],
        sale_id=item["saleId"],
        member_id=item["memberId"],
        shard=int(item["shard"]),
        status=ClaimStatus(item["status"]),
        created_at=datetime.fromisoformat(item["createdAt"]),
        order_id=item.get("orderId"),
        reason=item.get("reason"),
    )


def create_items(sale: Sale, units: list[int], created_at: datetime) -> list[dict[str, Any]]:
    pk, sk = sale_key(sale.sale_id)
    meta = {
        "PK": pk,
        "SK": sk,
        "GSI1PK": "SALES",
        "GSI1SK": f"{_utc(sale.starts_at)}#{sale.sale_id}",
        "saleId": sale.sale_id,
        "sku": sale.sku,
        "name": sale.name,
        "productType": sale.product_type,
        "pointsPrice": sale.points_price,
        "stock": sale.stock,
        "startsAt": sale.starts_at.isoformat(timespec="seconds"),
        "endsAt": sale.ends_at.isoformat(timespec="seconds"),
        "perMemberLimit": sale.per_member_limit,
        "shards": sale.shards,
        "createdAt": created_at.isoformat(timespec="seconds"),
    }
    shards = [
        dynamo.put(dict(zip(("PK", "SK"), shard_key(sale.sale_id, i), strict=True)) | {"left": left})
        for i, left in enumerate(units)
    ]
    return [dynamo.put(meta), *shards]


def stock_left(sale: Sale, found: dict[tuple[str, str], dict[str, Any]]) -> list[int]:
    return [int(found.get(shard_key(sale.sale_id, i), {}).get("left", 0)) for i in range(sale.shards)]


def take_unit_item(sale_id: str, shard: int) -> dict[str, Any]:
    return dynamo.add(*shard_key(sale_id, shard), "left", -1, condition="#c >= :one", values={":one": 1})


def return_unit_item(sale_id: str, shard: int) -> dict[str, Any]:
    return dynamo.add(*shard_key(sale_id, shard), "left", 1)


def use_allowance_item(sale_id: str, member_id: str, limit: int, claim_id: str) -> dict[str, Any]:
    """Count a live (queued or confirmed) claim, only while the member is under the sale's limit."""
    return dynamo.add(
        *allowance_key(sale_id, member_id),
        "live",
        1,
        condition="attribute_not_exists(#c) OR #c < :limit",
        values={":limit": limit},
        also_set={"lastClaimId": claim_id},
    )


def release_allowance_item(sale_id: str, member_id: str) -> dict[str, Any]:
    return dynamo.add(*allowance_key(sale_id, member_id), "live", -1)


def claim_put_item(claim: Claim) -> dict[str, Any]:
    pk, sk = claim_key(claim.claim_id)
    shard = zlib.crc32(claim.claim_id.encode()) % CLAIM_SHARDS
    return dynamo.put(
        {
            "PK": pk,
            "SK": sk,
            "claimId": claim.claim_id,
            "saleId": claim.sale_id,
            "memberId": claim.member_id,
            "shard": claim.shard,
            "status": claim.status.value,
            "createdAt": claim.created_at.isoformat(timespec="milliseconds"),
            # Until settled, the claim sits on the due index so a recovery job can find it.
            "DUE_PK": f"CLAIMS#{shard}",
            "DUE_SK": f"{_utc(claim.created_at)}#{claim.claim_id}",
        }
    )


def settle_claim_item(claim_id: str, status: ClaimStatus, **fields: str) -> dict[str, Any]:
    """QUEUED -> CONFIRMED/FAILED exactly once: the condition makes a redelivered message a no-op."""
    pk, sk = claim_key(claim_id)
    sets = {"status": status.value} | fields
    return {
        "Update": {
            "TableName": dynamo.table(),
            "Key": dynamo.to_item({"PK": pk, "SK": sk}),
            "UpdateExpression": "SET " + ", ".join(f"#{k} = :{k}" for k in sets) + " REMOVE DUE_PK, DUE_SK",
            "ConditionExpression": "#status = :queued",
            "ExpressionAttributeNames": {f"#{k}": k for k in sets},
            "ExpressionAttributeValues": {f":{k}": dynamo.value(v) for k, v in sets.items()}
            | {":queued": dynamo.value(ClaimStatus.QUEUED.value)},
        }
    }


def query_sales(limit: int, start: str | None) -> tuple[list[Sale], str | None]:
    """Latest start first through GSI1."""
    items, position = dynamo.newest_first("SALES", limit, start, index="GSI1", keys=("GSI1PK", "GSI1SK"))
    return [to_sale(item) for item in items], position


def stale_claim_ids(older_than: datetime) -> list[str]:
    """Claims still queued since before `older_than`, from the sparse due index (no scan)."""
    return [
        claim_id
        for shard in range(CLAIM_SHARDS)
        for claim_id in due.ids_due_before(f"CLAIMS#{shard}", _utc(older_than), "CLAIM#")
    ]


@lru_cache(maxsize=1)
def _sqs() -> SQSClient:
    return boto3.client("sqs")


def enqueue(claim_id: str) -> None:
    queue_url = settings().flash_sale_queue_url
    if not queue_url:
        raise RuntimeError("FLASH_SALE_QUEUE_URL is not configured")
    _sqs().send_message(QueueUrl=queue_url, MessageBody=f'{{"claimId": "{claim_id}"}}')
