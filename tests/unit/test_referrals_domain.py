"""Referral rules: invite codes, and what each side of a referral gets."""

from __future__ import annotations

from datetime import UTC, datetime

from mall.domain.account import Account
from mall.domain.referrals import CODE_LENGTH, new_invite_code, normalised, refer
from mall.domain.rules import Rules

AT = datetime(2030, 6, 15, 4, tzinfo=UTC)  # business day 2030-06-15 in Shanghai


def test_codes_are_random_and_typed_in_any_case() -> None:
    codes = {new_invite_code() for _ in range(1000)}
    assert len(codes) == 1000 and all(len(c) == CODE_LENGTH for c in codes)
    code = next(iter(codes))
    assert normalised(f"  {code.lower()} ") == code
    assert [normalised(c) for c in (None, "", "ABCDEFG", "ABCDEFGHJ", "ABCDEFG0", "ABCDEFGI")] == [None] * 6


def test_both_sides_earn_the_inviter_within_the_cap() -> None:
    new = Account("bob", "2030-06-15T12:00:00+08:00", invite_code="BBBBBBBB")
    inviter = Account("alice", "2030-01-01", lots={"2031-01-01": 7}, cap_day="2030-06-15", cap_used=430)
    referral = refer(new, inviter, Rules(), AT)
    assert (referral.invitee_points, referral.inviter_points) == (100, 70)
    assert referral.invitee.account.balance == 100 and referral.invitee.account.lifetime_earned == 100
    assert referral.invitee.account.cap_used == 0
    assert referral.inviter is not None
    assert (referral.inviter.account.balance, referral.inviter.account.cap_used) == (77, 500)
    assert [(e.source, e.delta, e.ref) for e in referral.inviter.entries] == [
        ("REFERRAL", 70, "REFERRAL#bob")
    ]


def test_an_inviter_at_the_cap_or_frozen_writes_nothing() -> None:
    new = Account("bob", "2030-06-15T12:00:00+08:00")
    capped = Account("alice", "2030-01-01", cap_day="2030-06-15", cap_used=500)
    assert refer(new, capped, Rules(), AT).inviter is None
    frozen = Account("alice", "2030-01-01", frozen=True)
    referral = refer(new, frozen, Rules(), AT)
    assert referral.inviter is None and referral.invitee.account.balance == 100
