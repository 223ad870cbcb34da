"""Reading and settling accounts: profile, ledger pages, and the write loop every change goes through."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any, TypeVar

from mall import clock
from mall.api import cursor
from mall.data import accounts as store
from mall.data import dynamo, rules_store
from mall.data.retry import Retry, until_decided
from mall.domain.account import Account, Change, next_tier, settle_expired, tier_of, upcoming_expiries
from mall.domain.calendar import business_day, end_of_day, iso
from mall.domain.earning import current_streak
from mall.domain.rules import Rules
from mall.errors import MemberNotFound
from mall.services.views import (
    AdminProfileView,
    ExpiringView,
    LedgerEntryView,
    NextTierView,
    ProfileView,
    SignInView,
    TierView,
)

T = TypeVar("T")


def load_existing(member_id: str) -> Account:
    account = store.load(member_id)
    if account is None:
        raise MemberNotFound(f"member {member_id} not found")
    return account


def change_account(
    member_id: str,
    decide: Callable[[Account, Rules, datetime], tuple[Change, T]],
    extra: Callable[[Change, T], list[dict[str, Any]]] | None = None,
    on_extra_failed: Callable[[dynamo.TransactionFailed], T] | None = None,
) -> T:
    """Read the account (1 GetItem), decide, write account + ledger + extras (1 transaction).

    A lost race re-reads and decides again; `on_extra_failed` turns a failed extra item (index >= 1
    beyond the ledger entries) into an answer, e.g. an idempotent replay."""

    def attempt() -> T:
        account = load_existing(member_id)
        rules = rules_store.current()
        change, answer = decide(account, rules, clock.now())
        extras = extra(change, answer) if extra else []
        try:
            store.write_change(change, rules.zone, extras)
        except dynamo.TransactionFailed as failed:
            if failed.failed_at(0) or failed.conflicted:
                raise Retry from failed
            if on_extra_failed is not None:
                return on_extra_failed(failed)
            raise
        return answer

    return until_decided(attempt)


def settled(member_id: str) -> tuple[Account, Rules]:
    """The account with anything past expiry settled first (a write only when something is due)."""

    def attempt() -> tuple[Account, Rules]:
        account = load_existing(member_id)
        rules = rules_store.current()
        now = clock.now()
        change = settle_expired(account, business_day(now, rules.zone), now)
        if not change.entries:
            return account, rules
        try:
            store.write_change(change, rules.zone)
        except dynamo.TransactionFailed as failed:
            raise Retry from failed
        return replace(change.account, version=change.account.version + 1), rules

    return until_decided(attempt)


def profile_of(account: Account, rules: Rules) -> dict[str, Any]:
    tier, level = tier_of(account.lifetime_earned, rules)
    upcoming = next_tier(account.lifetime_earned, rules)
    today = business_day(clock.now(), rules.zone)
    return {
        "member_id": account.member_id,
        "balance": account.balance,
        "lifetime_earned": account.lifetime_earned,
        "frozen": account.frozen,
        "tier": TierView(name=tier.name, level=level),
        "next_tier": NextTierView(name=upcoming[0].name, points_needed=upcoming[1]) if upcoming else None,
        "sign_in": SignInView(
            streak=current_streak(account, today), signed_in_today=account.sign_in_day == today.isoformat()
        ),
        "expiring": [
            ExpiringView(
                points=pts, expires_at=iso(end_of_day(datetime.fromisoformat(day).date(), rules.zone))
            )
            for day, pts in upcoming_expiries(account.lots)
        ],
    }


def profile(member_id: str) -> ProfileView:
    account, rules = settled(member_id)
    return ProfileView(**profile_of(account, rules))


def admin_profile(member_id: str) -> AdminProfileView:
    account, rules = settled(member_id)
    return AdminProfileView(**profile_of(account, rules), frozen_reason=account.frozen_reason)


def ledger_page(
    member_id: str, limit: int, page_cursor: str | None
) -> tuple[list[LedgerEntryView], str | None]:
    start = cursor.decode(page_cursor, member_id, "ledger")
    settled(member_id)  # expired points show up as EXPIRE entries before the page is read
    items, last = store.query_ledger(member_id, limit, start)
    views = [
        LedgerEntryView(
            entry_id=i["entryId"],
            type=i["type"],
            source=i["source"],
            delta=i["delta"],
            balance_after=i["balanceAfter"],
            ref=i.get("ref"),
            note=i.get("note"),
            created_at=i["createdAt"],
        )
        for i in items
    ]
    return views, cursor.encode(member_id, "ledger", last)
