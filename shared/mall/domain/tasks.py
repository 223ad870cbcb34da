"""Tasks with progress (阶梯任务/周任务): count a member's events of a kind in the current period and pay
`rewardPoints` once per period when the count reaches `target`.

Progress lives in the account (`task_progress`, `tasks_paid`: "<taskId>@<period>" -> count / points),
so it advances in the same write as the event that counts: concurrent events are serialised by the
account's version, and a replayed event (its marker exists) never counts twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from mall.domain.account import Account, Change, credit
from mall.domain.calendar import end_of_day, expiry_day
from mall.domain.rules import Rules

REWARD_SOURCE = "TASK_REWARD"


class TaskEvent(StrEnum):
    PURCHASE = "PURCHASE"
    SIGN_IN = "SIGN_IN"
    TASK = "TASK"


class TaskPeriod(StrEnum):
    DAY = "DAY"
    WEEK = "WEEK"  # business weeks start on Monday
    MONTH = "MONTH"
    ONCE = "ONCE"  # one period for the task's whole life


@dataclass(frozen=True)
class Task:
    task_id: str
    name: str
    event: TaskEvent
    target: int
    period: TaskPeriod
    reward_points: int
    task_kind: str | None = None  # narrows TASK events to earn requests carrying the same taskKind
    starts_at: datetime | None = None
    ends_at: datetime | None = None

    def live(self, at: datetime) -> bool:
        return (self.starts_at is None or self.starts_at <= at) and (
            self.ends_at is None or at < self.ends_at
        )

    def counts(self, event: TaskEvent, task_kind: str | None) -> bool:
        if event is not self.event:
            return False
        return self.task_kind is None or (event is TaskEvent.TASK and task_kind == self.task_kind)


def period_start(period: TaskPeriod, today: date) -> date | None:
    if period is TaskPeriod.DAY:
        return today
    if period is TaskPeriod.WEEK:
        return today - timedelta(days=today.weekday())
    if period is TaskPeriod.MONTH:
        return today.replace(day=1)
    return None


def period_key(task: Task, today: date) -> str:
    start = period_start(task.period, today)
    return f"{task.task_id}@{start.isoformat() if start else 'ONCE'}"


def period_last_day(period: TaskPeriod, today: date) -> date | None:
    """The last business day of the period `today` falls in (None for ONCE: the task's own end)."""
    if period is TaskPeriod.DAY:
        return today
    if period is TaskPeriod.WEEK:
        return today + timedelta(days=6 - today.weekday())
    if period is TaskPeriod.MONTH:
        following = (today.replace(day=28) + timedelta(days=4)).replace(day=1)
        return following - timedelta(days=1)
    return None


def _period_end(task: Task, today: date, zone: ZoneInfo) -> datetime | None:
    last = period_last_day(task.period, today)
    return end_of_day(last, zone) if last is not None else task.ends_at


@dataclass(frozen=True)
class TaskProgress:
    task: Task
    progress: int
    completed: bool
    period_ends_at: datetime | None  # the end of the period's last business day; ONCE: the task's end


def progress_of(
    account: Account, tasks: Iterable[Task], at: datetime, today: date, zone: ZoneInfo
) -> list[TaskProgress]:
    """The member's standing in every live task, this period (by task id)."""
    result = []
    for task in sorted(tasks, key=lambda t: t.task_id):
        if not task.live(at):
            continue
        key = period_key(task, today)
        result.append(
            TaskProgress(
                task,
                progress=min(account.task_progress.get(key, 0), task.target),
                completed=key in account.tasks_paid,
                period_ends_at=_period_end(task, today, zone),
            )
        )
    return result


def advance(
    change: Change,
    tasks: Iterable[Task],
    event: TaskEvent,
    rules: Rules,
    at: datetime,
    today: date,
    task_kind: str | None = None,
) -> list[Task]:
    """Count the event in every live task it belongs to; pay each task whose count reaches its target
    in this period and was not paid in it yet (an EARN entry, source TASK_REWARD, outside the daily
    cap). Progress of past periods and of tasks no longer defined is dropped. Returns the tasks paid."""
    known = list(tasks)
    current = {period_key(t, today) for t in known}
    progress = {k: v for k, v in change.account.task_progress.items() if k in current}
    paid_marks = {k: v for k, v in change.account.tasks_paid.items() if k in current}
    paid: list[Task] = []
    for task in known:
        if not task.live(at) or not task.counts(event, task_kind):
            continue
        key = period_key(task, today)
        if key in paid_marks:
            continue  # done for this period: nothing more to count
        progress[key] = progress.get(key, 0) + 1
        if progress[key] >= task.target:
            paid_marks[key] = task.reward_points
            paid.append(task)
    change.account = replace(change.account, task_progress=progress, tasks_paid=paid_marks)
    for task in paid:
        credit(
            change,
            task.reward_points,
            expiry_day(today, rules),
            at,
            today,
            source=REWARD_SOURCE,
            ref=f"TASK#{period_key(task, today)}",
            note=task.name,
        )
    return paid
