"""The audit log: who did what to what, when, and what it was before and after.

An entry is made by the use case that makes the change and written in the same transaction, so an
admin action and its record cannot part. Phone numbers are masked and openids dropped before anything
is recorded: the log is read by every admin and kept for good."""

from __future__ import annotations

import dataclasses
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic.alias_generators import to_camel


class Action(StrEnum):
    RULES_REPLACED = "RULES_REPLACED"
    PRODUCT_PUT = "PRODUCT_PUT"
    FLASH_SALE_CREATED = "FLASH_SALE_CREATED"
    MEMBER_ADJUSTED = "MEMBER_ADJUSTED"
    MEMBER_FROZEN = "MEMBER_FROZEN"
    MEMBER_UNFROZEN = "MEMBER_UNFROZEN"
    ORDER_SHIPPED = "ORDER_SHIPPED"
    ORDER_COMPLETED = "ORDER_COMPLETED"
    ORDER_APPROVED = "ORDER_APPROVED"
    ORDER_REJECTED = "ORDER_REJECTED"
    CASH_REFUNDED = "CASH_REFUNDED"
    CLIENT_CREATED = "CLIENT_CREATED"
    CLIENT_REVOKED = "CLIENT_REVOKED"
    CAMPAIGN_CREATED = "CAMPAIGN_CREATED"
    DRAW_PUT = "DRAW_PUT"
    TASK_PUT = "TASK_PUT"


@dataclass(frozen=True)
class Actor:
    """Who acted: the name on their token and its role (`admin`, or `service` for a payment back end)."""

    name: str
    role: str


@dataclass(frozen=True)
class AuditEntry:
    audit_id: str
    action: Action
    actor: Actor
    target: str  # what was acted on: "rules", "product:<sku>", "order:<id>", "member:<id>", "client:<id>"
    member_id: str | None  # the member concerned, if any (the log can be read for one member)
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    at: datetime
    reason: str | None = None  # the reason the actor gave, where the action takes one


# Mainland mobile numbers (11 digits from 13x to 19x), optionally +86: kept as 138****5678.
_MOBILE = re.compile(r"(?<!\d)((?:\+?86[- ]?)?1[3-9]\d)[- ]?\d{4}[- ]?(\d{4})(?!\d)")
_NEVER_RECORDED = frozenset({"openid", "openId", "unionid", "unionId", "sessionKey"})


def recordable(value: Any) -> Any:
    """The value as JSON-ready data, with phone numbers masked in every string and openids left out,
    however deep."""
    if isinstance(value, str):
        return _MOBILE.sub(r"\1****\2", value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): recordable(v) for k, v in value.items() if k not in _NEVER_RECORDED}
    if isinstance(value, list | tuple | set | frozenset):
        return [recordable(v) for v in value]
    return value


def new_audit_id(at: datetime) -> str:
    """Sortable by time (milliseconds), unique by a random suffix."""
    return f"{int(at.timestamp() * 1000):013d}{secrets.token_hex(5)}"


def entry(
    action: Action,
    actor: Actor,
    target: str,
    at: datetime,
    *,
    member_id: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
) -> AuditEntry:
    return AuditEntry(
        new_audit_id(at),
        action,
        actor,
        target,
        member_id,
        recordable(before),
        recordable(after),
        at,
        recordable(reason),
    )


def fields_of(record: Any) -> dict[str, Any]:
    """A dataclass's fields as the API names them (camelCase), for before and after."""
    return {to_camel(k): v for k, v in dataclasses.asdict(record).items()}


def changed(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields that differ, on each side (a whole document changed in one field says so)."""
    names = [k for k in dict.fromkeys([*before, *after]) if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in names}, {k: after.get(k) for k in names}
