"""Flash-sale items: the sale, its stock shards (each its own partition), claims and allowances,
the reads a claim makes and the writes that reserve, confirm and fail a claim."""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import boto3
from pynamodb.attributes import UnicodeAttribute

from mall.data import accounts, due, dynamo
from mall.data.accounts import write_change
from mall.data.dynamo import DocumentAttribute, IntegerAttribute, Item, Key
from mall.data.order_items import new_order
from mall.data.transaction import Transaction
from mall.domain.account import Account, Change
from mall.domain.flash_sales import Claim, ClaimStatus, Sale
from mall.domain.orders import Order
from mall.settings import settings

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

CLAIM_SHARDS = 4  # partitions of the stale-claim index


class SaleItem(Item):
    """`SALE#<id>` / `META`: never changes after creation; on GSI1 under `SALES` by start."""

    gsi1_pk = UnicodeAttribute(attr_name="GSI1PK")
    gsi1_sk = UnicodeAttribute(attr_name="GSI1SK")
    sale_id = UnicodeAttribute(attr_name="saleId")
    sku = UnicodeAttribute()
    name = UnicodeAttribute()
    product_type = UnicodeAttribute(attr_name="productType", default="PHYSICAL")
    points_price = IntegerAttribute(attr_name="pointsPrice")
    stock = IntegerAttribute()
    starts_at = UnicodeAttribute(attr_name="startsAt")
    ends_at = UnicodeAttribute(attr_name="endsAt")
    per_member_limit = IntegerAttribute(attr_name="perMemberLimit")
    shards = IntegerAttribute()
    created_at = UnicodeAttribute(attr_name="createdAt")


class ShardItem(Item):
    """`SALE#<id>#SHARD#<nn>` / `STOCK`: a partition key per shard, or they would share one's limit."""

    left = IntegerAttribute(default=0)


class ClaimItem(Item):
    """`CLAIM#<id>` / `CLAIM`: QUEUED -> CONFIRMED/FAILED once; on the DueIndex while queued."""

    claim_id = UnicodeAttribute(attr_name="claimId")
    sale_id = UnicodeAttribute(attr_name="saleId")
    member_id = UnicodeAttribute(attr_name="memberId")
    shard = IntegerAttribute()
    status = UnicodeAttribute()
    created_at = UnicodeAttribute(attr_name="createdAt")
    order_id = UnicodeAttribute(attr_name="orderId", null=True)
    reason = UnicodeAttribute(null=True)
    due_pk = UnicodeAttribute(attr_name="DUE_PK", null=True)
    due_sk = UnicodeAttribute(attr_name="DUE_SK", null=True)


class AllowanceItem(Item):
    """`SALE#<id>#MEMBER#<m>` / `ALLOWANCE`: the member's live (queued or confirmed) claims."""

    live = IntegerAttribute(default=0)
    last_claim_id = UnicodeAttribute(attr_name="lastClaimId", null=True)


def sale_key(sale_id: str) -> Key:
    return f"SALE#{sale_id}", "META"


def shard_key(sale_id: str, shard: int) -> Key:
    return f"SALE#{sale_id}#SHARD#{shard:02d}", "STOCK"


def claim_key(claim_id: str) -> Key:
    return f"CLAIM#{claim_id}", "CLAIM"


def allowance_key(sale_id: str, member_id: str) -> Key:
    return f"SALE#{sale_id}#MEMBER#{member_id}", "ALLOWANCE"


def _utc(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="milliseconds")


def to_sale(item: SaleItem) -> Sale:
    return Sale(
        sale_id=item.sale_id,
        sku=item.sku,
        name=item.name,
        product_type=item.product_type,
        points_price=item.points_price,
        stock=item.stock,
        starts_at=datetime.fromisoformat(item.starts_at),
        ends_at=datetime.fromisoformat(item.ends_at),
        per_member_limit=item.per_member_limit,
        shards=item.shards,
    )


