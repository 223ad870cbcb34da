"""Idempotency records written inside the same transaction as the change they guard.

Because the record and the change commit together, a crash can never leave one without the other,
and a concurrent duplicate loses the transaction on the record's condition and replays its answer."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from typing import Any

from mall.data import dynamo

RETENTION = timedelta(hours=24)


def fingerprint(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def _key(scope: str, owner: str, key: str) -> tuple[str, str]:
    return f"IDEMPOTENCY#{owner}#{key}", scope


def record_item(
    scope: str, owner: str, key: str, body_hash: str, response: Any, now: datetime
) -> dict[str, Any]:
    pk, sk = _key(scope, owner, key)
    return dynamo.put(
        {
            "PK": pk,
            "SK": sk,
            "fingerprint": body_hash,
            "response": response,
            "ttl": int((now + RETENTION).timestamp()),
        }
    )


def stored(scope: str, owner: str, key: str) -> dict[str, Any] | None:
    return dynamo.get(*_key(scope, owner, key))
