"""Idempotent use cases: run once, and answer a duplicate what the first request answered."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from mall.data import idempotency
from mall.data.retry import until_decided
from mall.data.transaction import FirstAnswer, Replayed
from mall.errors import DomainError, IdempotencyConflict

T = TypeVar("T")

KEY_REUSED = "Idempotency-Key was already used with a different body"
Decode = Callable[[dict[str, Any]], T]


def replay(first: FirstAnswer, fingerprint: str, decode: Decode[T], *, message: str = KEY_REUSED) -> T:
    """The stored answer for the same body; a different body under the same key is 409."""
    if first.fingerprint != fingerprint:
        raise IdempotencyConflict(message)
    return decode(first.response)


def once(
    attempt: Callable[[], T], scope: str, owner: str, key: str, fingerprint: str, decode: Decode[T]
) -> T:
    """Run `attempt` until decided; a duplicate (also one in flight, which loses the transaction on the
    record) answers the first answer, and so does a retry that now fails although the key succeeded."""
    try:
        return until_decided(attempt)
    except Replayed as replayed:
        return replay(replayed.first, fingerprint, decode)
    except DomainError:
        stored = idempotency.stored(scope, owner, key)
        if stored is None:
            raise
        return replay(stored, fingerprint, decode)
