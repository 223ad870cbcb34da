"""Earning use cases: purchase/task/campaign points (idempotent on eventId) and the daily sign-in."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mall.data import dynamo
from mall.domain.account import Account, Change
from mall.domain.calendar import end_of_day, iso
from mall.domain.earning import EarnKind, EarnOutcome, earn, sign_in
from mall.domain.rules import Rules
from mall.errors import DomainError
from mall.services.accounts import change_account
from mall.services.idempotent import replay
from mall.services.views import EarnResultView, SignInResultView


@dataclass(frozen=True)
class EarnRequest:
    merchant: str  # event ids are unique per merchant (the service caller), not across merchants
    member_id: str
    event_id: str
    kind: EarnKind
    amount_fen: int | None = None
    category: str | None = None
    points: int | None = None
    note: str | None = None

    def fingerprint(self) -> str:
        body = json.dumps(self.__dict__, sort_keys=True, default=str)
        return hashlib.sha256(body.encode()).hexdigest()


def _event_key(request: EarnRequest) -> dict[str, str]:
    return {"PK": f"EVENT#{request.merchant}#{request.event_id}", "SK": "EVENT"}


def _stored_event(request: EarnRequest) -> dict[str, Any] | None:
    key = _event_key(request)
    return dynamo.get(key["PK"], key["SK"])


def _replay(request: EarnRequest, stored: dict[str, Any]) -> EarnResultView:
    message = f"eventId {request.event_id} was already used with a different body"
    first = replay(stored, request.fingerprint(), EarnResultView, message=message)
    return first.model_copy(update={"replayed": True})


def award(request: EarnRequest) -> EarnResultView:
    """One read and one transaction: account + ledger entry + the event marker that makes it idempotent."""

    def decide(account: Account, rules: Rules, now: datetime) -> tuple[Change, EarnResultView]:
        outcome: EarnOutcome = earn(
            account,
            rules,
            request.kind,
            at=now,
            amount_fen=request.amount_fen,
            category=request.category,
            points=request.points,
            ref=f"EVENT#{request.event_id}",
            note=request.note,
        )
        expires = iso(end_of_day(outcome.expires_on, rules.zone)) if outcome.awarded else None
        result = EarnResultView(
            awarded=outcome.awarded,
            balance=outcome.change.account.balance,
            expires_at=expires,
            replayed=False,
        )
        return outcome.change, result

    def marker(change: Change, result: EarnResultView) -> list[dict[str, Any]]:
        values = _event_key(request) | {
            "memberId": request.member_id,
            "fingerprint": request.fingerprint(),
            "result": result.model_dump(by_alias=True, exclude={"replayed"}),
        }
        return [dynamo.put(values)]

    def replay(failed: dynamo.TransactionFailed) -> EarnResultView:
        stored = failed.reasons[-1].item
        if stored is None:
            raise failed
        return _replay(request, stored)

    try:
        return change_account(request.member_id, decide, marker, replay)
    except DomainError:
        # A known event answers its first result even if the account has since been frozen or removed.
        stored = _stored_event(request)
        if stored is not None:
            return _replay(request, stored)
        raise


def daily_sign_in(member_id: str) -> SignInResultView:
    def decide(account: Account, rules: Rules, now: datetime) -> tuple[Change, SignInResultView]:
        outcome = sign_in(account, rules, now)
        view = SignInResultView(
            awarded=outcome.awarded, streak=outcome.streak, balance=outcome.change.account.balance
        )
        return outcome.change, view

    return change_account(member_id, decide)
