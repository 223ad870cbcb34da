"""Flash sales: fast claims that reserve a unit and enqueue; a queue consumer settles each claim once."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from mall import clock
from mall.data import accounts, audit, idempotency, products, rules_store
from mall.data import flash_sales as store
from mall.data.retry import until_decided
from mall.domain.audit import Action, Actor, entry, fields_of
from mall.domain.flash_sales import (
    Claim,
    ClaimStatus,
    Sale,
    claim_shard,
    confirm,
    new_claim_id,
    new_sale_id,
    shard_count,
    split_stock,
)
from mall.domain.risk import observe
from mall.errors import (
    AccountFrozen,
    ClaimNotFound,
    InsufficientPoints,
    MemberNotFound,
    ProductNotFound,
    SaleNotFound,
    ValidationFailed,
)
from mall.observability import logger
from mall.services import rate_limits
from mall.services.idempotent import once
from mall.services.rate_limits import Limited

SCOPE = "flash-claim"
RECOVER_AFTER = timedelta(minutes=1)  # a claim still queued this long is settled by the recovery job


@dataclass(frozen=True)
class SaleStanding:
    """A sale as listed: its definition and the units left now."""

    sale: Sale
    stock_left: int


def create_sale(
    sku: str,
    stock: int,
    points_price: int,
    starts_at: datetime,
    ends_at: datetime,
    per_member_limit: int | None,
    by: Actor,
) -> SaleStanding:
    if ends_at <= starts_at:
        raise ValidationFailed("endsAt: must be after startsAt")
    product = products.get_product(sku)
    if product is None:
        raise ProductNotFound(f"no product {sku}")
    now = clock.now()
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
        shards=shard_count(stock),
    )
    record = entry(Action.FLASH_SALE_CREATED, by, f"flash-sale:{sale.sale_id}", now, after=fields_of(sale))
    store.create(sale, split_stock(stock, sale.shards), now, also=audit.record(record))
    return SaleStanding(sale, stock)


_sales: dict[str, Sale] = {}


def _sale(sale_id: str) -> Sale:
    """A sale's definition never changes after creation, so a container reads it once."""
    if sale_id not in _sales:
        sale = store.get_sale(sale_id)
        if sale is None:
            raise SaleNotFound("no such flash sale")
        _sales[sale_id] = sale
    return _sales[sale_id]


def list_sales(limit: int, start: str | None) -> tuple[list[SaleStanding], str | None]:
    sales, position = store.query_sales(limit, start)
    left = store.stock_left(sales) if sales else {}
    return [SaleStanding(sale, sum(left[sale.sale_id])) for sale in sales], position


@dataclass(frozen=True)
class ClaimRequest:
    member_id: str
    sale_id: str
    idempotency_key: str

    @property
    def fingerprint(self) -> str:
        return idempotency.fingerprint({"saleId": self.sale_id})


def claim(request: ClaimRequest) -> Claim:
    """One BatchGetItem (account, allowance, shards; the sale is cached), one transaction, one SQS message."""

    tries = [0]

    def attempt() -> Claim:
        try:
            sale = _sale(request.sale_id)
        except SaleNotFound:
            rate_limits.charge_alone(request.member_id, Limited.CLAIMS)
            raise
        # Eventually consistent first (half the read cost of a rush); a retry after a lost race reads
        # consistently, so a stale account version cannot make it lose again.
        reads = store.claim_reads(sale, request.member_id, consistent=tries[0] > 0)
        tries[0] += 1
        if reads.account is None:
            raise MemberNotFound("no account")
        rules, now = rules_store.current(), clock.now()
        account = rate_limits.count(reads.account, Limited.CLAIMS, rules, now)
        with rate_limits.charged(account):
            shard = claim_shard(sale, account, reads.live_claims, reads.stock_left, rules, now)
            claim_id = new_claim_id(now)
            queued = Claim(claim_id, sale.sale_id, request.member_id, shard, ClaimStatus.QUEUED, now)
            key, fingerprint, first = request.idempotency_key, request.fingerprint, store.document(queued)
            record = idempotency.record(SCOPE, request.member_id, key, fingerprint, first, now)
            store.commit_claim(queued, sale.per_member_limit, record.extend(accounts.count_parts(account)))
        # If this send is lost, the claim stays on the due index and the recovery job settles it.
        try:
            store.enqueue(queued.claim_id)
        except Exception:
            logger.exception("enqueue failed; recovery job will settle", extra={"claimId": queued.claim_id})
        return queued

    key, fingerprint = request.idempotency_key, request.fingerprint
    return once(attempt, SCOPE, request.member_id, key, fingerprint, store.from_document)


def my_claim(member_id: str, sale_id: str) -> Claim:
    claim_id = store.last_claim_id(sale_id, member_id)
    found = store.get_claim(claim_id) if claim_id else None
    if found is None:
        raise ClaimNotFound("no claim for this sale")
    return found


def settle(claim_id: str) -> str:
    """Settle one claim: points and order in one transaction, or FAILED with the unit returned.

    Safe to run any number of times for the same claim (a redelivered message, the recovery job):
    every write is conditioned on the claim still being QUEUED."""

    def attempt() -> str:
        found = store.get_claim(claim_id)
        if found is None:
            return "UNKNOWN"
        if found.status is not ClaimStatus.QUEUED:
            return found.status.value  # already settled: a duplicate delivery changes nothing
        sale, account = store.settlement_reads(found)
        rules, now = rules_store.current(), clock.now()
        try:
            if account is None:
                raise MemberNotFound("account closed")
            change, order = confirm(found, sale, account, rules, now)
            observe(change, rules.risk, now, redemptions=1)
        except (InsufficientPoints, AccountFrozen, MemberNotFound) as refused:
            store.commit_failure(found, replace(found, status=ClaimStatus.FAILED, reason=refused.code))
            return ClaimStatus.FAILED.value
        confirmed = replace(found, status=ClaimStatus.CONFIRMED, order_id=order.order_id)
        store.commit_confirmation(found, confirmed, change, rules.zone, order)
        return ClaimStatus.CONFIRMED.value

    return until_decided(attempt)


def recover_stale_claims(now: datetime | None = None) -> dict[str, int]:
    """Scheduled: settle claims whose message was lost or keeps failing, so none stays QUEUED forever."""
    stale = store.stale_claim_ids((now or clock.now()) - RECOVER_AFTER)
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
