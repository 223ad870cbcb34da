"""Reads for reconciliation: the accounts a business day touched, read in batches with their last
ledger entries, and the job's own progress (the last day it completed).

Every balance change stamps the account with its day on the sparse TouchedIndex (sharded like the
expiry index) and with the id of the entry it wrote last (`accounts.change_parts`), so a run reads only
the accounts changed since the last one: one query per shard and day, then per 100 accounts one
BatchGetItem for the accounts and one for their last entries. No scan, no per-account query (except
for an account last written before `lastEntry` existed, whose newest entry is queried)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from pynamodb.attributes import UnicodeAttribute

from mall.data import dynamo
from mall.data.accounts import TOUCHED_SHARDS, AccountItem, LedgerItem, account_key
from mall.data.dynamo import Item, Key
from mall.domain.reconcile import Snapshot

STATE_KEY: Key = ("JOB#RECONCILE", "STATE")


class ReconcileStateItem(Item):
    """`JOB#RECONCILE` / `STATE`: the last business day a run checked in full (after it ended)."""

    last_day = UnicodeAttribute(attr_name="lastDay")
    updated_at = UnicodeAttribute(attr_name="updatedAt")


def checked_through() -> date | None:
    item = dynamo.get(ReconcileStateItem, STATE_KEY)
    return date.fromisoformat(item.last_day) if item else None


def mark_checked_through(day: date, at: str) -> None:
    dynamo.put(ReconcileStateItem(*STATE_KEY, last_day=day.isoformat(), updated_at=at))


def touched_on(day: date, page_size: int = 500) -> Iterator[str]:
    """Members whose latest balance change fell on `day`, shard by shard, page by page."""
    for shard in range(TOUCHED_SHARDS):
        request: dict[str, Any] = {
            "TableName": dynamo.table(),
            "IndexName": "TouchedIndex",
            "KeyConditionExpression": "TOUCH_PK = :pk",
            "ExpressionAttributeValues": {":pk": {"S": f"TOUCHED#{day.isoformat()}#{shard:02d}"}},
            "Limit": page_size,
        }
        while True:
            response = dynamo.client().query(**request)
            for raw in response.get("Items", []):
                yield str(raw["TOUCH_SK"]["S"])
            if "LastEvaluatedKey" not in response:
                break
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def _ledger_key(member_id: str, entry_id: str) -> Key:
    return f"MEMBER#{member_id}", f"LEDGER#{entry_id}"


def _newest_entry(member_id: str) -> LedgerItem | None:
    raws, _ = dynamo.newest_first(f"MEMBER#{member_id}", 1, None, sort_prefix="LEDGER#")
    return LedgerItem.from_raw_data(raws[0]) if raws else None


def snapshots(member_ids: list[str]) -> list[Snapshot]:
    """Each account (consistent reads) and the entry it wrote last: two BatchGetItems per 100 accounts."""
    found = dynamo.batch_get([account_key(m) for m in member_ids])
    accounts = [
        AccountItem.from_raw_data(found[account_key(m)]) for m in member_ids if account_key(m) in found
    ]
    named = [(a.member_id, a.last_entry) for a in accounts if a.last_entry]
    entries = dynamo.batch_get([_ledger_key(m, e) for m, e in named])
    result = []
    for account in accounts:
        if account.last_entry:
            raw = entries.get(_ledger_key(account.member_id, account.last_entry))
            last = LedgerItem.from_raw_data(raw) if raw else None
        else:
            last = _newest_entry(account.member_id)
        result.append(
            Snapshot(
                member_id=account.member_id,
                version=account.version or 0,
                balance=account.balance,
                lots_total=sum((account.lots or {}).values()),
                last_entry_id=account.last_entry,
                last_balance_after=last.balance_after if last else None,
            )
        )
    return result
