"""The rules document: read the one in force, replace it whole (versioned, audited)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mall import clock
from mall.data import audit, rules_store
from mall.data.retry import until_decided
from mall.domain.audit import Action, Actor, changed, entry
from mall.domain.rules import Rules
from mall.errors import VersionConflict


@dataclass(frozen=True)
class StoredRules:
    rules: Rules
    version: int


def current() -> StoredRules:
    return StoredRules(*rules_store.stored())


def _document(rules: Rules) -> dict[str, Any]:
    return rules.model_dump(by_alias=True, mode="json")


def replace(rules: Rules, version: int | None, by: Actor) -> StoredRules:
    """Replace the whole document. With `version` (the one the caller read), only if nobody changed the
    rules since: VERSION_CONFLICT otherwise; without, it simply replaces whatever is there."""

    def attempt() -> StoredRules:
        now, old = clock.now(), current()
        if version is not None and version != old.version:
            raise VersionConflict(f"version: the rules are at version {old.version}, not {version}")
        before, after = changed(_document(old.rules), _document(rules))
        record = entry(Action.RULES_REPLACED, by, "rules", now, before=before, after=after)
        written_at = now.isoformat(timespec="seconds")
        return StoredRules(rules, rules_store.replace(rules, old.version, written_at, audit.record(record)))

    return until_decided(attempt)
