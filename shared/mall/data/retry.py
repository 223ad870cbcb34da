"""Optimistic concurrency: re-read and decide again until the answer is a business one."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from mall.errors import Contention

T = TypeVar("T")


class Retry(Exception):
    """Raised by an attempt whose write lost a race; the loop runs it again on fresh data."""


def until_decided(attempt: Callable[[], T], *, budget_seconds: float = 6.0, base_delay: float = 0.01) -> T:
    """Run `attempt` until it returns or raises anything but Retry, with jittered backoff."""
    deadline = time.monotonic() + budget_seconds
    tries = 0
    while True:
        try:
            return attempt()
        except Retry:
            tries += 1
            if time.monotonic() >= deadline:
                raise Contention(f"gave up after {tries} conflicting attempts") from None
            # Full jitter keeps many losers of one race from colliding again in lockstep.
            time.sleep(random.uniform(0, min(0.2, base_delay * 2 ** min(tries, 5))))
