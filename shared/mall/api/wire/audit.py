"""The audit log as admins read it."""

from __future__ import annotations

from typing import Any

from mall.api.wire.common import WireModel
from mall.domain.audit import AuditEntry


class AuditEntryView(WireModel):
    """When, what, who, on what, why, and the state before and after (the fields that changed)."""

    created_at: str
    action: str
    actor: str
    actor_role: str
    target: str
    member_id: str | None
    reason: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    audit_id: str

    @classmethod
    def of(cls, e: AuditEntry) -> AuditEntryView:
        return cls(
            audit_id=e.audit_id,
            action=e.action.value,
            actor=e.actor.name,
            actor_role=e.actor.role,
            target=e.target,
            member_id=e.member_id,
            before=e.before,
            after=e.after,
            reason=e.reason,
            created_at=e.at.isoformat(timespec="milliseconds"),
        )
