"""Member administration: freeze and unfreeze (no balance change, so no ledger entry)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from mall.domain.account import Account, Change
from mall.domain.rules import Rules
from mall.services.accounts import admin_profile, change_account
from mall.services.views import AdminProfileView


def set_frozen(member_id: str, frozen: bool, reason: str | None) -> AdminProfileView:
    def decide(account: Account, rules: Rules, now: datetime) -> tuple[Change, None]:
        return Change(replace(account, frozen=frozen, frozen_reason=reason if frozen else None)), None

    change_account(member_id, decide)
    return admin_profile(member_id)
