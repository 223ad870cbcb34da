"""Random sequences of earning, spending, refunds and expiry keep the account and its ledger in step."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from mall.domain.account import (
    Account,
    Change,
    debit,
    ensure_active,
    refund,
    settle_expired,
    tier_of,
)
from mall.domain.calendar import business_day, expiry_day
from mall.domain.earning import EarnKind, cap_left, current_streak, earn, sign_in
from mall.domain.ledger import EntryType, LedgerEntry
from mall.domain.rules import DEFAULT_RULES, Rules
from mall.errors import AccountFrozen, AlreadySignedIn, InsufficientPoints

RULESETS = [
    DEFAULT_RULES,
    # Short expiry, a small cap and low tiers, so that expiry, capping and tier changes happen often.
    Rules.model_validate(
        {
            "signInRewards": [1, 2, 3],
            "purchasePointsPerYuan": 0.7,
            "categoryRates": {"food": 1.5, "toys": 0.1},
            "tiers": [
                {"name": "A", "threshold": 0, "multiplier": 1.0},
                {"name": "B", "threshold": 50, "multiplier": 1.2},
                {"name": "C", "threshold": 200, "multiplier": 1.5},
            ],
            "dailyCap": 40,
            "expiry": {"mode": "ROLLING", "days": 3},
        }
    ),
    Rules.model_validate({"expiry": {"mode": "ANNUAL"}, "timeZone": "UTC", "categoryRates": {"food": 2.3}}),
    Rules.model_validate(
        {
            "signInRewards": [0, 5],
            "dailyCap": 0,
            "expiry": {"mode": "ROLLING", "days": 1},
            "timeZone": "America/New_York",
        }
    ),
]


def _purchase_formula(amount_fen: int, category: str | None, lifetime: int, rules: Rules) -> int:
    rate = rules.category_rates.get(category, 1.0) if category else 1.0
    tier, _ = tier_of(lifetime, rules)
    exact = Fraction(amount_fen)
    for factor in (rules.purchase_points_per_yuan, rate, tier.multiplier):
        exact *= Fraction(str(factor))
    return math.floor(exact / 100)


class LedgerMachine(RuleBasedStateMachine):
    rules_: Rules
    now: datetime
    account: Account
    ledger: list[LedgerEntry]
    open_spends: list[LedgerEntry]

    @initialize(
        rules=st.sampled_from(RULESETS),
        start=st.datetimes(
            min_value=datetime(2026, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
        ),
    )
    def setup(self, rules: Rules, start: datetime) -> None:
        self.rules_ = rules
        self.now = start
        self.account = Account(member_id="m1", created_at="2026-01-01T00:00:00+08:00")
        self.ledger = []
        self.open_spends = []

    # --- helpers ------------------------------------------------------------------------------

    @property
    def today(self) -> date:
        return business_day(self.now, self.rules_.zone)

    def apply(self, change: Change) -> None:
        """Check one change against the account it started from, then make it the new state."""
        start = self.account
        snapshot = (dict(start.lots), start.lifetime_earned)
        running = start.balance
        for entry in change.entries:
            running += entry.delta
            assert entry.balance_after == running
            assert entry.created_at == self.now
            assert entry.day == self.today
        assert running == change.account.balance
        assert (dict(start.lots), start.lifetime_earned) == snapshot  # the domain never mutates its input
        self.ledger.extend(change.entries)
        self.account = change.account

    def assert_settled(self) -> None:
        assert all(date.fromisoformat(day) >= self.today for day in self.account.lots)

    # --- time ---------------------------------------------------------------------------------

    @rule(minutes=st.integers(min_value=1, max_value=3 * 24 * 60))
    def pass_minutes(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)

    @rule(days=st.integers(min_value=1, max_value=400))
    def pass_days(self, days: int) -> None:
        self.now += timedelta(days=days)

    @rule()
    def toggle_frozen(self) -> None:
        frozen = not self.account.frozen
        self.account = replace(self.account, frozen=frozen, frozen_reason="test" if frozen else None)

    # --- earning ------------------------------------------------------------------------------

    @rule(
        amount_fen=st.integers(min_value=1, max_value=300_000),
        category=st.sampled_from([None, "food", "toys", "unknown"]),
    )
    def earn_purchase(self, amount_fen: int, category: str | None) -> None:
        before = self.account
        if before.frozen:
            with pytest.raises(AccountFrozen):
                earn(
                    before,
                    self.rules_,
                    EarnKind.PURCHASE,
                    at=self.now,
                    amount_fen=amount_fen,
                    category=category,
                )
            return
        outcome = earn(
            before, self.rules_, EarnKind.PURCHASE, at=self.now, amount_fen=amount_fen, category=category
        )
        # The tier is the one held before this purchase (expiry never lowers lifetime earned).
        assert outcome.awarded == _purchase_formula(amount_fen, category, before.lifetime_earned, self.rules_)
        self._check_earned(before, outcome.change, outcome.awarded, outcome.expires_on)
        assert (outcome.change.account.cap_day, outcome.change.account.cap_used) == (
            before.cap_day,
            before.cap_used,
        )

    @rule(
        kind=st.sampled_from([EarnKind.TASK, EarnKind.CAMPAIGN]),
        points=st.integers(min_value=1, max_value=800),
    )
    def earn_capped(self, kind: EarnKind, points: int) -> None:
        before = self.account
        if before.frozen:
            with pytest.raises(AccountFrozen):
                earn(before, self.rules_, kind, at=self.now, points=points)
            return
        left = cap_left(before, self.today, self.rules_)
        outcome = earn(before, self.rules_, kind, at=self.now, points=points)
        assert outcome.awarded == min(points, left)
        after = outcome.change.account
        assert after.cap_day == self.today.isoformat()
        assert after.cap_used == self.rules_.daily_cap - left + outcome.awarded <= self.rules_.daily_cap
        self._check_earned(before, outcome.change, outcome.awarded, outcome.expires_on)

    @rule()
    def do_sign_in(self) -> None:
        before = self.account
        if before.frozen:
            with pytest.raises(AccountFrozen):
                sign_in(before, self.rules_, self.now)
            return
        if before.sign_in_day == self.today.isoformat():
            with pytest.raises(AlreadySignedIn):
                sign_in(before, self.rules_, self.now)
            return
        expected_streak = current_streak(before, self.today) + 1
        outcome = sign_in(before, self.rules_, self.now)
        assert outcome.streak == expected_streak
        rewards = self.rules_.sign_in_rewards
        assert outcome.awarded == rewards[(expected_streak - 1) % len(rewards)]
        assert outcome.change.account.sign_in_day == self.today.isoformat()
        assert current_streak(outcome.change.account, self.today) == expected_streak
        self._check_earned(before, outcome.change, outcome.awarded, expiry_day(self.today, self.rules_))

    def _check_earned(self, before: Account, change: Change, awarded: int, expires_on: date) -> None:
        types = [e.type for e in change.entries]
        expired = [day for day in sorted(before.lots) if date.fromisoformat(day) < self.today]
        # Expired lots are settled first, one EXPIRE entry each, then at most one EARN entry.
        assert types == [EntryType.EXPIRE] * len(expired) + ([EntryType.EARN] if awarded > 0 else [])
        assert [-e.delta for e in change.entries[: len(expired)]] == [before.lots[d] for d in expired]
        if awarded > 0:
            assert change.entries[-1].delta == awarded
            settled = sum(before.lots[d] for d in expired)
            assert change.account.lots[expires_on.isoformat()] >= awarded
            assert change.account.balance == before.balance - settled + awarded
        assert change.account.lifetime_earned == before.lifetime_earned + max(awarded, 0)
        self.apply(change)
        self.assert_settled()

    # --- spending -----------------------------------------------------------------------------

    @rule(points=st.integers(min_value=1, max_value=1500))
    def spend(self, points: int) -> None:
        if self.account.frozen:
            with pytest.raises(AccountFrozen):
                ensure_active(self.account)
            return
        change = settle_expired(self.account, self.today, self.now)
        held = dict(change.account.lots)
        settled_entries = list(change.entries)
        try:
            entry = debit(change, points, self.now, self.today, source="REDEMPTION", ref="ORDER")
        except InsufficientPoints:
            assert points > sum(held.values())
            assert change.account.lots == held  # the failed debit changed nothing
            assert change.entries == settled_entries
            self.apply(change)  # keep the settlement only
            return
        assert sum(held.values()) >= points
        assert entry.delta == -points
        assert sum(entry.lots.values()) == points
        # Soonest first: the lots taken are the earliest ones, all but the last taken whole.
        taken_days = list(entry.lots)
        assert taken_days == sorted(held)[: len(taken_days)]
        assert all(entry.lots[d] == held[d] for d in taken_days[:-1])
        assert 0 < entry.lots[taken_days[-1]] <= held[taken_days[-1]]
        for day, pts in held.items():
            assert change.account.lots.get(day, 0) == pts - entry.lots.get(day, 0)
        self.apply(change)
        self.assert_settled()
        assert entry is not None
        self.open_spends.append(entry)

    @precondition(lambda self: bool(self.open_spends))
    @rule(data=st.data())
    def refund_a_spend(self, data: st.DataObject) -> None:
        spent = self.open_spends.pop(data.draw(st.integers(min_value=0, max_value=len(self.open_spends) - 1)))
        change = settle_expired(self.account, self.today, self.now)
        held = dict(change.account.lots)
        entry = refund(change, spent.lots, self.now, self.today, source="CANCEL", ref=spent.ref)
        assert entry is not None
        assert entry.type is EntryType.REFUND
        assert entry.delta == -spent.delta
        assert entry.lots == spent.lots
        # Exactly the expiry days the points came from, even those that have passed since.
        after = change.account.lots
        assert set(after) == set(held) | set(spent.lots)
        for day in after:
            assert after[day] == held.get(day, 0) + spent.lots.get(day, 0)
        self.apply(change)

    @rule()
    def settle(self) -> None:
        before = dict(self.account.lots)
        change = settle_expired(self.account, self.today, self.now)
        gone = {day: pts for day, pts in before.items() if date.fromisoformat(day) < self.today}
        assert [(e.type, e.delta, e.ref) for e in change.entries] == [
            (EntryType.EXPIRE, -pts, f"EXPIRY#{day}") for day, pts in sorted(gone.items())
        ]
        assert change.account.lots == {day: pts for day, pts in before.items() if day not in gone}
        self.apply(change)
        self.assert_settled()

    # --- invariants ---------------------------------------------------------------------------

    @invariant()
    def ledger_explains_the_balance(self) -> None:
        running = 0
        for entry in self.ledger:
            assert entry.delta != 0
            running += entry.delta
            assert entry.balance_after == running
            assert entry.balance_after >= 0
        assert running == self.account.balance

    @invariant()
    def lots_are_positive(self) -> None:
        assert all(points > 0 for points in self.account.lots.values())
        assert self.account.balance >= 0

    @invariant()
    def lifetime_is_the_sum_of_earnings(self) -> None:
        assert self.account.lifetime_earned == sum(e.delta for e in self.ledger if e.type is EntryType.EARN)

    @invariant()
    def entry_ids_are_unique(self) -> None:
        assert len({e.entry_id for e in self.ledger}) == len(self.ledger)

    @invariant()
    def cap_is_respected(self) -> None:
        assert 0 <= self.account.cap_used <= self.rules_.daily_cap


LedgerMachine.TestCase.settings = settings(max_examples=200, stateful_step_count=30, deadline=None)
TestLedgerProperties = LedgerMachine.TestCase
