"""Audit entries: one item per admin action, written as a named part of the action's own transaction.

Where they live, so that no partition is hot and both reads are queries:
- an entry about a member sits in that member's partition (`MEMBER#<id>` / `AUDIT#<auditId>`), so
  `?memberId=` is a query of one partition, newest first, like the member's ledger;
- any other entry is its own partition (`AUDIT#<auditId>` / `AUDIT`);
- every entry is also on GSI1 under one of AUDIT_SHARDS keys (`AUDIT#<n>`, by a hash of its id), sorted
  by id (time first): the whole log is those few partitions merged newest first. Admin actions are few,
  but spreading them costs the reader only AUDIT_SHARDS queries per page.
"""

from __future__ import annotations

import json
import zlib
from datetime import datetime
from typing import Any

from pynamodb.attributes import UnicodeAttribute

from mall.data import dynamo
from mall.data.dynamo import Item, Key
from mall.data.transaction import Transaction
from mall.domain.audit import Action, Actor, AuditEntry

AUDIT_SHARDS = 4
_INDEX = "GSI1"
_INDEX_KEYS = ("GSI1PK", "GSI1SK")


class AuditItem(Item):
    """An admin action: who, what, on what, when, and the state before and after (JSON text, as is)."""

    gsi1_pk = UnicodeAttribute(attr_name="GSI1PK")
    gsi1_sk = UnicodeAttribute(attr_name="GSI1SK")
    audit_id = UnicodeAttribute(attr_name="auditId")
    action = UnicodeAttribute()
    actor = UnicodeAttribute()
    actor_role = UnicodeAttribute(attr_name="actorRole")
    target = UnicodeAttribute()
    member_id = UnicodeAttribute(attr_name="memberId", null=True)
    before = UnicodeAttribute(null=True)
    after = UnicodeAttribute(null=True)
    reason = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute(attr_name="createdAt")


def _key(audit_id: str, member_id: str | None) -> Key:
    if member_id:
        return f"MEMBER#{member_id}", f"AUDIT#{audit_id}"
    return f"AUDIT#{audit_id}", "AUDIT"


def _shard(audit_id: str) -> str:
    return f"AUDIT#{zlib.crc32(audit_id.encode()) % AUDIT_SHARDS}"


def _json(value: dict[str, Any] | None) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def record(entry: AuditEntry) -> Transaction:
    """The entry's part of the transaction that makes the change it records."""
    item = AuditItem(
        *_key(entry.audit_id, entry.member_id),
        gsi1_pk=_shard(entry.audit_id),
        gsi1_sk=entry.audit_id,
        audit_id=entry.audit_id,
        action=entry.action.value,
        actor=entry.actor.name,
        actor_role=entry.actor.role,
        target=entry.target,
        member_id=entry.member_id,
        before=_json(entry.before),
        after=_json(entry.after),
        reason=entry.reason,
        created_at=entry.at.isoformat(timespec="milliseconds"),
    )
    return Transaction().put("audit", item)


def _entry(item: AuditItem) -> AuditEntry:
    return AuditEntry(
        audit_id=item.audit_id,
        action=Action(item.action),
        actor=Actor(item.actor, item.actor_role),
        target=item.target,
        member_id=item.member_id,
        before=json.loads(item.before) if item.before is not None else None,
        after=json.loads(item.after) if item.after is not None else None,
        at=datetime.fromisoformat(item.created_at),
        reason=item.reason,
    )


def page(member_id: str | None, limit: int, start: str | None) -> tuple[list[AuditEntry], str | None]:
    """Newest first: one member's entries (a query of their partition), or every entry (the shards of
    GSI1 merged)."""
    if member_id:
        raws, position = dynamo.newest_first(f"MEMBER#{member_id}", limit, start, sort_prefix="AUDIT#")
    else:
        shards = [f"AUDIT#{n}" for n in range(AUDIT_SHARDS)]
        raws, position = dynamo.newest_first_across(shards, limit, start, index=_INDEX, keys=_INDEX_KEYS)
    return [_entry(AuditItem.from_raw_data(raw)) for raw in raws], position
