"""The Idempotency-Key header: required where the contract says so (400 IDEMPOTENCY_KEY_REQUIRED)."""

from __future__ import annotations

import re
from typing import Annotated

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.request import Request

from mall.errors import IdempotencyKeyRequired, ValidationFailed

_KEY = re.compile(r"^[\x21-\x7e]{1,128}$")  # printable ASCII, no spaces


class InvalidIdempotencyKey(ValidationFailed):
    """A malformed Idempotency-Key (VALIDATION_ERROR), refused before the route's use case runs."""


# Refused by this header's check, before the use case: a rate-limited route counts them at the edge.
REFUSED_BEFORE_USE_CASE = (IdempotencyKeyRequired, InvalidIdempotencyKey)


def idempotency_key(request: Request) -> str:
    key = request.headers.get("idempotency-key") or request.headers.get("Idempotency-Key")
    if not key:
        raise IdempotencyKeyRequired("the Idempotency-Key header is required")
    if not _KEY.match(key):
        raise InvalidIdempotencyKey("Idempotency-Key: 1 to 128 printable ASCII characters")
    return key


IdempotencyKey = Annotated[str, Depends(idempotency_key)]
