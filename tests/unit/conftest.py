"""Factories for the pure domain tests: accounts, rules, Shanghai-time instants, ledger checks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from mall.domain.account import Account, Change
from mall.domain.rules import Rules

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _account(lots: dict[str, int] | None = None, **fields: Any) -> Account:
    return Account(
        member_id="m1",
        created_at="2026-01-01T00:00:00+08:00",
        lots=dict(lots or {}),
        **fields,
    )


def _shanghai(text: str) -> datetime:
    """'2026-03-01 10:00' as an aware instant, read as Asia/Shanghai wall-clock time."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def _rules(**overrides: Any) -> Rules:
    """The default rules with some fields replaced (snake_case or camelCase), validated."""
    return Rules.model_validate(overrides)


def _assert_chain(start: Account, change: Change) -> None:
    """Each entry's balance_after is the running sum from the starting balance; it ends at the new balance."""
    running = start.balance
    for entry in change.entries:
        assert entry.delta != 0
        running += entry.delta
        assert entry.balance_after == running
    assert running == change.account.balance
    assert all(points > 0 for points in change.account.lots.values())


@pytest.fixture(scope="session")
def account() -> Callable[..., Account]:
    return _account


@pytest.fixture(scope="session")
def at() -> Callable[[str], datetime]:
    return _shanghai


@pytest.fixture(scope="session")
def rules() -> Callable[..., Rules]:
    return _rules


@pytest.fixture(scope="session")
def assert_chain() -> Callable[[Account, Change], None]:
    return _assert_chain
