"""Tasks with progress: the admin's PUT|GET /admin/tasks and the member's GET /me/tasks."""

from __future__ import annotations

from mall.api.access import ADMIN, MEMBER, Caller, Routes
from mall.api.app import entrypoint, make_app
from mall.api.cursor import paged
from mall.api.wire.common import Cursor, Id, Limit, Page
from mall.api.wire.tasks import TaskBody, TaskProgressView, TaskView
from mall.observability import logger
from mall.services.tasks import listed, my_tasks, put_task

routes = Routes()


def _page(items: list[str], limit: int, start: str | None) -> tuple[list[str], str | None]:
    after = [i for i in items if start is None or i > start]
    return after[:limit], (after[limit - 1] if len(after) > limit else None)


@routes.get("/me/tasks", allow=MEMBER, summary="My progress in the tasks of this period", tags=["member"])
def get_my_tasks(who: Caller, limit: Limit = 20, cursor: Cursor = None) -> Page[TaskProgressView]:
    standing = {p.task.task_id: p for p in my_tasks(who.subject)}
    ids, next_cursor = paged(who.subject, "tasks", cursor, lambda at: _page(sorted(standing), limit, at))
    return Page[TaskProgressView](
        items=[TaskProgressView.of(standing[i]) for i in ids], next_cursor=next_cursor
    )


@routes.get("/admin/tasks", allow=ADMIN, summary="Every defined task", tags=["admin"])
def get_tasks(who: Caller, limit: Limit = 20, cursor: Cursor = None) -> Page[TaskView]:
    tasks = {t.task_id: t for t in listed()}
    ids, next_cursor = paged(who.subject, "admin-tasks", cursor, lambda at: _page(sorted(tasks), limit, at))
    return Page[TaskView](items=[TaskView.of(tasks[i]) for i in ids], next_cursor=next_cursor)


@routes.put("/admin/tasks/<taskId>", allow=ADMIN, summary="Create or replace a task", tags=["admin"])
def put_task_route(taskId: Id, body: TaskBody, who: Caller) -> TaskView:
    task = put_task(body.task(taskId), who.actor)
    logger.info("task put", extra={"taskId": taskId, "admin": who.subject})
    return TaskView.of(task)


lambda_handler = entrypoint(make_app(routes))
