"""Task definitions: `CONFIG` / `TASK#<taskId>`, next to the rules and campaigns.

Earn and sign-in advance task progress on every request, so the definitions are kept where the rules
are: the rules' cached query of the `CONFIG` partition returns them too (no round trip of their own).
Each item holds the task as a JSON `value` (what that query reads)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pynamodb.attributes import UnicodeAttribute
from pynamodb.expressions.condition import Condition

from mall.data import dynamo, rules_store
from mall.data.dynamo import Item
from mall.data.transaction import Transaction, lost_race
from mall.domain.tasks import Task, TaskEvent, TaskPeriod

PREFIX = "TASK#"


class TaskItem(Item):
    """`CONFIG` / `TASK#<id>`: the task as JSON (`value`)."""

    value = UnicodeAttribute()


def document(task: Task) -> dict[str, Any]:
    return {
        "taskId": task.task_id,
        "name": task.name,
        "event": task.event.value,
        "taskKind": task.task_kind,
        "target": task.target,
        "period": task.period.value,
        "rewardPoints": task.reward_points,
        "startsAt": task.starts_at.isoformat() if task.starts_at else None,
        "endsAt": task.ends_at.isoformat() if task.ends_at else None,
    }


def _task(doc: dict[str, Any]) -> Task:
    starts, ends = doc.get("startsAt"), doc.get("endsAt")
    return Task(
        task_id=str(doc["taskId"]),
        name=str(doc["name"]),
        event=TaskEvent(doc["event"]),
        task_kind=doc.get("taskKind"),
        target=int(doc["target"]),
        period=TaskPeriod(doc["period"]),
        reward_points=int(doc["rewardPoints"]),
        starts_at=datetime.fromisoformat(str(starts)) if starts else None,
        ends_at=datetime.fromisoformat(str(ends)) if ends else None,
    )


def _key(task_id: str) -> tuple[str, str]:
    return rules_store.CONFIG_PK, PREFIX + task_id


def stored(task_id: str) -> Task | None:
    """The task as stored now (a consistent read: what an admin's change replaces)."""
    item = dynamo.get(TaskItem, _key(task_id))
    return _task(json.loads(item.value)) if item else None


def put(task: Task, before: Task | None, also: Transaction) -> None:
    """Create or replace the task with `also` (its audit entry) in one transaction, only if it is still
    `before` as read (`LostRace` otherwise: read again, so the audit's "before" is never stale)."""
    item = TaskItem(*_key(task.task_id), value=json.dumps(document(task), ensure_ascii=False))
    unchanged: Condition
    if before is None:
        unchanged = TaskItem.PK.does_not_exist()
    else:
        unchanged = TaskItem.value == json.dumps(document(before), ensure_ascii=False)
    Transaction().put("task", item, condition=unchanged, on_fail=lost_race).extend(also).commit()
    rules_store.clear_cache()


def current() -> list[Task]:
    """Every defined task, from the rules' cached query."""
    return [
        _task(json.loads(str(value)))
        for key, value in rules_store.config().items()
        if str(key).startswith(PREFIX)
    ]
