"""Member journey rules as pure functions: periods, task progress, tier window buckets, segments and
their counters, the wake-up."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from mall.domain.account import Account, Change, count_earned, tier_points, uncount_earned
from mall.domain.earning import EarnKind, earn, sign_in
from mall.domain.journey import Segment, moves_between, opened, segment_counts, segment_of, wake_up
from mall.domain.rules import Rules
from mall.domain.tasks import Task, TaskEvent, TaskPeriod, advance, period_key, period_last_day

ZONE = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 3, 2, 10, tzinfo=ZONE)


def test_periods_follow_business_days_and_weeks_start_on_monday() -> None:
    task = Task("t", "t", TaskEvent.TASK, 1, TaskPeriod.WEEK, 1)
    sunday = date(2026, 3, 8)
    assert period_key(task, sunday) == "t@2026-03-02"
    assert period_key(task, date(2026, 3, 9)) == "t@2026-03-09"
    assert period_last_day(TaskPeriod.WEEK, date(2026, 3, 4)) == sunday
    assert period_last_day(TaskPeriod.MONTH, date(2026, 2, 10)) == date(2026, 2, 28)
    assert period_last_day(TaskPeriod.MONTH, date(2026, 12, 31)) == date(2026, 12, 31)
    assert period_key(replace(task, period=TaskPeriod.MONTH), date(2026, 2, 10)) == "t@2026-02-01"
    assert period_key(replace(task, period=TaskPeriod.ONCE), date(2026, 2, 10)) == "t@ONCE"
    assert period_last_day(TaskPeriod.ONCE, date(2026, 2, 10)) is None


def test_advance_pays_once_when_the_target_is_reached_and_forgets_old_periods() -> None:
    rules = Rules()
    task = Task("t", "Two", TaskEvent.SIGN_IN, 2, TaskPeriod.DAY, 7)
    change = Change(Account("m", "x", task_progress={"t@2026-03-01": 1, "gone@ONCE": 3}))
    assert advance(change, [task], TaskEvent.SIGN_IN, rules, MONDAY, MONDAY.date()) == []
    assert change.account.task_progress == {"t@2026-03-02": 1}  # yesterday's and unknown tasks dropped
    assert advance(change, [task], TaskEvent.SIGN_IN, rules, MONDAY, MONDAY.date()) == [task]
    assert advance(change, [task], TaskEvent.SIGN_IN, rules, MONDAY, MONDAY.date()) == []
    assert [(e.source, e.delta) for e in change.entries] == [("TASK_REWARD", 7)]
    assert change.account.tasks_paid == {"t@2026-03-02": 7}
    assert change.account.lifetime_earned == 7


def test_task_kind_and_window_narrow_what_counts() -> None:
    rules = Rules()
    survey = Task("s", "S", TaskEvent.TASK, 1, TaskPeriod.ONCE, 5, task_kind="SURVEY")
    later = Task("l", "L", TaskEvent.TASK, 1, TaskPeriod.ONCE, 5, starts_at=MONDAY + timedelta(days=1))
    change = Change(Account("m", "x"))
    assert advance(change, [survey, later], TaskEvent.TASK, rules, MONDAY, MONDAY.date(), "SHARE") == []
    assert advance(change, [survey, later], TaskEvent.TASK, rules, MONDAY, MONDAY.date(), "SURVEY") == [
        survey
    ]


def test_earn_and_sign_in_advance_tasks_in_the_same_change() -> None:
    rules = Rules()
    buy = Task("b", "Buy", TaskEvent.PURCHASE, 1, TaskPeriod.ONCE, 30)
    sign = Task("s", "Sign", TaskEvent.SIGN_IN, 1, TaskPeriod.DAY, 4)
    account = Account("m", "x", purchased=False)
    outcome = earn(account, rules, EarnKind.PURCHASE, at=MONDAY, amount_fen=1000, tasks=[buy, sign])
    assert [(e.source, e.delta) for e in outcome.change.entries] == [("PURCHASE", 10), ("TASK_REWARD", 30)]
    assert outcome.change.account.purchased is True
    signed = sign_in(outcome.change.account, rules, MONDAY, tasks=[buy, sign])
    assert [(e.source, e.delta) for e in signed.change.entries] == [("SIGN_IN", 5), ("TASK_REWARD", 4)]


def test_first_purchase_multiplier_applies_once_after_the_tier() -> None:
    rules = Rules(first_purchase_multiplier=3)
    account = Account("m", "x", purchased=False, lifetime_earned=1000, earned_days={"2026-03-01": 1000})
    first = earn(account, rules, EarnKind.PURCHASE, at=MONDAY, amount_fen=1001)
    assert first.awarded == 36  # ⌊1001 × 1.2 × 3 / 100⌋, rounded once
    assert first.change.entries[-1].source == "FIRST_PURCHASE"
    second = earn(first.change.account, rules, EarnKind.PURCHASE, at=MONDAY, amount_fen=1001)
    assert (second.awarded, second.change.entries[-1].source) == (12, "PURCHASE")
    legacy = earn(replace(account, purchased=None), rules, EarnKind.PURCHASE, at=MONDAY, amount_fen=1001)
    assert legacy.awarded == 12  # opened before first purchases were kept: no unprovable bonus


def test_tier_window_buckets_are_pruned_and_reversals_leave_them() -> None:
    days = count_earned({"2025-01-01": 5}, date(2026, 3, 2), 10)
    assert days == {"2026-03-02": 10}  # older than the longest window: pruned
    assert uncount_earned(days, date(2026, 3, 2), 4) == {"2026-03-02": 6}
    assert uncount_earned(days, date(2026, 3, 2), 40) == {}
    assert uncount_earned(days, date(2026, 1, 1), 4) == days  # outside every window already
    account = Account("m", "x", lifetime_earned=5000, earned_days={"2026-01-31": 3000, "2026-03-02": 900})
    assert tier_points(account, Rules(), date(2026, 3, 2)) == 5000
    assert tier_points(account, Rules(tier_window_days=30), date(2026, 3, 2)) == 900
    assert tier_points(account, Rules(tier_window_days=30), date(2026, 3, 3)) == 900
    assert tier_points(account, Rules(tier_window_days=1), date(2026, 3, 3)) == 0


def test_segments_of_a_member() -> None:
    rules = Rules(dormant_days=30)
    change = opened(Account("m", "x"), rules, MONDAY, MONDAY.date())
    assert change.segment_moves == {"TOTAL": 1, "ACTIVE#2026-03-02": 1, "NEW#2026-03-02": 1}
    account = change.account
    assert segment_of(account, rules, date(2026, 3, 8)) is Segment.NEW
    assert segment_of(account, rules, date(2026, 3, 9)) is Segment.ACTIVE
    assert segment_of(account, rules, date(2026, 4, 1)) is Segment.DORMANT
    assert segment_of(Account("old", "x"), rules, date(2026, 4, 1)) is None


def test_counter_moves_from_stream_images() -> None:
    opened_image = {"activeDay": "2026-03-02", "newDay": "2026-03-02"}
    assert moves_between(None, opened_image) == {"TOTAL": 1, "ACTIVE#2026-03-02": 1, "NEW#2026-03-02": 1}
    purchased = {"activeDay": "2026-03-05"}
    assert moves_between(opened_image, purchased) == {
        "ACTIVE#2026-03-02": -1,
        "ACTIVE#2026-03-05": 1,
        "NEW#2026-03-02": -1,
    }
    assert moves_between(purchased, {**purchased, "balance": 3}) == {}
    assert moves_between({"balance": 1}, purchased) == {"TOTAL": 1, "ACTIVE#2026-03-05": 1}  # legacy account


def test_segment_counts_from_counters() -> None:
    rules = Rules(dormant_days=30)
    today = date(2026, 4, 1)
    active = {"2026-03-02": 4, "2026-03-03": 2, "2026-03-31": 1, "2026-04-01": 3}
    new = {"2026-03-25": 5, "2026-03-26": 1, "2026-04-01": 2}
    counts = segment_counts(10, active, new, rules, today)
    # awake since 03-03 (30 days ago is dormant): 2 + 1 + 3 = 6; new since 03-26: 1 + 2
    assert counts == {Segment.NEW: 3, Segment.ACTIVE: 3, Segment.DORMANT: 4}


def test_wake_up_once_per_spell_with_the_points_held() -> None:
    rules = Rules(dormant_days=30, wake_up_bonus=20)
    lots = {"2026-06-01": 5, "2026-05-01": 7}
    account = Account("m", "x", lots=lots, active_day="2026-03-02")
    assert wake_up(account, rules, MONDAY, date(2026, 3, 31)) is None
    woken = wake_up(account, rules, MONDAY, date(2026, 4, 1))
    assert woken is not None
    assert (woken.points_held, woken.soonest_expiry, woken.bonus) == (12, date(2026, 5, 1), 20)
    assert [(e.source, e.delta) for e in woken.change.entries] == [("WAKE_UP", 20)]
    assert woken.change.account.active_day == "2026-03-02"  # the bonus is not the member's activity
    assert wake_up(woken.change.account, rules, MONDAY, date(2026, 4, 2)) is None
    assert wake_up(replace(account, lots={}), rules, MONDAY, date(2026, 4, 1)) is None
    assert wake_up(replace(account, frozen=True), rules, MONDAY, date(2026, 4, 1)) is None
    again = replace(woken.change.account, active_day="2026-04-02")
    assert wake_up(again, rules, MONDAY, date(2026, 5, 2)) is not None  # a new spell


def test_a_first_purchase_is_not_non_purchase_points_for_risk() -> None:
    from mall.domain.risk import non_purchase_points

    rules = Rules(first_purchase_multiplier=2)
    buy = Task("b", "Buy", TaskEvent.PURCHASE, 1, TaskPeriod.ONCE, 30)
    outcome = earn(
        Account("m", "x", purchased=False), rules, EarnKind.PURCHASE, at=MONDAY, amount_fen=1000, tasks=[buy]
    )
    assert [e.source for e in outcome.change.entries] == ["FIRST_PURCHASE", "TASK_REWARD"]
    assert non_purchase_points(outcome.change) == 30  # the task reward only
