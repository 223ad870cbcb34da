"""One TransactWriteItems made of named parts, and what a cancelled one means.

Each part says what its failed condition means (`on_fail`); `commit` turns DynamoDB's positional
cancellation reasons into that outcome, so nothing outside `data/` knows the order of the items in a
transaction. The outcomes:

- `LostRace`: something the decision was made on changed before it was written (a lost optimistic
  lock, stock or an allowance taken meanwhile, a transaction conflict): read and decide again.
- `Replayed`: the idempotency record (or earn event) of this request already exists: it carries the
  first answer, so a duplicate in flight answers what the first one did.
- `AlreadyExists`: an item that must be new is there already (its old value attached).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Self, TypeVar

from botocore.exceptions import ClientError

from mall.data.dynamo import Item, Raw, client
from mall.data.retry import Retry

_CONFLICTS = ("TransactionConflictException", "TransactionInProgressException")
_CONFLICT_REASONS = ("TransactionConflict", "ThrottlingError")


class LostRace(Retry):
    """What the decision was made on changed before it was written: read and decide again."""


@dataclass(frozen=True)
class FirstAnswer:
    """What an idempotent request answered the first time, and the fingerprint of its body."""

    fingerprint: str
    response: dict[str, Any]


class Replayed(Exception):
    """The request was already carried out: `first` is what it answered then."""

    def __init__(self, first: FirstAnswer) -> None:
        super().__init__("already carried out")
        self.first = first


class AlreadyExists(Exception):
    """An item that must be new exists; `old` is its current value (when DynamoDB returned it)."""

    def __init__(self, old: Raw | None) -> None:
        super().__init__("already exists")
        self.old = old


Outcome = Callable[[Raw | None], Exception]


def lost_race(_: Raw | None) -> Exception:
    return LostRace()


def replayed(read: Callable[[Raw], FirstAnswer]) -> Outcome:
    """For a record holding a first answer: `read` takes it out of the old item."""

    def outcome(old: Raw | None) -> Exception:
        # Without the old item there is no first answer to give: decide again, it will be there then.
        return Replayed(read(old)) if old else LostRace()

    outcome.replays = True  # type: ignore[attr-defined]
    return outcome


def already_exists(old: Raw | None) -> Exception:
    return AlreadyExists(old)


class Cancelled(Exception):
    """Several parts may fail at once and the caller wants each: their names and old items."""

    def __init__(self, failed: dict[str, Raw | None]) -> None:
        super().__init__(", ".join(failed))
        self.failed = failed


@dataclass(frozen=True)
class _Part:
    name: str
    request: dict[str, Any]
    on_fail: Outcome | None


class Transaction:
    """Collect named parts, then `commit` them all or nothing (at most 100 parts)."""

    def __init__(self) -> None:
        self._parts: list[_Part] = []

    def __len__(self) -> int:
        return len(self._parts)

    def put(
        self, name: str, item: Item, *, condition: Any = None, on_fail: Outcome | None = already_exists
    ) -> Self:
        """A Put; without a condition the item must be new (or, with a version, unchanged since read)."""
        if condition is None and item._version_attribute_name is None:
            condition = type(item).PK.does_not_exist()
        request = item.get_save_kwargs_from_instance(
            condition=condition, return_values_on_condition_failure="ALL_OLD"
        )
        return self._add(name, {"Put": request}, on_fail)

    def update(
        self,
        name: str,
        item: Item,
        actions: list[Any],
        *,
        condition: Any = None,
        on_fail: Outcome | None = lost_race,
        versioned: bool = False,
    ) -> Self:
        """An Update of `item`'s key; `versioned` adds the optimistic-lock condition and increment."""
        request = item.get_update_kwargs_from_instance(
            actions=actions,
            condition=condition,
            return_values_on_condition_failure="ALL_OLD" if condition is not None or versioned else None,
            add_version_condition=versioned,
        )
        return self._add(name, {"Update": request}, on_fail)

    def extend(self, parts: Transaction) -> Self:
        for part in parts._parts:
            self._add(part.name, part.request, part.on_fail)
        return self

    def _add(self, name: str, request: dict[str, Any], on_fail: Outcome | None) -> Self:
        if any(p.name == name for p in self._parts):
            raise ValueError(f"two parts named {name!r} in one transaction")
        self._parts.append(_Part(name, request, on_fail))
        return self

    def commit(self) -> None:
        """Write every part or none; a cancellation raises what the first failed part means (a replay
        before anything else), a conflict with another transaction `LostRace`."""
        if not self._parts:
            return
        try:
            client().transact_write_items(TransactItems=[p.request for p in self._parts])  # type: ignore[misc]
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            if code in _CONFLICTS:
                raise LostRace from exc
            if code != "TransactionCanceledException":
                raise
            raise self._outcome([dict(r) for r in exc.response.get("CancellationReasons", [])]) from exc

    def _outcome(self, reasons: list[dict[str, Any]]) -> Exception:
        failed = {
            part.name: (dict(reason["Item"]) if reason.get("Item") else None)
            for part, reason in zip(self._parts, reasons, strict=False)
            if reason.get("Code") == "ConditionalCheckFailed"
        }
        if not failed:
            if any(r.get("Code") in _CONFLICT_REASONS for r in reasons):
                return LostRace()
            return RuntimeError(f"transaction cancelled: {[r.get('Code') for r in reasons]}")
        if any(p.on_fail is None for p in self._parts if p.name in failed):
            return Cancelled(failed)
        failing = [p for p in self._parts if p.name in failed]
        # A replay explains every other failure (the first request changed what this one read).
        first = next((p for p in failing if getattr(p.on_fail, "replays", False)), failing[0])
        assert first.on_fail is not None
        return first.on_fail(failed[first.name])


T = TypeVar("T")


def commit_once_each(group: list[T], commit: Callable[[list[T]], None]) -> tuple[list[T], int]:
    """Commit `group` with `commit`, whose transaction holds a must-be-new marker per member of the group,
    each part named by the member's index. When some markers exist already (a redelivered or re-split
    stream batch), the transaction is cancelled and says which: those are dropped and the rest committed
    again, as one. Returns (what was written now, how many were written before). `LostRace` when anything
    else failed (nothing was written: transactions are all or nothing)."""
    remaining, skipped = list(group), 0
    while remaining:
        try:
            commit(remaining)
        except Cancelled as cancelled:
            done = {int(name) for name in cancelled.failed if name.isdigit()}
            if not done:
                raise LostRace from cancelled
            skipped += len(done)
            remaining = [member for i, member in enumerate(remaining) if i not in done]
            continue
        return remaining, skipped
    return [], skipped
