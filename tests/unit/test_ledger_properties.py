"""Random sequences of earning, spending, refunds, expiry, pending purchase points and reversals keep
the account and its ledger in step."""

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
    MAX_RELEASE_ENTRIES,
    Account,
    Change,
    debit,
    ensure_active,
    pending_dates,
    pending_key,
    refund,
    settle_expired,
    tier_of,
)
from mall.domain.calendar import business_day, expiry_day
from mall.domain.earning import EarnKind, cap_left, current_streak, earn, sign_in
from mall.domain.ledger import EntryType, LedgerEntry
from mall.domain.reversal import Purchase, reverse
from mall.domain.rules import DEFAULT_RULES, Rules
from mall.errors import AccountFrozen, AlreadySignedIn, InsufficientPoints, ReversalExceedsPurchase

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
    # Purchase points pending: a return window as long as the expiry (released and expired together)...
    Rules.model_validate(
        {
            "signInRewards": [1, 2, 3],
            "tiers": [
                {"name": "A", "threshold": 0, "multiplier": 1.0},
                {"name": "B", "threshold": 50, "multiplier": 1.5},
            ],
            "dailyCap": 40,
            "expiry": {"mode": "ROLLING", "days": 3},
            "pendingDays": 3,
        }
    ),
    # ...and the usual week, with yearly expiry.
    Rules.model_validate({"pendingDays": 7, "expiry": {"mode": "ANNUAL"}, "timeZone": "UTC"}),
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
    purchases: list[Purchase]
    # An independent model of what is not in the ledger: pending lots and lifetime earned.
    model_pending: dict[str, int]
    model_lifetime: int
    # Every flow of points, for the conservation law (balance + pending - shortfall).
    flows: dict[str, int]

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
        self.purchases = []
        self.model_pending = {}
        self.model_lifetime = 0
        self.flows = {"awarded": 0, "refunded": 0, "spent": 0, "expired": 0, "reversed": 0}

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
        self.flows["expired"] -= sum(e.delta for e in change.entries if e.type is EntryType.EXPIRE)
        self.ledger.extend(change.entries)
        self.account = change.account

    def model_release(self) -> None:
        """What the model expects any settling to release: pending lots whose day has come count now."""
        due = [key for key in self.model_pending if pending_dates(key)[0] <= self.today]
        for key in due:
            self.model_lifetime += self.model_pending.pop(key)

    def assert_settled(self) -> None:
        assert all(date.fromisoformat(day) >= self.today for day in self.account.lots)
        assert all(pending_dates(key)[0] > self.today for key in self.account.pending)

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
        # The tier is the one held after settling (released pending points count from their day on;
        # expiry never lowers lifetime earned).
        settled = settle_expired(before, self.today, self.now).account
        assert outcome.awarded == _purchase_formula(
            amount_fen, category, settled.lifetime_earned, self.rules_
        )
        if self.rules_.pending_days and outcome.awarded:
            assert outcome.available_on == self.today + timedelta(days=self.rules_.pending_days)
        else:
            assert outcome.available_on is None
        self._check_earned(before, outcome.change, outcome.awarded, outcome.expires_on, outcome.available_on)
        self.purchases.append(
            Purchase(
                "m1", amount_fen, outcome.awarded, outcome.available_on or self.today, outcome.expires_on
            )
        )
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

    def _check_earned(
        self,
        before: Account,
        change: Change,
        awarded: int,
        expires_on: date,
        available_on: date | None = None,
    ) -> None:
        # Whatever the clock made due is settled first (the `settle` rule checks how), then the award.
        settled = settle_expired(before, self.today, self.now)
        n = len(settled.entries)
        assert [(e.type, e.delta) for e in change.entries[:n]] == [(e.type, e.delta) for e in settled.entries]
        own = change.entries[n:]
        after, base = change.account, settled.account
        if available_on is not None:  # pending: outside the balance, no entry, not toward lifetime
            key = pending_key(available_on, expires_on)
            assert own == []
            assert after.pending[key] == base.pending.get(key, 0) + awarded
            assert (after.balance, after.lifetime_earned, after.shortfall) == (
                base.balance,
                base.lifetime_earned,
                base.shortfall,
            )
            self.model_pending[key] = self.model_pending.get(key, 0) + awarded
        else:  # the shortfall is repaid first; one EARN entry with what is left, if anything
            repaid = min(awarded, base.shortfall)
            expected = [(EntryType.EARN, awarded - repaid)] if awarded > repaid else []
            assert [(e.type, e.delta) for e in own] == expected
            assert after.balance == base.balance + awarded - repaid
            assert after.shortfall == base.shortfall - repaid
            assert after.lifetime_earned == base.lifetime_earned + awarded
            if awarded > repaid:
                assert after.lots[expires_on.isoformat()] >= awarded - repaid
            self.model_lifetime += awarded
        self.flows["awarded"] += awarded
        self.model_release()
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
            self.model_release()
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
        self.flows["spent"] += points
        self.model_release()
        self.apply(change)
        self.assert_settled()
        assert entry is not None
        self.open_spends.append(entry)

    @precondition(lambda self: bool(self.open_spends))
    @rule(data=st.data())
    def refund_a_spend(self, data: st.DataObject) -> None:
        spent = self.open_spends.pop(data.draw(st.integers(min_value=0, max_value=len(self.open_spends) - 1)))
        change = settle_expired(self.account, self.today, self.now)
        held, owed = dict(change.account.lots), change.account.shortfall
        entry = refund(change, spent.lots, self.now, self.today, source="CANCEL", ref=spent.ref)
        # A shortfall is repaid out of the refund first (its soonest lots); the entry carries the rest.
        repaid = min(-spent.delta, owed)
        assert change.account.shortfall == owed - repaid
        back = entry.lots if entry else {}
        if repaid == -spent.delta:
            assert entry is None
        else:
            assert entry is not None
            assert entry.type is EntryType.REFUND
            assert entry.delta == -spent.delta - repaid == sum(back.values())
            kept_days = sorted(spent.lots)[len(spent.lots) - len(back) :]
            assert sorted(back) == kept_days
            assert all(0 < back[d] <= spent.lots[d] for d in back)
        # Into exactly the expiry days the points came from, even those that have passed since.
        after = change.account.lots
        assert set(after) == set(held) | set(back)
        for day in after:
            assert after[day] == held.get(day, 0) + back.get(day, 0)
        self.flows["refunded"] += -spent.delta
        self.model_release()
        self.apply(change)

    @rule()
    def settle(self) -> None:
        start = self.account
        change = settle_expired(start, self.today, self.now)
        # First the pending lots whose day has come: one EARN per day (net of the shortfall they repay).
        due = {k: v for k, v in start.pending.items() if pending_dates(k)[0] <= self.today}
        by_day: dict[date, int] = {}
        for key, points in due.items():
            by_day[pending_dates(key)[0]] = by_day.get(pending_dates(key)[0], 0) + points
        groups = [sum(by_day.values())] if len(by_day) > MAX_RELEASE_ENTRIES else list(by_day.values())
        owed, released = start.shortfall, []
        for points in (g for g in groups if g):
            repaid = min(points, owed)
            owed -= repaid
            if points > repaid:
                released.append((EntryType.EARN, points - repaid))
        assert [(e.type, e.delta) for e in change.entries[: len(released)]] == released
        assert change.account.shortfall == owed
        assert change.account.lifetime_earned == start.lifetime_earned + sum(due.values())
        assert change.account.pending == {k: v for k, v in start.pending.items() if k not in due}
        # Then every lot past its last day (released ones too), one EXPIRE entry each, soonest first.
        expired = change.entries[len(released) :]
        assert all(e.type is EntryType.EXPIRE for e in expired)
        days = [e.ref.removeprefix("EXPIRY#") for e in expired if e.ref]
        assert days == sorted(days) and all(date.fromisoformat(d) < self.today for d in days)
        kept = {d: p for d, p in start.lots.items() if date.fromisoformat(d) >= self.today}
        assert all(change.account.lots.get(d, 0) >= p for d, p in kept.items())
        self.model_release()
        self.apply(change)
        self.assert_settled()

    # --- returns ------------------------------------------------------------------------------

    @precondition(lambda self: bool(self.purchases))
    @rule(data=st.data(), whole=st.booleans())
    def reverse_a_purchase(self, data: st.DataObject, whole: bool) -> None:
        index = data.draw(st.integers(min_value=0, max_value=len(self.purchases) - 1))
        bought = self.purchases[index]
        left = bought.amount_fen - bought.refunded_fen
        amount = None if whole else data.draw(st.integers(min_value=1, max_value=bought.amount_fen))
        if (left if amount is None else amount) > left or left == 0:
            with pytest.raises(ReversalExceedsPurchase):
                reverse(self.account, bought, amount, "r", "EVENT#e", self.rules_, self.now)
            return
        reversal = reverse(self.account, bought, amount, "r", "EVENT#e", self.rules_, self.now)
        after = reversal.purchase
        # In total, the event has lost ⌊awarded × refunded / amount⌋: all of it once fully refunded.
        assert after.refunded_fen == bought.amount_fen - left + (left if amount is None else amount)
        assert after.reversed == bought.awarded * after.refunded_fen // bought.amount_fen
        points = after.reversed - bought.reversed
        assert reversal.result.reversed == points >= 0
        settled = settle_expired(self.account, self.today, self.now)
        n = len(settled.entries)
        change, base = reversal.change, settled.account
        assert [(e.type, e.delta) for e in change.entries[:n]] == [(e.type, e.delta) for e in settled.entries]
        own = change.entries[n:]
        self.model_release()
        if self.today < bought.available_on:  # still pending: the points simply vanish
            key = pending_key(bought.available_on, bought.expires_on)
            assert own == [] and reversal.result.shortfall == 0
            assert change.account.pending.get(key, 0) == base.pending.get(key, 0) - points
            assert (change.account.balance, change.account.lifetime_earned) == (
                base.balance,
                base.lifetime_earned,
            )
            self.model_pending[key] -= points
            if not self.model_pending[key]:
                del self.model_pending[key]
        else:  # off the balance as far as it goes, the rest is shortfall; never negative
            from_balance = min(points, base.balance)
            expected = [(EntryType.REVERSE, -from_balance)] if from_balance else []
            assert [(e.type, e.delta) for e in own] == expected
            assert reversal.result.shortfall == points - from_balance
            assert change.account.shortfall == base.shortfall + points - from_balance
            assert change.account.lifetime_earned == base.lifetime_earned - points
            self.model_lifetime -= points
        assert reversal.result.balance == change.account.balance
        self.flows["reversed"] += points
        self.purchases[index] = after
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
    def lifetime_counts_spendable_earnings_less_reversals(self) -> None:
        assert self.account.lifetime_earned == self.model_lifetime >= 0
        if not any(p.reversed for p in self.purchases):  # without reversals: the sum of EARN entries
            assert self.account.lifetime_earned == sum(
                e.delta for e in self.ledger if e.type is EntryType.EARN
            )

    @invariant()
    def pending_lots_are_the_models(self) -> None:
        assert self.account.pending == self.model_pending
        assert all(points > 0 for points in self.account.pending.values())

    @invariant()
    def every_point_is_accounted_for(self) -> None:
        """balance + pending - shortfall = awarded + refunded - spent - expired - reversed."""
        f = self.flows
        held = self.account.balance + sum(self.account.pending.values()) - self.account.shortfall
        assert held == f["awarded"] + f["refunded"] - f["spent"] - f["expired"] - f["reversed"]
        assert self.account.shortfall >= 0

    @invariant()
    def entry_ids_are_unique(self) -> None:
        assert len({e.entry_id for e in self.ledger}) == len(self.ledger)

    @invariant()
    def cap_is_respected(self) -> None:
        assert 0 <= self.account.cap_used <= self.rules_.daily_cap


LedgerMachine.TestCase.settings = settings(max_examples=200, stateful_step_count=30, deadline=None)
TestLedgerProperties = LedgerMachine.TestCase
