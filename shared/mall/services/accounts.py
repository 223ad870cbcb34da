"""Reading accounts: the settled account, the member's profile and ledger pages."""

from __future__ import annotations

from dataclasses import replace

from mall import clock
from mall.data import accounts as store
from mall.data import rules_store
from mall.data.retry import until_decided
from mall.domain.account import Account, settle_expired
from mall.domain.calendar import business_day
from mall.domain.ledger import LedgerEntry
from mall.domain.profile import Profile, profile_of
from mall.domain.rules import Rules
from mall.errors import MemberNotFound
from mall.services.referrals import with_invite_code


def load_existing(member_id: str) -> Account:
    account = store.load(member_id)
    if account is None:
        raise MemberNotFound(f"member {member_id} not found")
    return account


def settled(member_id: str) -> tuple[Account, Rules]:
    """The account with whatever the clock made due settled first (pending points that became
    spendable, points past expiry): a write only when something is due."""

    def attempt() -> tuple[Account, Rules]:
        account = load_existing(member_id)
        rules, now = rules_store.current(), clock.now()
        change = settle_expired(account, business_day(now, rules.zone), now)
        if change.account == account:
            return account, rules
        store.write_change(change, rules.zone)
        return replace(change.account, version=change.account.version + 1), rules

    return until_decided(attempt)


def profile(member_id: str) -> Profile:
    account, rules = settled(member_id)
    return profile_of(with_invite_code(account), rules, business_day(clock.now(), rules.zone))


def ledger_page(member_id: str, limit: int, start: str | None) -> tuple[list[LedgerEntry], str | None]:
    """Newest first, after `start` (a position this list handed out); expired points show up as EXPIRE
    entries before the page is read."""
    settled(member_id)
    return store.ledger_page(member_id, limit, start)
