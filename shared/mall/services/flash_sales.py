"""Flash sales: fast claims that reserve a unit and enqueue; a queue consumer settles each claim once."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from mall import clock
from mall.api import cursor
from mall.api.models import WireModel
from mall.data import accounts as account_store
from mall.data import dynamo, flash_sales, idempotency, orders, products, rules_store
from mall.data.retry import Retry, until_decided
from mall.domain.account import Account, debit, ensure_active, settle_expired
from mall.domain.calendar import business_day
from mall.domain.flash_sales import (
    Claim,
    ClaimStatus,
    Sale,
    new_claim_id,
    new_sale_id,
    shard_count,
    split_stock,
)
from mall.domain.orders import Order, OrderStatus, new_order_id, voucher_code
from mall.errors import (
    AccountFrozen,
    AlreadyClaimed,
    ClaimNotFound,
    InsufficientPoints,
    MemberNotFound,
    ProductNotFound,
    SaleNotActive,
    SaleNotFound,
    SoldOut,
    ValidationFailed,
)
from mall.observability import logger
from mall.services.idempotent import once, replay

SCOPE = "flash-claim"
RECOVER_AFTER = timedelta(minutes=1)  # a claim still queued this long is settled by the recovery job


class SaleView(WireModel):
    sale_id: str
    sku: str
    name: str
    points_price: int
    stock_left: int
    starts_at: str
    ends_at: str
    status: str
    per_member_limit: int


class ClaimView(WireModel):
    claim_id: str
    status: str
    order_id: str | None = None
    reason: str | None = None


def _view(sale: Sale, left: int, now: datetime) -> SaleView:
    return SaleView(
        sale_id=sale.sale_id,
        sku=sale.sku,
        name=sale.name,
        points_price=sale.points_price,
        stock_left=left,
        starts_at=sale.starts_at.isoformat(timespec="seconds"),
        ends_at=sale.ends_at.isoformat(timespec="seconds"),
        status=sale.status(now, left).value,
        per_member_limit=sale.per_member_limit,
    )


def create_sale(
    sku: str,
    stock: int,
    points_price: int,
    starts_at: datetime,
    ends_at: datetime,
    per_member_limit: int | None,
) -> SaleView:
    if ends_at <= starts_at:
        raise ValidationFailed("endsAt: must be after startsAt")
    product = products.get_product(sku)
    if product is None:
        raise ProductNotFound(f"no product {sku}")
    now = clock.now()
    shards = shard_count(stock)
    sale = Sale(
        sale_id=new_sale_id(now),
        sku=sku,
        name=product.name,
        product_type=product.type.value,
        points_price=points_price,
        stock=stock,
        starts_at=starts_at,
        ends_at=ends_at,
        per_member_limit=per_member_limit or 1,
        shards=shards,
    )
    dynamo.transact(flash_sales.create_items(sale, split_stock(stock, shards), now))
    return _view(sale, stock, now)


_sales: dict[str, Sale] = {}


def _sale(sale_id: str) -> Sale:
    """A sale's definition never changes after creation, so a container reads it once."""
    if sale_id not in _sales:
        meta = dynamo.get(*flash_sales.sale_key(sale_id))
        if meta is None:
            raise SaleNotFound("no such flash sale")
        _sales[sale_id] = flash_sales.to_sale(meta)
    return _sales[sale_id]


def _shard_keys(sale: Sale) -> list[tuple[str, str]]:
    return [flash_sales.shard_key(sale.sale_id, i) for i in range(sale.shards)]


def list_sales(caller: str, limit: int, page_cursor: str | None) -> tuple[list[SaleView], str | None]:
    start = cursor.decode(page_cursor, caller, "flash-sales")
    sales, last = flash_sales.query_sales(limit, start)
    found = dynamo.batch_get([key for sale in sales for key in _shard_keys(sale)]) if sales else {}
    now = clock.now()
    views = [_view(sale, sum(flash_sales.stock_left(sale, found)), now) for sale in sales]
    return views, cursor.encode(caller, "flash-sales", last)


@dataclass(frozen=True)
class ClaimRequest:
    member_id: str
    sale_id: str
    idempotency_key: str

    @property
    def fingerprint(self) -> str:
        return idempotency.fingerprint({"saleId": self.sale_id})


def claim(request: ClaimRequest) -> ClaimView:
    """One BatchGetItem (sale, shards, account, allowance), one transaction, one SQS message."""

    def attempt() -> ClaimView:
        sale = _sale(request.sale_id)
        account_key = account_store.account_key(request.member_id)
        allowance_key = flash_sales.allowance_key(sale.sale_id, request.member_id)
        # Eventually consistent (half the read cost of a rush): the transaction's conditions are the
        # authority, and a stale read only costs a retry.
        found = dynamo.batch_get([account_key, allowance_key, *_shard_keys(sale)], consistent=False)
        if account_key not in found:
            raise MemberNotFound("no account")
        account = account_store.to_account(found[account_key])
        rules, now = rules_store.current(), clock.now()
        ensure_active(account)
        if not sale.active(now):
            raise SaleNotActive("the sale is not running")
        if int(found.get(allowance_key, {}).get("live", 0)) >= sale.per_member_limit:
            raise AlreadyClaimed("already claimed")
        if settle_expired(account, business_day(now, rules.zone), now).account.balance < sale.points_price:
            raise InsufficientPoints(f"needs {sale.points_price} points")
        open_shards = [i for i, left in enumerate(flash_sales.stock_left(sale, found)) if left > 0]
        if not open_shards:
            raise SoldOut("sold out")
        shard = random.choice(open_shards)  # spread concurrent claims over the shards
        queued = Claim(new_claim_id(now), sale.sale_id, request.member_id, shard, ClaimStatus.QUEUED, now)
        view = ClaimView(claim_id=queued.claim_id, status=ClaimStatus.QUEUED.value)
        record = idempotency.record_item(
            SCOPE,
            request.member_id,
            request.idempotency_key,
            request.fingerprint,
            view.model_dump(by_alias=True),
            now,
        )
        items = [
            flash_sales.take_unit_item(sale.sale_id, shard),
            flash_sales.use_allowance_item(
                sale.sale_id, request.member_id, sale.per_member_limit, queued.claim_id
            ),
            flash_sales.claim_put_item(queued),
            record,
        ]
        try:
            dynamo.transact(items)
        except dynamo.TransactionFailed as failed:
            if failed.failed_at(3) and failed.reasons[3].item:
                return replay(failed.reasons[3].item, request.fingerprint, ClaimView)
            raise Retry from failed  # shard emptied or allowance used meanwhile: decide again on fresh data
        # If this send is lost, the claim stays on the due index and the recovery job settles it.
        try:
            flash_sales.enqueue(queued.claim_id)
        except Exception:
            logger.exception("enqueue failed; recovery job will settle", extra={"claimId": queued.claim_id})
        return view

    key = request.idempotency_key
    return once(lambda: until_decided(attempt), SCOPE, request.member_id, key, request.fingerprint, ClaimView)


