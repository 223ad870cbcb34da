"""Referrals: opening an account (with its own invite code, and a friend's code rewarding both sides)."""

from __future__ import annotations

from dataclasses import replace

from mall import clock
from mall.data import accounts, referrals, rules_store
from mall.data.retry import until_decided
from mall.domain.account import Account
from mall.domain.calendar import business_day, iso
from mall.domain.journey import opened
from mall.domain.referrals import new_invite_code, normalised, refer
from mall.errors import MemberNotFound


def open_member(member_id: str, invite_code: str | None = None, openid: str | None = None) -> str:
    """Open the member's account, unless it exists, in one transaction with its own invite code and,
    given a friend's code, both sides' referral points and the referral record. The account's put is
    what makes this happen once: two concurrent first logins open it once, and a login to an existing
    account awards nothing. An own, unknown or malformed code is ignored. Returns the member whose
    account it is (for a WeChat login that lost the race to open it, the winner's)."""
    code = normalised(invite_code)
    inviter_id = referrals.owner_of(code) if code else None

    def attempt() -> str:
        rules, now = rules_store.current(), clock.now()
        account = Account(member_id, iso(now.astimezone(rules.zone)), invite_code=new_invite_code())
        opening = opened(account, rules, now, business_day(now, rules.zone))  # counted, welcome bonus
        also = referrals.code_part(str(account.invite_code), member_id)
        inviter = accounts.load(inviter_id) if inviter_id and code and inviter_id != member_id else None
        if inviter is not None and code is not None:
            referral = refer(opening, inviter, rules, now)
            also.extend(referrals.referral_parts(referral, inviter.member_id, code, rules.zone, now))
        if openid is None:
            accounts.open_account(opening, rules.zone, also)
            return member_id
        return accounts.open_wechat_account(openid, opening, rules.zone, also)

    return until_decided(attempt)


def with_invite_code(account: Account) -> Account:
    """The account with its invite code: one opened before codes existed gets it on first sight."""
    if account.invite_code:
        return account

    def attempt() -> Account:
        current = accounts.load(account.member_id)
        if current is None:
            raise MemberNotFound(f"member {account.member_id} not found")
        if current.invite_code:
            return current
        code = new_invite_code()
        referrals.assign_code(current, code)
        return replace(current, invite_code=code, version=current.version + 1)

    return until_decided(attempt)
