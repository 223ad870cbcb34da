"""Member administration: freeze and unfreeze (no ledger entry), and point adjustments (ADJUST entries)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from mall import clock
from mall.data import accounts, idempotency, rules_store
from mall.data.retry import until_decided
from mall.domain import members
from mall.domain.members import Adjusted
from mall.domain.profile import Profile
from mall.services.accounts import load_existing, profile
from mall.services.idempotent import once

SCOPE = "adjust"


def set_frozen(member_id: str, frozen: bool, reason: str | None) -> Profile:
    def attempt() -> None:
        change = members.set_frozen(load_existing(member_id), frozen, reason)
        accounts.write_change(change, rules_store.current().zone)

    until_decided(attempt)
    return profile(member_id)


@dataclass(frozen=True)
class Adjustment:
    admin: str
    member_id: str
    delta: int
    reason: str
    idempotency_key: str

    @property
    def fingerprint(self) -> str:
        return idempotency.fingerprint(
            {"memberId": self.member_id, "delta": self.delta, "reason": self.reason}
        )


def adjust(request: Adjustment) -> Adjusted:
    """An operator's correction (one ADJUST entry, never below zero), idempotent per (admin, key)."""

    def attempt() -> Adjusted:
        account = load_existing(request.member_id)
        rules, now = rules_store.current(), clock.now()
        change, adjusted = members.adjust(account, request.delta, request.reason, request.admin, rules, now)
        key, fingerprint = request.idempotency_key, request.fingerprint
        record = idempotency.record(SCOPE, request.admin, key, fingerprint, dataclasses.asdict(adjusted), now)
        accounts.write_change(change, rules.zone, record)
        return adjusted

    key, fingerprint = request.idempotency_key, request.fingerprint
    return once(attempt, SCOPE, request.admin, key, fingerprint, lambda doc: Adjusted(**doc))
