"""Ledger entries: one per balance change, with the balance after it."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum


class EntryType(StrEnum):
    EARN = "EARN"
    SPEND = "SPEND"
    REFUND = "REFUND"
    EXPIRE = "EXPIRE"
    ADJUST = "ADJUST"
    REVERSE = "REVERSE"


@dataclass(frozen=True)
class LedgerEntry:
    entry_id: str
    type: EntryType
    source: str
    delta: int
    balance_after: int
    created_at: datetime
    day: date  # business day, for daily statistics
    ref: str | None = None
    note: str | None = None
    # For SPEND: the lots (expiry day -> points) the points came from, so a refund can put them back.
    lots: dict[str, int] = field(default_factory=dict)


def new_entry_id(at: datetime, seq: int) -> str:
    """Sortable by time (then by order within one change), unique by a random suffix."""
    return f"{int(at.timestamp() * 1000):013d}{seq:04d}{secrets.token_hex(4)}"
