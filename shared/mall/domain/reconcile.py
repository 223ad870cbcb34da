"""Reconciliation: what must hold for every account, checked after the fact.

The balance stored on the account, the sum of its lots and the `balanceAfter` of the ledger entry it
wrote last are the same number (no entry yet: zero). A difference is drift: reported, never fixed here,
because fixing it means deciding which of the three is right, and that is an operator's call."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Snapshot:
    """One account as read for reconciliation, with the entry it names as its last."""

    member_id: str
    version: int
    balance: int  # the stored balance attribute
    lots_total: int
    last_entry_id: str | None
    last_balance_after: int | None  # None: no ledger entry (or the named one is missing)


def drift(snapshot: Snapshot) -> list[str]:
    """What disagrees, in words (empty when the account reconciles)."""
    problems = []
    if snapshot.balance != snapshot.lots_total:
        problems.append(f"balance {snapshot.balance} != sum of lots {snapshot.lots_total}")
    if snapshot.last_entry_id is not None and snapshot.last_balance_after is None:
        problems.append(f"last ledger entry {snapshot.last_entry_id} is missing")
    expected = snapshot.last_balance_after if snapshot.last_balance_after is not None else 0
    if snapshot.balance != expected:
        problems.append(f"balance {snapshot.balance} != last entry's balanceAfter {expected}")
    return problems
