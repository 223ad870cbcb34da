"""Invite codes and referrals: the items that make a code a key lookup and a referral happen once.

- invite code: `INVITE#<code>` / `INVITE` → the member whose code it is (written when the account opens,
  so resolving a code at login is one GetItem, never a scan);
- referral: `REFERRAL#<invitee>` / `REFERRAL`: who invited the member, with which code, what each got;
  written in the transaction that opens the invitee's account, which can happen only once.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from pynamodb.attributes import UnicodeAttribute

from mall.data import accounts, dynamo
from mall.data.accounts import AccountItem, account_key
from mall.data.dynamo import IntegerAttribute, Item, Key
from mall.data.transaction import Transaction, lost_race
from mall.domain.account import Account
from mall.domain.referrals import Referral


class InviteItem(Item):
    """`INVITE#<code>` / `INVITE`: whose invite code this is."""

    member_id = UnicodeAttribute(attr_name="memberId")


class ReferralItem(Item):
    """`REFERRAL#<invitee>` / `REFERRAL`: the inviter, the code used and the points each side got."""

    inviter = UnicodeAttribute()
    code = UnicodeAttribute()
    created_at = UnicodeAttribute(attr_name="createdAt")
    invitee_points = IntegerAttribute(attr_name="inviteePoints")
    inviter_points = IntegerAttribute(attr_name="inviterPoints")


def invite_key(code: str) -> Key:
    return f"INVITE#{code}", "INVITE"


def owner_of(code: str) -> str | None:
    item = dynamo.get(InviteItem, invite_key(code), consistent=False)
    return item.member_id if item else None


def code_part(code: str, member_id: str) -> Transaction:
    """The code's item; if another member drew the same code first, `LostRace` (draw another)."""
    return Transaction().put(
        "invite code", InviteItem(*invite_key(code), member_id=member_id), on_fail=lost_race
    )


def referral_parts(
    referral: Referral, inviter_id: str, code: str, zone: ZoneInfo, at: datetime
) -> Transaction:
    """What rides with the invitee's account (whose REFERRAL entry `accounts.open_parts` writes): the
    inviter's change (only if the inviter did not change since read), and the referral record."""
    record = ReferralItem(
        PK=f"REFERRAL#{referral.invitee.account.member_id}",
        SK="REFERRAL",
        inviter=inviter_id,
        code=code,
        created_at=at.astimezone(zone).isoformat(timespec="seconds"),
        invitee_points=referral.invitee_points,
        inviter_points=referral.inviter_points,
    )
    tx = Transaction()  # the invitee's entries are written with the account it opens
    if referral.inviter is not None:
        tx.extend(accounts.change_parts(referral.inviter, zone, "inviter "))
    return tx.put("referral", record)


def assign_code(account: Account, code: str) -> None:
    """Give an account opened before invite codes existed its code: `LostRace` if the code is taken or
    the account changed since read (read again: it may have its code by then)."""
    item = AccountItem(*account_key(account.member_id))
    item.version = account.version
    tx = code_part(code, account.member_id)
    tx.update("account", item, [AccountItem.invite_code.set(code)], versioned=True)
    tx.commit()
