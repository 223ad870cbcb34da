"""Per-member rate limits in use cases: every request of a limited kind is counted on the account.

A use case counts the request on the account it has just read (`count`, RATE_LIMITED when over) and
builds its change from the counted account, so the count rides on the write it makes anyway. Inside
`charged`, a request that ends without that write (a business refusal, a replayed duplicate) pays one
UpdateItem of its own for the count. A new rate-limited route needs these two lines:

    account = rate_limits.count(account, Limited.SPINS, rules, now)
    with rate_limits.charged(account):
        ...decide and write, starting from `account`...
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from mall import clock
from mall.data import accounts, rules_store
from mall.data.retry import until_decided
from mall.data.transaction import Replayed
from mall.domain.account import Account
from mall.domain.rate_limits import Limited, count_request
from mall.errors import DomainError

count = count_request

__all__ = ["Limited", "charge_alone", "charged", "count"]


@contextmanager
def charged(counted: Account) -> Iterator[None]:
    """Run the decision and write of a request counted on `counted`; if it is refused or replayed (no
    account write of its own), write the count alone. A lost race there re-runs the attempt."""
    try:
        yield
    except (DomainError, Replayed):
        accounts.write_counts(counted)
        raise


def charge_alone(member_id: str, kind: Limited) -> None:
    """Count a request refused before its use case read the account (say, a malformed body): one read,
    one write. RATE_LIMITED when the member is over the limit already."""

    def attempt() -> None:
        account = accounts.load(member_id)
        if account is None:
            return
        accounts.write_counts(count_request(account, kind, rules_store.current(), clock.now()))

    until_decided(attempt)