def to_claim(item: ClaimItem) -> Claim:
    return Claim(
        claim_id=item.claim_id,
        sale_id=item.sale_id,
        member_id=item.member_id,
        shard=item.shard,
        status=ClaimStatus(item.status),
        created_at=datetime.fromisoformat(item.created_at),
        order_id=item.order_id,
        reason=item.reason,
    )


def get_sale(sale_id: str) -> Sale | None:
    item = dynamo.get(SaleItem, sale_key(sale_id))
    return to_sale(item) if item else None


def get_claim(claim_id: str) -> Claim | None:
    item = dynamo.get(ClaimItem, claim_key(claim_id))
    return to_claim(item) if item else None


def document(claim: Claim) -> dict[str, Any]:
    """The claim as a plain document (an idempotency record's first answer)."""
    return dynamo.plain(_claim_item(claim).serialize())


def from_document(doc: dict[str, Any]) -> Claim:
    return to_claim(ClaimItem.from_raw_data(DocumentAttribute().serialize(doc)))


def settlement_reads(claim: Claim) -> tuple[Sale, Account | None]:
    """The sale and the member's account, in one BatchGetItem."""
    sale, account = sale_key(claim.sale_id), accounts.account_key(claim.member_id)
    found = dynamo.batch_get([sale, account])
    return to_sale(SaleItem.from_raw_data(found[sale])), accounts.decode(found.get(account))


def create(sale: Sale, units: list[int], created_at: datetime, also: Transaction) -> None:
    """The sale, its stock shards and `also` (its audit entry), in one transaction."""
    pk, sk = sale_key(sale.sale_id)
    meta = SaleItem(
        pk,
        sk,
        gsi1_pk="SALES",
        gsi1_sk=f"{_utc(sale.starts_at)}#{sale.sale_id}",
        sale_id=sale.sale_id,
        sku=sale.sku,
        name=sale.name,
        product_type=sale.product_type,
        points_price=sale.points_price,
        stock=sale.stock,
        starts_at=sale.starts_at.isoformat(timespec="seconds"),
        ends_at=sale.ends_at.isoformat(timespec="seconds"),
        per_member_limit=sale.per_member_limit,
        shards=sale.shards,
        created_at=created_at.isoformat(timespec="seconds"),
    )
    tx = Transaction().put("sale", meta)
    for index, left in enumerate(units):
        tx.put(f"shard#{index}", ShardItem(*shard_key(sale.sale_id, index), left=left))
    tx.extend(also).commit()


def _stock_left(sale: Sale, found: dict[Key, dynamo.Raw]) -> list[int]:
    shards = (dynamo.decode(ShardItem, found.get(shard_key(sale.sale_id, i))) for i in range(sale.shards))
    return [shard.left if shard else 0 for shard in shards]


def stock_left(sales: list[Sale]) -> dict[str, list[int]]:
    """Units left per shard of each sale (one BatchGetItem per 100 shards)."""
    found = dynamo.batch_get([shard_key(s.sale_id, i) for s in sales for i in range(s.shards)])
    return {sale.sale_id: _stock_left(sale, found) for sale in sales}


@dataclass(frozen=True)
class ClaimReads:
    """What a claim decides on: the member's account, live claims in this sale, and units per shard."""

    account: Account | None
    live_claims: int
    stock_left: list[int]


def claim_reads(sale: Sale, member_id: str, *, consistent: bool = False) -> ClaimReads:
    """One BatchGetItem, eventually consistent unless asked (half the read cost of a rush): the claim
    transaction's conditions are the authority, and a stale read only costs a retry."""
    account_key = accounts.account_key(member_id)
    allowance = allowance_key(sale.sale_id, member_id)
    keys = [account_key, allowance, *(shard_key(sale.sale_id, i) for i in range(sale.shards))]
    found = dynamo.batch_get(keys, consistent=consistent)
    live = dynamo.decode(AllowanceItem, found.get(allowance))
    return ClaimReads(
        accounts.decode(found.get(account_key)), live.live if live else 0, _stock_left(sale, found)
    )


