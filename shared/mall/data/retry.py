"""Optimistic concurrency: re-read and decide again until the answer is a business one.

Throttling that outlived the SDK's own retries is treated the same way: back off and try again within
the budget. When the budget is spent the client gets 503 with Retry-After (`Contention`), never a 500."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from botocore.exceptions import ClientError

from mall.errors import Contention

T = TypeVar("T")

BUDGET_SECONDS = 6.0  # how long one request keeps trying before it answers 503
THROTTLING = frozenset(
    {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"}
)


class Retry(Exception):
    """Raised by an attempt whose write lost a race; the loop runs it again on fresh data."""


def is_throttled(exc: BaseException) -> bool:
    """DynamoDB refused for capacity (after botocore's own retries): worth trying again later."""
    return isinstance(exc, ClientError) and exc.response.get("Error", {}).get("Code") in THROTTLING


def until_decided(
    attempt: Callable[[], T], *, budget_seconds: float | None = None, base_delay: float = 0.01
) -> T:
    """Run `attempt` until it returns or raises anything but Retry (or throttling), with jittered backoff."""
    deadline = time.monotonic() + (BUDGET_SECONDS if budget_seconds is None else budget_seconds)
    tries = 0
    while True:
        try:
            return attempt()
        except Retry:
            cause = "conflicting attempts"
        except ClientError as exc:
            if not is_throttled(exc):
                raise
            cause = "throttled attempts"
        tries += 1
        if time.monotonic() >= deadline:
            raise Contention(f"gave up after {tries} {cause}") from None
        # Full jitter keeps many losers of one race from colliding again in lockstep.
        time.sleep(random.uniform(0, min(0.2, base_delay * 2 ** min(tries, 5))))
