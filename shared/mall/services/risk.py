"""Risk control's record: the members it froze, and why."""

from __future__ import annotations

from mall.data import risk_events as store
from mall.domain.risk import RiskEvent


def risk_events(limit: int, start: str | None) -> tuple[list[RiskEvent], str | None]:
    """Newest first, from the index (risk freezes are rare: one index partition holds them all)."""
    return store.newest_first(limit, start)
