"""Earning use cases: purchase/task/campaign points (idempotent on eventId) and the daily sign-in."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from mall import clock
from mall.data import accounts, earn_events, rules_store
from mall.data.retry import until_decided
from mall.data.transaction import FirstAnswer, Replayed
from mall.domain.calendar import end_of_day, iso, start_of_day
from mall.domain.earning import EarnKind, EarnOutcome, EarnResult, SignInResult, earn, sign_in
from mall.domain.reversal import Purchase
from mall.domain.risk import observe
from mall.errors import DomainError
from mall.services import rate_limits, tasks
from mall.services.accounts import load_existing
from mall.services.campaigns import in_force
from mall.services.idempotent import replay
from mall.services.rate_limits import Limited


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
    task_kind: str | None = None  # narrows TASK events to the tasks with the same taskKind

    def fingerprint(self) -> str:
        # Without a taskKind the body hashes as it did before tasks existed (stored events still replay).
        fields = {k: v for k, v in self.__dict__.items() if k != "task_kind" or v is not None}
        body = json.dumps(fields, sort_keys=True, default=str)
        return hashlib.sha256(body.encode()).hexdigest()


def _first(doc: dict[str, Any]) -> EarnResult:
    # A stored document leaves out what was None (no expiry when nothing was awarded).
    return EarnResult(**{"expires_at": None, **doc, "replayed": True})


def _replay(request: EarnRequest, first: FirstAnswer) -> EarnResult:
    message = f"eventId {request.event_id} was already used with a different body"
    return replay(first, request.fingerprint(), _first, message=message)


def _purchase(request: EarnRequest, outcome: EarnOutcome) -> Purchase | None:
    """What the event marker keeps so that a refund of the purchase can take its points back."""
    if request.kind is not EarnKind.PURCHASE or request.amount_fen is None:
        return None
    return Purchase(
        member_id=request.member_id,
        amount_fen=request.amount_fen,
        awarded=outcome.awarded,
        available_on=outcome.available_on or outcome.earned_on,
        expires_on=outcome.expires_on,
    )


def award(request: EarnRequest) -> EarnResult:
    """One read and one transaction: account + ledger entry + the event marker that makes it idempotent."""

    def attempt() -> EarnResult:
        account = load_existing(request.member_id)
        rules, now = rules_store.current(), clock.now()
        outcome = earn(
            account,
            rules,
            request.kind,
            at=now,
            amount_fen=request.amount_fen,
            category=request.category,
            points=request.points,
            ref=f"EVENT#{request.event_id}",
            note=request.note,
            campaigns=in_force(),
            tasks=tasks.defined(),
            task_kind=request.task_kind,
        )
        observe(outcome.change, rules.risk, now)
        expires = iso(end_of_day(outcome.expires_on, rules.zone)) if outcome.awarded else None
        available = outcome.available_on
        result = EarnResult(
            outcome.awarded,
            outcome.change.account.balance,
            expires,
            pending_until=iso(start_of_day(available, rules.zone)) if available else None,
            shortfall_repaid=outcome.shortfall_repaid,
        )
        earn_events.commit_award(
            outcome.change,
            rules.zone,
            request.merchant,
            request.event_id,
            request.fingerprint(),
            result,
            _purchase(request, outcome),
        )
        return result

    try:
        return until_decided(attempt)
    except Replayed as replayed:
        return _replay(request, replayed.first)
    except DomainError:
        # A known event answers its first result even if the account has since been frozen or removed.
        stored = earn_events.stored(request.merchant, request.event_id)
        if stored is None:
            raise
        return _replay(request, stored)


def daily_sign_in(member_id: str) -> SignInResult:
    def attempt() -> SignInResult:
        rules, now = rules_store.current(), clock.now()
        account = rate_limits.count(load_existing(member_id), Limited.SIGN_IN, rules, now)
        with rate_limits.charged(account):
            outcome = sign_in(account, rules, now, in_force(), tasks.defined())
            observe(outcome.change, rules.risk, now)
            accounts.write_change(outcome.change, rules.zone)
        balance = outcome.change.account.balance
        return SignInResult(outcome.awarded, outcome.streak, balance, outcome.shortfall_repaid)

    return until_decided(attempt)
