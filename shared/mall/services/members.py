"""Member administration: freeze and unfreeze (no ledger entry), and point adjustments (ADJUST entries)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from mall.api.models import WireModel
from mall.data import dynamo, idempotency
from mall.domain.account import Account, Change, credit, debit, settle_expired
from mall.domain.calendar import business_day, expiry_day
from mall.domain.ledger import EntryType
from mall.domain.rules import Rules
from mall.services.accounts import admin_profile, change_account
from mall.services.idempotent import once, replay
from mall.services.views import AdminProfileView

SCOPE = "adjust"


def set_frozen(member_id: str, frozen: bool, reason: str | None) -> AdminProfileView:
    def decide(account: Account, rules: Rules, now: datetime) -> tuple[Change, None]:
        return Change(replace(account, frozen=frozen, frozen_reason=reason if frozen else None)), None

    change_account(member_id, decide)
    return admin_profile(member_id)


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


class AdjustmentView(WireModel):
    member_id: str
    delta: int
    balance: int
    entry_id: str


def adjust(request: Adjustment) -> AdjustmentView:
    """An operator's correction: one ADJUST entry; a deduction takes soonest-expiring points first and
    never takes the balance below zero. Idempotent per (admin, Idempotency-Key)."""

    def decide(account: Account, rules: Rules, now: datetime) -> tuple[Change, AdjustmentView]:
        today = business_day(now, rules.zone)
        change = settle_expired(account, today, now)
        note, ref = request.reason, f"ADMIN#{request.admin}"
        if request.delta > 0:
            entry = credit(
                change,
                request.delta,
                expiry_day(today, rules),
                now,
                today,
                type_=EntryType.ADJUST,
                source="ADMIN",
                ref=ref,
                note=note,
            )
        else:
            entry = debit(
                change, -request.delta, now, today, type_=EntryType.ADJUST, source="ADMIN", ref=ref, note=note
            )
        assert entry is not None  # delta is never 0 (validated at the edge)
        view = AdjustmentView(
            member_id=account.member_id,
            delta=request.delta,
            balance=change.account.balance,
            entry_id=entry.entry_id,
        )
        return change, view

    def record(change: Change, view: AdjustmentView) -> list[dict[str, Any]]:
        body = view.model_dump(by_alias=True)
        return [
            idempotency.record_item(
                SCOPE,
                request.admin,
                request.idempotency_key,
                request.fingerprint,
                body,
                change.entries[-1].created_at,
            )
        ]

    def replay_cancelled(failed: dynamo.TransactionFailed) -> AdjustmentView:
        stored = failed.reasons[-1].item
        if stored is None:
            raise failed
        return replay(stored, request.fingerprint, AdjustmentView)

    def run() -> AdjustmentView:
        return change_account(request.member_id, decide, record, replay_cancelled)

    return once(run, SCOPE, request.admin, request.idempotency_key, request.fingerprint, AdjustmentView)