def _claim_item(claim: Claim) -> ClaimItem:
    pk, sk = claim_key(claim.claim_id)
    queued = claim.status is ClaimStatus.QUEUED
    return ClaimItem(
        pk,
        sk,
        claim_id=claim.claim_id,
        sale_id=claim.sale_id,
        member_id=claim.member_id,
        shard=claim.shard,
        status=claim.status.value,
        created_at=claim.created_at.isoformat(timespec="milliseconds"),
        order_id=claim.order_id,
        reason=claim.reason,
        # Until settled, the claim sits on the due index so the recovery job can find it.
        due_pk=f"CLAIMS#{zlib.crc32(claim.claim_id.encode()) % CLAIM_SHARDS}" if queued else None,
        due_sk=f"{_utc(claim.created_at)}#{claim.claim_id}" if queued else None,
    )


def commit_claim(claim: Claim, per_member_limit: int, record: Transaction) -> None:
    """A unit from the claim's shard (`left >= 1`), the member's allowance (`live < limit`), the queued
    claim and the idempotency record (with what rides along, like the account's request count).
    `LostRace` if the shard emptied, the allowance was used or the account changed meanwhile; `Replayed`
    for a duplicate."""
    shard = ShardItem(*shard_key(claim.sale_id, claim.shard))
    allowance = AllowanceItem(*allowance_key(claim.sale_id, claim.member_id), last_claim_id=claim.claim_id)
    under_limit = AllowanceItem.live.does_not_exist() | (AllowanceItem.live < per_member_limit)
    tx = (
        Transaction()
        .update("shard", shard, [ShardItem.left.add(-1)], condition=ShardItem.left >= 1)
        .update(
            "allowance",
            allowance,
            [AllowanceItem.live.add(1), AllowanceItem.last_claim_id.set(claim.claim_id)],
            condition=under_limit,
        )
        .put("claim", _claim_item(claim))
        .extend(record)
    )
    tx.commit()


def give_back(sale_id: str, shard: int, member_id: str) -> Transaction:
    """The unit back in its shard and the member's allowance released (a failed or cancelled claim)."""
    unit = ShardItem(*shard_key(sale_id, shard))
    allowance = AllowanceItem(*allowance_key(sale_id, member_id))
    return (
        Transaction()
        .update("shard", unit, [ShardItem.left.add(1)])
        .update("allowance", allowance, [AllowanceItem.live.add(-1)])
    )


def _settle(claim: Claim, settled: Claim) -> Transaction:
    """QUEUED -> CONFIRMED/FAILED exactly once: the condition makes a redelivered message a no-op."""
    item = _claim_item(settled)
    actions = dynamo.assign(item, ("status", "order_id", "reason", "due_pk", "due_sk"))
    condition = ClaimItem.status == ClaimStatus.QUEUED.value
    return Transaction().update("claim", item, actions, condition=condition)


def commit_confirmation(claim: Claim, confirmed: Claim, change: Change, zone: ZoneInfo, order: Order) -> None:
    """Points, the order and the claim CONFIRMED, in one transaction (`LostRace` if the account moved or
    the claim was settled meanwhile)."""
    write_change(change, zone, new_order(order).extend(_settle(claim, confirmed)))


def commit_failure(claim: Claim, failed: Claim) -> None:
    """The claim FAILED with its reason, its unit back on sale, the allowance not used up."""
    _settle(claim, failed).extend(give_back(claim.sale_id, claim.shard, claim.member_id)).commit()


def last_claim_id(sale_id: str, member_id: str) -> str | None:
    allowance = dynamo.get(AllowanceItem, allowance_key(sale_id, member_id))
    return allowance.last_claim_id if allowance else None


def query_sales(limit: int, start: str | None) -> tuple[list[Sale], str | None]:
    """Latest start first through GSI1."""
    raws, position = dynamo.newest_first("SALES", limit, start, index="GSI1", keys=("GSI1PK", "GSI1SK"))
    return [to_sale(SaleItem.from_raw_data(raw)) for raw in raws], position


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
    _sqs().send_message(QueueUrl=queue_url, MessageBody=json.dumps({"claimId": claim_id}))
