"""Reads for the wake-up job: the members whose last activity fell on a day, and the job's progress.

Every account carries its last-activity day as a key of the sparse, keys-only ActivityIndex
(`ACTIVE#<day>#<shard>` -> member, sharded like the expiry index; `accounts._item`). The key changes
only when a member's activity day does (once a day at most), so the index costs one write per member
and active day, and the job reads exactly the members who became dormant on a day: one query per shard.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from pynamodb.attributes import UnicodeAttribute

from mall.data import dynamo
from mall.data.accounts import ACTIVITY_SHARDS
from mall.data.dynamo import Item, Key

ACTIVITY_INDEX = "ActivityIndex"
STATE_KEY: Key = ("JOB#WAKEUP", "STATE")


class WakeUpStateItem(Item):
    """`JOB#WAKEUP` / `STATE`: the last activity day whose dormant members a run went through in full."""

    last_day = UnicodeAttribute(attr_name="lastDay")
    updated_at = UnicodeAttribute(attr_name="updatedAt")


def done_through() -> date | None:
    item = dynamo.get(WakeUpStateItem, STATE_KEY)
    return date.fromisoformat(item.last_day) if item else None


def mark_done_through(day: date, at: str) -> None:
    dynamo.put(WakeUpStateItem(*STATE_KEY, last_day=day.isoformat(), updated_at=at))


def active_last_on(day: date, page_size: int = 500) -> Iterator[str]:
    """Members whose last activity fell on `day`, shard by shard, page by page."""
    for shard in range(ACTIVITY_SHARDS):
        request: dict[str, Any] = {
            "TableName": dynamo.table(),
            "IndexName": ACTIVITY_INDEX,
            "KeyConditionExpression": "ACT_PK = :pk",
            "ExpressionAttributeValues": {":pk": {"S": f"ACTIVE#{day.isoformat()}#{shard:02d}"}},
            "Limit": page_size,
        }
        while True:
            response = dynamo.client().query(**request)
            for raw in response.get("Items", []):
                yield str(raw["ACT_SK"]["S"])
            if "LastEvaluatedKey" not in response:
                break
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
