"""Account and ledger items: the only code that reads or writes them."""

from __future__ import annotations

import zlib
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from mall.data import dynamo
from mall.domain.account import Account, Change
from mall.domain.ledger import LedgerEntry

EXPIRY_SHARDS = 16  # the expiry index key is sharded so no single index partition takes every account


def account_key(member_id: str) -> tuple[str, str]:
    return f"MEMBER#{member_id}", "ACCOUNT"


def expiry_shard(member_id: str) -> str:
    return f"EXPIRY#{zlib.crc32(member_id.encode()) % EXPIRY_SHARDS:02d}"


def load(member_id: str) -> Account | None:
    item = dynamo.get(*account_key(member_id))
    return to_account(item) if item else None


def to_account(item: dict[str, Any]) -> Account:
    return Account(
        member_id=item["memberId"],
        created_at=item["createdAt"],
        lots={k: int(v) for k, v in (item.get("lots") or {}).items()},
        lifetime_earned=int(item.get("lifetimeEarned", 0)),
        frozen=bool(item.get("frozen", False)),
        frozen_reason=item.get("frozenReason"),
        sign_in_day=item.get("signInDay"),
        streak=int(item.get("streak", 0)),
        cap_day=item.get("capDay"),
        cap_used=int(item.get("capUsed", 0)),
        version=int(item.get("version", 0)),
    )


def _state(account: Account) -> dict[str, Any]:
    return {
        "lots": account.lots,
        "balance": account.balance,
        "lifetimeEarned": account.lifetime_earned,
        "frozen": account.frozen,
        "frozenReason": account.frozen_reason,
        "signInDay": account.sign_in_day,
        "streak": account.streak,
        "capDay": account.cap_day,
        "capUsed": account.cap_used,
    }


def _expiry_index(account: Account) -> dict[str, Any]:
    """Sparse index: only accounts holding points appear, sorted by their soonest expiry day."""
    soonest = account.next_expiry()
    if soonest is None:
        return {"DUE_PK": None, "DUE_SK": None}
    return {"DUE_PK": expiry_shard(account.member_id), "DUE_SK": f"{soonest}#{account.member_id}"}


def create(account: Account, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """A Put that opens an account (fails if it exists)."""
    pk, sk = account_key(account.member_id)
    values: dict[str, Any] = {
        "PK": pk,
        "SK": sk,
        "memberId": account.member_id,
        "createdAt": account.created_at,
    }
    values |= {k: v for k, v in _state(account).items() if v is not None}
    values |= {k: v for k, v in _expiry_index(account).items() if v is not None}
    values |= extra or {}
    values["version"] = 1
    return dynamo.put(values)


def update(change: Change) -> dict[str, Any]:
    """An Update that writes the new state only if nobody changed the account since it was read."""
    account = change.account
    pk, sk = account_key(account.member_id)
    fields = _state(account) | _expiry_index(account)
    sets = {k: v for k, v in fields.items() if v is not None}
    removes = [k for k, v in fields.items() if v is None]
    names = {f"#{k}": k for k in fields} | {"#version": "version"}
    values = {f":{k}": dynamo.value(v) for k, v in sets.items()}
    values |= {":old": dynamo.value(account.version), ":new": dynamo.value(account.version + 1)}
    expression = "SET " + ", ".join([f"#{k} = :{k}" for k in sets] + ["#version = :new"])
    if removes:
        expression += " REMOVE " + ", ".join(f"#{k}" for k in removes)
    return {
        "Update": {
            "TableName": dynamo.table(),
            "Key": dynamo.to_item({"PK": pk, "SK": sk}),
            "UpdateExpression": expression,
            "ConditionExpression": "#version = :old",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
    }


def ledger_puts(member_id: str, entries: list[LedgerEntry], zone: ZoneInfo) -> list[dict[str, Any]]:
    return [dynamo.put(ledger_values(member_id, entry, zone)) for entry in entries]


def ledger_values(member_id: str, entry: LedgerEntry, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "PK": f"MEMBER#{member_id}",
        "SK": f"LEDGER#{entry.entry_id}",
        "memberId": member_id,
        "entryId": entry.entry_id,
        "type": entry.type.value,
        "source": entry.source,
        "delta": entry.delta,
        "balanceAfter": entry.balance_after,
        "ref": entry.ref,
        "note": entry.note,
        "createdAt": entry.created_at.astimezone(zone).isoformat(timespec="seconds"),
        "day": entry.day.isoformat(),
        "lots": entry.lots or None,
    }


def write_change(change: Change, zone: ZoneInfo, extra: list[dict[str, Any]] | None = None) -> None:
    """Account state, its ledger entries and any extra items, all in one transaction.

    Raises dynamo.TransactionFailed; index 0 is always the account (a version conflict)."""
    dynamo.transact(
        [update(change), *ledger_puts(change.account.member_id, change.entries, zone), *(extra or [])]
    )


def query_ledger(member_id: str, limit: int, start: str | None) -> tuple[list[dict[str, Any]], str | None]:
    """Newest first; the items and the position to continue after (or None at the end)."""
    return dynamo.newest_first(f"MEMBER#{member_id}", limit, start, sort_prefix="LEDGER#")


def now_iso(at: datetime, zone: ZoneInfo) -> str:
    return at.astimezone(zone).isoformat(timespec="seconds")
