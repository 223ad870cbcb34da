"""Per-member rate limits: requests of one kind per member and minute, counted in the account itself.

The counter is a small map in the account item ("<kind>@<minute>" -> requests so far in that minute),
so counting a request costs no read of its own (the operation reads the account anyway) and no write
of its own when the operation writes the account anyway. Fixed one-minute windows: a member over the
limit waits until the minute ends (`Retry-After`)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from enum import StrEnum
from math import ceil

from mall.domain.account import Account
from mall.domain.rules import Rules
from mall.errors import RateLimited


class Limited(StrEnum):
    """The kinds of request that are rate limited; the value is the `rateLimits` field in the rules."""

    SIGN_IN = "signIn"
    REDEMPTIONS = "redemptions"
    CLAIMS = "claims"
    SPINS = "spins"


def limit_of(kind: Limited, rules: Rules) -> int:
    return {
        Limited.SIGN_IN: rules.rate_limits.sign_in,
        Limited.REDEMPTIONS: rules.rate_limits.redemptions,
        Limited.CLAIMS: rules.rate_limits.claims,
        Limited.SPINS: rules.rate_limits.spins,
    }[kind]


def count_request(account: Account, kind: Limited, rules: Rules, at: datetime) -> Account:
    """The account with this request counted, or RATE_LIMITED (with the seconds left in the minute) when
    the member already made `limit` such requests this minute. Counts of past minutes are dropped."""
    minute = int(at.timestamp() // 60)
    key = f"{kind.value}@{minute}"
    used = account.rate_counts.get(key, 0)
    limit = limit_of(kind, rules)
    if used >= limit:
        seconds_left = ceil((minute + 1) * 60 - at.timestamp())
        raise RateLimited(f"at most {limit} {kind.value} requests per minute", retry_after=seconds_left)
    current = {k: v for k, v in account.rate_counts.items() if k.endswith(f"@{minute}")}
    return replace(account, rate_counts=current | {key: used + 1})
