"""Risk events: a member frozen by risk control, written in the transaction that froze the account.

Under the member's partition (`MEMBER#<id>` / `RISK#<eventId>`) and on GSI1 under `RISK_EVENTS`, so
the admin list reads newest first from the index (no scan). Risk freezes are rare, so one index
partition key takes them all without becoming hot."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from pynamodb.attributes import UnicodeAttribute

from mall.data import dynamo
from mall.data.dynamo import IntegerAttribute, Item
from mall.domain.risk import RiskEvent

LIST_KEY = "RISK_EVENTS"


class RiskEventItem(Item):
    gsi1_pk = UnicodeAttribute(attr_name="GSI1PK")
    gsi1_sk = UnicodeAttribute(attr_name="GSI1SK")
    event_id = UnicodeAttribute(attr_name="eventId")
    member_id = UnicodeAttribute(attr_name="memberId")
    rule = UnicodeAttribute()
    observed = IntegerAttribute()
    limit = IntegerAttribute()
    window_minutes = IntegerAttribute(attr_name="windowMinutes")
    created_at = UnicodeAttribute(attr_name="createdAt")
    ref = UnicodeAttribute(null=True)


def item(event: RiskEvent, zone: ZoneInfo) -> RiskEventItem:
    return RiskEventItem(
        f"MEMBER#{event.member_id}",
        f"RISK#{event.event_id}",
        gsi1_pk=LIST_KEY,
        gsi1_sk=f"{event.event_id}#{event.member_id}",
        event_id=event.event_id,
        member_id=event.member_id,
        rule=event.rule,
        observed=event.observed,
        limit=event.limit,
        window_minutes=event.window_minutes,
        created_at=event.created_at.astimezone(zone).isoformat(timespec="seconds"),
        ref=event.ref,
    )


def _event(stored: RiskEventItem) -> RiskEvent:
    return RiskEvent(
        event_id=stored.event_id,
        member_id=stored.member_id,
        rule=stored.rule,
        observed=stored.observed,
        limit=stored.limit,
        window_minutes=stored.window_minutes,
        created_at=datetime.fromisoformat(stored.created_at),
        ref=stored.ref,
    )


def newest_first(limit: int, start: str | None) -> tuple[list[RiskEvent], str | None]:
    raws, position = dynamo.newest_first(LIST_KEY, limit, start, index="GSI1", keys=("GSI1PK", "GSI1SK"))
    return [_event(RiskEventItem.from_raw_data(raw)) for raw in raws], position
