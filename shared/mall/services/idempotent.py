"""Replaying the first answer of an idempotent request (records are written by its own transaction)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel

from mall.data import idempotency
from mall.errors import DomainError, IdempotencyConflict

M = TypeVar("M", bound=BaseModel)

KEY_REUSED = "Idempotency-Key was already used with a different body"


def replay(record: dict[str, Any], fingerprint: str, model: type[M], *, message: str = KEY_REUSED) -> M:
    """The stored answer for the same body; a different body under the same key is 409."""
    if record.get("fingerprint") != fingerprint:
        raise IdempotencyConflict(message)
    return model.model_validate(record.get("response", record.get("result")))


def once(run: Callable[[], M], scope: str, owner: str, key: str, fingerprint: str, model: type[M]) -> M:
    """Run the request; if it now fails but the key already succeeded, answer what it answered then."""
    try:
        return run()
    except DomainError:
        record = idempotency.stored(scope, owner, key)
        if record is None:
            raise
        return replay(record, fingerprint, model)
