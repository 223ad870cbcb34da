"""Reading the audit log (entries are written by the use cases that make the changes they record)."""

from __future__ import annotations

from mall.data import audit as store
from mall.domain.audit import AuditEntry


def log_page(member_id: str | None, limit: int, start: str | None) -> tuple[list[AuditEntry], str | None]:
    """Newest first; only the entries about `member_id` when given."""
    return store.page(member_id, limit, start)
