"""Tasks with progress: the admin's task body, tasks as defined, a member's progress, segment counts."""

from __future__ import annotations

from typing import Self

from pydantic import Field, model_validator

from mall.api.wire.common import Instant, WireModel
from mall.domain.calendar import iso
from mall.domain.journey import Segment
from mall.domain.tasks import Task, TaskEvent, TaskPeriod, TaskProgress

TASK_KIND_PATTERN = r"^[A-Za-z0-9_-]{1,32}$"


class TaskBody(WireModel):
    name: str = Field(min_length=1, max_length=64)
    event: TaskEvent = Field(description="what counts: a PURCHASE or TASK earn event, or a SIGN_IN")
    task_kind: str | None = Field(
        default=None,
        pattern=TASK_KIND_PATTERN,
        description="only with event TASK: counts the earn events carrying the same taskKind",
    )
    target: int = Field(ge=1, le=10_000, strict=True, description="events to count in one period")
    period: TaskPeriod = Field(description="business days; weeks start on Monday; ONCE: the task's life")
    reward_points: int = Field(ge=0, le=1_000_000, strict=True)
    starts_at: Instant | None = None
    ends_at: Instant | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.task_kind is not None and self.event is not TaskEvent.TASK:
            raise ValueError("taskKind: only a TASK event can be narrowed by taskKind")
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValueError("endsAt: must be after startsAt")
        return self

    def task(self, task_id: str) -> Task:
        return Task(
            task_id=task_id,
            name=self.name,
            event=self.event,
            task_kind=self.task_kind,
            target=self.target,
            period=self.period,
            reward_points=self.reward_points,
            starts_at=self.starts_at,
            ends_at=self.ends_at,
        )


class TaskView(WireModel):
    task_id: str
    name: str
    event: TaskEvent
    task_kind: str | None
    target: int
    period: TaskPeriod
    reward_points: int
    starts_at: str | None
    ends_at: str | None

    @classmethod
    def of(cls, t: Task) -> TaskView:
        return cls(
            task_id=t.task_id,
            name=t.name,
            event=t.event,
            task_kind=t.task_kind,
            target=t.target,
            period=t.period,
            reward_points=t.reward_points,
            starts_at=iso(t.starts_at) if t.starts_at else None,
            ends_at=iso(t.ends_at) if t.ends_at else None,
        )


class TaskProgressView(WireModel):
    task_id: str
    name: str
    progress: int = Field(description="events counted this period (at most `target`)")
    target: int
    completed: bool = Field(description="the reward of this period is paid")
    reward_points: int
    period_ends_at: str | None = Field(
        description="the end of the current period (ONCE: the task's endsAt, null without one)"
    )

    @classmethod
    def of(cls, p: TaskProgress) -> TaskProgressView:
        return cls(
            task_id=p.task.task_id,
            name=p.task.name,
            progress=p.progress,
            target=p.task.target,
            completed=p.completed,
            reward_points=p.task.reward_points,
            period_ends_at=iso(p.period_ends_at) if p.period_ends_at else None,
        )


class SegmentsView(WireModel):
    new: int = Field(alias="NEW", description="opened in the last 7 business days, no purchase yet")
    active: int = Field(alias="ACTIVE")
    dormant: int = Field(alias="DORMANT", description="no earn, sign-in or redemption for dormantDays")
    as_of: str = Field(description="the business day the counts are for")

    @classmethod
    def of(cls, counts: dict[Segment, int], day: str) -> SegmentsView:
        named = {segment.value: count for segment, count in counts.items()}
        return cls.model_validate({**named, "asOf": day})
