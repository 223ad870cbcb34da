"""StatsAggregatorFunction (DynamoDB stream of PointsTable): adds new ledger entries and orders to the
daily statistics, and account writes that moved a member between segments to the segment counters,
exactly once although the stream delivers batches at least once.

The event source's FilterCriteria already keep only INSERTs of ledger entries and orders; the service
ignores anything else too (a local poller or a changed filter may deliver more). Failures are reported
per record (ReportBatchItemFailures): the stream resumes at the lowest failed sequence number.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from mall.observability import logger, metrics, observed
from mall.services import segments
from mall.services.stats import count_stream_batch


@observed
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    records = event.get("Records") or []
    outcome = count_stream_batch(records)
    logger.info(
        "stream batch counted",
        extra={
            "records": len(records),
            "counted": outcome.counted,
            "alreadyCounted": outcome.already_counted,
            "ignored": outcome.ignored,
            "malformed": outcome.malformed,
            "failed": len(outcome.failed),
        },
    )
    metrics.add_metric(name="StatsRecordsCounted", unit="Count", value=outcome.counted)
    # The business figures of the dashboard (points issued, redeemed, expired, ..., orders), each record
    # counted once: the same numbers GET /admin/stats adds up, as they happen.
    for name, value in outcome.added.attributes().items():
        metrics.add_metric(name=f"Stats.{name}", unit="Count", value=value)
    if outcome.already_counted:
        metrics.add_metric(name="StatsRecordsRedelivered", unit="Count", value=outcome.already_counted)
    if outcome.malformed:
        metrics.add_metric(name="StatsRecordsMalformed", unit="Count", value=outcome.malformed)
    # Member segments ride the same stream: the account records whose write moved a segment counter.
    moved = segments.count_stream_batch(records)
    if moved.counted:
        metrics.add_metric(name="SegmentMovesCounted", unit="Count", value=moved.counted)
    failed = sorted(set(outcome.failed) | set(moved.failed))
    return {"batchItemFailures": [{"itemIdentifier": sequence} for sequence in failed]}
