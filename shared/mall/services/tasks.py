"""Tasks with progress: an admin defines them (audited, cached with the rules); a member sees where
they stand this period. Progress itself advances inside earn and sign-in (mall.domain.tasks)."""

from __future__ import annotations

from mall import clock
from mall.data import audit, rules_store
from mall.data import tasks as store
from mall.data.retry import until_decided
from mall.domain.audit import Action, Actor, entry
from mall.domain.calendar import business_day
from mall.domain.tasks import Task, TaskProgress, progress_of
from mall.errors import ValidationFailed
from mall.services.accounts import load_existing

MAX_TASKS = 100  # they ride on every earn's cached config read: keep the partition small


def defined() -> list[Task]:
    """The task definitions in force (from the rules' cache): what earn and sign-in advance."""
    return store.current()


def put_task(task: Task, by: Actor) -> Task:
    """Create or replace a task, with its audit entry; a changed target or period applies from the
    next event on (progress already counted stays)."""
    if task.starts_at and task.ends_at and task.ends_at <= task.starts_at:
        raise ValidationFailed("endsAt: must be after startsAt")

    def attempt() -> Task:
        before = store.stored(task.task_id)
        if before is None and len(defined()) >= MAX_TASKS:
            raise ValidationFailed(f"taskId: at most {MAX_TASKS} tasks can be defined")
        record = entry(
            Action.TASK_PUT,
            by,
            f"task:{task.task_id}",
            clock.now(),
            before=store.document(before) if before else None,
            after=store.document(task),
        )
        store.put(task, before, audit.record(record))
        return task

    return until_decided(attempt)


def listed() -> list[Task]:
    return sorted(defined(), key=lambda t: t.task_id)


def my_tasks(member_id: str) -> list[TaskProgress]:
    """The member's progress in every live task this period (one GetItem; tasks from the cache)."""
    account = load_existing(member_id)
    rules, now = rules_store.current(), clock.now()
    return progress_of(account, defined(), now, business_day(now, rules.zone), rules.zone)
