"""One-off: add the points held before the table's stream existed to the statistics' `outstanding`.

    python -m deploy.backfill_outstanding --table <TableName> [--dry-run]

`STATS/OUTSTANDING` is the sum of every ledger delta that StatsAggregatorFunction read from the table's
stream. On a table that already held balances when its stream was enabled, the entries written before
that moment never reach the stream, so `outstanding` misses them. This sums exactly those entries: the
ledger entries created before the stream's label (DescribeTable's LatestStreamLabel, the moment the
stream was enabled; `--before` overrides it), and adds them once (a marker item makes a second run add
nothing). Entries after the label are the aggregator's, so the two never count the same entry and the
stream may keep running. Entries created within seconds of the label are ambiguous (a write in flight
while the stream was switched on): the tool refuses while there are any, see README "Deploy".

A one-off operator tool: it reads the whole table with a paginated Scan (no function ever scans).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

AMBIGUOUS = timedelta(seconds=5)


def ledger_entries(client: Any, table: str) -> Iterator[tuple[int, datetime]]:
    """(delta, createdAt) of every ledger entry, page by page."""
    pages = client.get_paginator("scan").paginate(
        TableName=table,
        FilterExpression="begins_with(SK, :ledger)",
        ProjectionExpression="#d, createdAt",
        ExpressionAttributeNames={"#d": "delta"},
        ExpressionAttributeValues={":ledger": {"S": "LEDGER#"}},
    )
    for page in pages:
        for item in page.get("Items", []):
            yield int(item["delta"]["N"]), datetime.fromisoformat(item["createdAt"]["S"])


def stream_label(client: Any, table: str) -> datetime:
    label = client.describe_table(TableName=table)["Table"].get("LatestStreamLabel")
    if not label:
        raise SystemExit(f"{table} has no stream: deploy the stack first (it enables the stream)")
    return (
        datetime.fromisoformat(label).replace(tzinfo=UTC)
        if "+" not in label
        else datetime.fromisoformat(label)
    )


def sum_before(entries: Iterator[tuple[int, datetime]], before: datetime) -> tuple[int, int, int]:
    """(points before `before`, how many entries, how many within AMBIGUOUS of it)."""
    points = counted = ambiguous = 0
    for delta, created in entries:
        if abs(created - before) < AMBIGUOUS:
            ambiguous += 1
        if created < before:
            points += delta
            counted += 1
    return points, counted, ambiguous


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", required=True, help="the stack's TableName output")
    parser.add_argument("--before", help="ISO time with offset; default: the stream's label")
    parser.add_argument("--dry-run", action="store_true", help="print the sum, write nothing")
    args = parser.parse_args(argv)
    os.environ["TABLE_NAME"] = args.table
    os.environ.setdefault("SIGNING_KEY_SECRET_ID", "unused-by-the-backfill")
    from mall.data import dynamo, stats

    client = dynamo.client()
    before = datetime.fromisoformat(args.before) if args.before else stream_label(client, args.table)
    points, counted, ambiguous = sum_before(ledger_entries(client, args.table), before)
    print(f"{counted} ledger entries before {before.isoformat()}: {points} points")
    if ambiguous:
        print(
            f"{ambiguous} entries within {AMBIGUOUS.seconds} s of that moment: the stream may have them too"
        )
        print("refusing: pass --before with a moment no write was in flight (README: Deploy)")
        return 2
    if args.dry_run:
        return 0
    if stats.backfill_outstanding(points, before.isoformat()):
        print(f"outstanding += {points}")
        return 0
    print("already backfilled once: nothing added")
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