def my_claim(member_id: str, sale_id: str) -> ClaimView:
    allowance = dynamo.get(*flash_sales.allowance_key(sale_id, member_id))
    item = dynamo.get(*flash_sales.claim_key(allowance["lastClaimId"])) if allowance else None
    if item is None:
        raise ClaimNotFound("no claim for this sale")
    found = flash_sales.to_claim(item)
    return ClaimView(
        claim_id=found.claim_id, status=found.status.value, order_id=found.order_id, reason=found.reason
    )


def _fail_items(found: Claim, reason: str) -> list[dict[str, Any]]:
    """The claim fails, its unit goes back on sale and the member's allowance is not used up."""
    return [
        flash_sales.settle_claim_item(found.claim_id, ClaimStatus.FAILED, reason=reason),
        flash_sales.return_unit_item(found.sale_id, found.shard),
        flash_sales.release_allowance_item(found.sale_id, found.member_id),
    ]


def _confirm(found: Claim, sale: Sale, account: Account) -> None:
    rules, now = rules_store.current(), clock.now()
    today = business_day(now, rules.zone)
    change = settle_expired(account, today, now)
    order_id = new_order_id(now)
    taken: dict[str, int] = {}
    if sale.points_price > 0:
        ref = f"ORDER#{order_id}"
        entry = debit(change, sale.points_price, now, today, source="FLASH_SALE", ref=ref, note=sale.name)
        taken = entry.lots if entry else {}
    status = OrderStatus.COMPLETED if sale.product_type == "VIRTUAL" else OrderStatus.CONFIRMED
    order = Order(
        order_id=order_id,
        member_id=found.member_id,
        sku=sale.sku,
        name=sale.name,
        product_type=sale.product_type,
        quantity=1,
        points_spent=sale.points_price,
        cash_due_fen=0,
        status=status,
        created_at=now.astimezone(rules.zone),
        lots=taken,
        voucher_code=voucher_code() if status is OrderStatus.COMPLETED else None,
        sale_ref=f"{sale.sale_id}#{found.shard}",
    )
    confirm = flash_sales.settle_claim_item(found.claim_id, ClaimStatus.CONFIRMED, orderId=order_id)
    account_store.write_change(change, rules.zone, [orders.create_item(order), confirm])


def settle(claim_id: str) -> str:
    """Settle one claim: points and order in one transaction, or FAILED with the unit returned.

    Safe to run any number of times for the same claim (a redelivered message, the recovery job):
    every write is conditioned on the claim still being QUEUED."""

    def attempt() -> str:
        claim_item_key = flash_sales.claim_key(claim_id)
        item = dynamo.get(*claim_item_key)
        if item is None:
            return "UNKNOWN"
        found = flash_sales.to_claim(item)
        if found.status is not ClaimStatus.QUEUED:
            return found.status.value  # already settled: a duplicate delivery changes nothing
        keys = [flash_sales.sale_key(found.sale_id), account_store.account_key(found.member_id)]
        batch = dynamo.batch_get(keys)
        sale = flash_sales.to_sale(batch[keys[0]])
        try:
            if keys[1] not in batch:
                raise MemberNotFound("account closed")
            account = account_store.to_account(batch[keys[1]])
            ensure_active(account)
            try:
                _confirm(found, sale, account)
            except dynamo.TransactionFailed as failed:
                raise Retry from failed
            return ClaimStatus.CONFIRMED.value
        except (InsufficientPoints, AccountFrozen, MemberNotFound) as refused:
            try:
                dynamo.transact(_fail_items(found, refused.code))
            except dynamo.TransactionFailed as failed:
                raise Retry from failed
            return ClaimStatus.FAILED.value

    return until_decided(attempt)


def recover_stale_claims(now: datetime | None = None) -> dict[str, int]:
    """Scheduled: settle claims whose message was lost or keeps failing, so none stays QUEUED forever."""
    stale = flash_sales.stale_claim_ids((now or clock.now()) - RECOVER_AFTER)
    outcomes = []
    for claim_id in stale:
        try:
            outcomes.append(settle(claim_id))
        except Exception:
            # One claim that cannot be settled now must not hold up the others; it stays due.
            logger.exception("claim recovery failed", extra={"claimId": claim_id})
            outcomes.append("ERROR")
    return {
        "stale": len(stale),
        "confirmed": outcomes.count(ClaimStatus.CONFIRMED.value),
        "failed": outcomes.count(ClaimStatus.FAILED.value),
    }
