"""The daily expiry sweep at growing table sizes: what it reads must follow the due accounts, not the table.

Accounts are opened through the data layer, 1% of them holding a lot that ended before today (no ledger
history: the sweep reads only the due index and the due accounts).  Each run is the sweep service in this
process, metered by botocore's events.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from local_stack.local_server import Stack
from tests.bench.meter import Meter
from tests.bench.progress import Progress
from tests.bench.round_trips import in_process

DUE_SHARE = 100  # one account in a hundred is due
PAST, FUTURE = "2020-01-01", "2099-12-31"  # a lot's last day: long gone, or far ahead


def sweep_scaling(stack: Stack, sizes: list[int]) -> list[dict[str, Any]]:
    """For each size: fill the table up to that many accounts (1% due), then run the sweep once."""
    in_process(stack)
    from mall.data import accounts, dynamo
    from mall.domain.account import Account
    from mall.services.expiry import sweep

    run = time.strftime("%H%M%S")

    def open_one(index: int, due: bool) -> None:
        lots = {PAST if due else FUTURE: 10}
        accounts.open_account(Account(f"sw{run}n{index}", "2020-01-01T00:00:00+00:00", lots=lots))

    def write(batch: range) -> None:
        for i in batch:
            open_one(i, i in due)
        bar.advance(len(batch))

    runs: list[dict[str, Any]] = []
    written = 0
    meter = Meter(dynamo.client())
    for size in sorted(sizes):
        # Earlier runs settled their due accounts: 1% of the whole table is due among the new ones.
        due = set(range(written, size, (size - written) // max(1, size // DUE_SHARE))[: size // DUE_SHARE])
        batches = [range(start, min(start + 25, size)) for start in range(written, size, 25)]
        with Progress(f"sweep table: {size} accounts", size - written) as bar, ThreadPoolExecutor(16) as pool:
            list(pool.map(write, batches))
        written = size
        meter.reset()
        began = time.perf_counter()
        result = sweep(lambda: 10**9)
        seconds = time.perf_counter() - began
        runs.append(
            {
                "accounts": size,
                "due": len(due),
                "expired": result["expiredAccounts"],
                "items_read": meter.items_read,
                "round_trips": meter.round_trips,
                "calls": dict(meter.calls),
                "seconds": round(seconds, 2),
            }
        )
    return runs
