"""The rules document: read the one in force, replace it whole."""

from __future__ import annotations

from mall import clock
from mall.data import rules_store
from mall.domain.rules import Rules


def current() -> Rules:
    return rules_store.current()


def replace(rules: Rules) -> Rules:
    return rules_store.replace(rules, clock.now().isoformat(timespec="seconds"))
