"""Referrals (邀请好友): each member's invite code, and what a login that opens an account with a friend's
code gives both sides."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, replace
from datetime import datetime

from mall.domain.account import Account, Change, credit, settle_expired
from mall.domain.calendar import business_day, expiry_day
from mall.domain.earning import cap_left
from mall.domain.rules import Rules

_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O/1/I: codes are read aloud and typed
CODE_LENGTH = 8  # 32^8 ≈ 10^12 codes: a guess hits one of a million members once in a million tries
_CODE = re.compile(rf"^[{_ALPHABET}]{{{CODE_LENGTH}}}$")
SOURCE = "REFERRAL"


def new_invite_code() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(CODE_LENGTH))


def normalised(code: str | None) -> str | None:
    """The code as stored (codes are shown upper case, typed any case), or None if it cannot be one."""
    if code is None:
        return None
    upper = code.strip().upper()
    return upper if _CODE.match(upper) else None


@dataclass(frozen=True)
class Referral:
    """The invitee's new account with its reward, and the inviter's change (None: nothing to write)."""

    invitee: Change
    inviter: Change | None
    invitee_points: int
    inviter_points: int


def refer(invitee: Account | Change, inviter: Account, rules: Rules, at: datetime) -> Referral:
    """`referralReward` for each side: the new member's outside any cap, the inviter's inside the
    inviter's daily cap; a frozen inviter earns nothing (the new member still does). `invitee` may be
    the opening change already (with its welcome bonus): the reward is added to it."""
    today = business_day(at, rules.zone)
    expires = expiry_day(today, rules)
    joined = invitee if isinstance(invitee, Change) else Change(invitee)
    ref = f"{SOURCE}#{joined.account.member_id}"
    credit(
        joined,
        rules.referral_reward,
        expires,
        at,
        today,
        source=SOURCE,
        ref=ref,
        note="joined with an invite code",
    )
    if inviter.frozen:
        return Referral(joined, None, rules.referral_reward, 0)
    change = settle_expired(inviter, today, at)
    awarded = min(rules.referral_reward, cap_left(change.account, today, rules))
    if awarded <= 0:  # the cap is used up today: nothing to write for the inviter
        return Referral(joined, None, rules.referral_reward, 0)
    used = change.account.cap_used if change.account.cap_day == today.isoformat() else 0
    change.account = replace(change.account, cap_day=today.isoformat(), cap_used=used + awarded)
    credit(change, awarded, expires, at, today, source=SOURCE, ref=ref, note="invited a friend")
    return Referral(joined, change, rules.referral_reward, awarded)
