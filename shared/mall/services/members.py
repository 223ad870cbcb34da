"""Member administration: freeze and unfreeze (no ledger entry), and point adjustments (ADJUST entries)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from mall import clock
from mall.data import accounts, audit, idempotency, rules_store
from mall.data.retry import until_decided
from mall.domain import members
from mall.domain.audit import Action, Actor, entry
from mall.domain.members import Adjusted
from mall.domain.profile import Profile
from mall.services.accounts import load_existing, profile
from mall.services.idempotent import once

SCOPE = "adjust"


def set_frozen(member_id: str, frozen: bool, reason: str, by: Actor) -> Profile:
    """Freeze (with the reason, which the member's profile shows admins) or unfreeze; audited."""

    def attempt() -> None:
        account = load_existing(member_id)
        change = members.set_frozen(account, frozen, reason if frozen else None)
        action = Action.MEMBER_FROZEN if frozen else Action.MEMBER_UNFROZEN
        before, after = (
            {"frozen": a.frozen, "frozenReason": a.frozen_reason} for a in (account, change.account)
        )
        record = entry(
            action,
            by,
            f"member:{member_id}",
            clock.now(),
            member_id=member_id,
            before=before,
            after=after,
            reason=reason,
        )
        accounts.write_change(change, rules_store.current().zone, audit.record(record))

    until_decided(attempt)
    return profile(member_id)


@dataclass(frozen=True)
class Adjustment:
    by: Actor
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
    """An operator's correction (one ADJUST entry, never below zero), idempotent per (admin, key);
    which admin made it is kept in the audit log, not on the member's ledger."""
    admin, member_id = request.by.name, request.member_id

    def attempt() -> Adjusted:
        account = load_existing(member_id)
        rules, now = rules_store.current(), clock.now()
        change, adjusted = members.adjust(account, request.delta, request.reason, rules, now)
        key, fingerprint = request.idempotency_key, request.fingerprint
        record = idempotency.record(SCOPE, admin, key, fingerprint, dataclasses.asdict(adjusted), now)
        audited = entry(
            Action.MEMBER_ADJUSTED,
            request.by,
            f"member:{member_id}",
            now,
            member_id=member_id,
            before={"balance": account.balance},
            after={"balance": adjusted.balance, "delta": adjusted.delta, "entryId": adjusted.entry_id},
            reason=request.reason,
        )
        accounts.write_change(change, rules.zone, record.extend(audit.record(audited)))
        return adjusted

    key, fingerprint = request.idempotency_key, request.fingerprint
    return once(attempt, SCOPE, admin, key, fingerprint, lambda doc: Adjusted(**doc))
