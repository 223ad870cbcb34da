"""Fault injection on the one DynamoDB client (`mall.data.dynamo.client()`), through botocore's events.

Every request the functions make goes through that client, so one hook sees them all, in order:

- `crash_after(n)`: the process dies right after the n-th call returned (its write, if any, is made):
  `Crash`, a BaseException, so no `except Exception` in the code can swallow it, as with a timeout or
  an out-of-memory kill between two calls.
- `fail(n, code)`: the n-th call fails with that AWS error code, as it would after botocore's own
  retries gave up (`ProvisionedThroughputExceededException`, `ThrottlingException`), or a transaction
  cancelled by a conflicting one (`TransactionConflict`). `fail(n, code, times=None)`: from the n-th
  call on, every call (or every call of `operation`) fails.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError


class Crash(BaseException):
    """The function's process died between two DynamoDB calls."""


@dataclass
class _Failure:
    first: int
    code: str
    times: int | None  # None: forever
    operation: str | None


class Faults:
    def __init__(self, client: Any) -> None:
        self.calls: list[str] = []
        self._crash_after: int | None = None
        self._failures: list[_Failure] = []
        self._matching = 0
        events = client.meta.events
        events.register_first("before-call.dynamodb.*", self._before)
        events.register_last("after-call.dynamodb.*", self._after)

    def reset(self) -> None:
        self.calls.clear()
        self._crash_after = None
        self._failures.clear()
        self._matching = 0

    def crash_after(self, n: int) -> None:
        self.reset()
        self._crash_after = n

    def fail(self, n: int, code: str, *, times: int | None = 1, operation: str | None = None) -> None:
        """The n-th call (of `operation`, if given) and the `times` - 1 after it fail with `code`."""
        self.reset()
        self._failures.append(_Failure(n, code, times, operation))

    def _before(self, model: Any, **_: Any) -> None:
        name = model.name
        for failure in self._failures:
            if failure.operation not in (None, name):
                continue
            self._matching += 1
            last = None if failure.times is None else failure.first + failure.times - 1
            if self._matching >= failure.first and (last is None or self._matching <= last):
                self.calls.append(f"{name}!")
                raise _error(name, failure.code)

    def _after(self, model: Any, **_: Any) -> None:
        self.calls.append(model.name)
        if self._crash_after is not None and len(self.calls) == self._crash_after:
            self._crash_after = None
            raise Crash(f"crashed after call {len(self.calls)} ({model.name})")


def _error(operation: str, code: str) -> ClientError:
    if code == "TransactionConflict":
        reasons = [{"Code": "TransactionConflict", "Message": "injected"}]
        response: dict[str, Any] = {
            "Error": {"Code": "TransactionCanceledException", "Message": "injected conflict"},
            "CancellationReasons": reasons,
        }
        return ClientError(response, operation)  # type: ignore[arg-type]
    return ClientError({"Error": {"Code": code, "Message": "injected"}}, operation)  # type: ignore[arg-type]


def count_calls(client: Any, action: Callable[[], Any]) -> int:
    """How many DynamoDB calls `action` makes (a clean run, to know where to inject)."""
    faults = Faults(client)
    action()
    calls = len(faults.calls)
    faults.reset()
    return calls
