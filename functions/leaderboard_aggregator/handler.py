"""LeaderboardAggregatorFunction (DynamoDB stream of PointsTable): adds new EARN and REVERSE ledger entries
to their members' week and month scores, exactly once although the stream delivers batches at least once.

The event source's FilterCriteria keep only INSERTs of such entries; the service ignores anything else
too. Failures are reported per record (ReportBatchItemFailures): the stream resumes at the lowest one.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from mall.observability import logger, metrics, observed
from mall.services.leaderboard import score_stream_batch


@observed
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    records = event.get("Records") or []
    outcome = score_stream_batch(records)
    logger.info(
        "stream batch scored",
        extra={
            "records": len(records),
            "scored": outcome.scored,
            "alreadyScored": outcome.already_scored,
            "ignored": outcome.ignored,
            "failed": len(outcome.failed),
        },
    )
    metrics.add_metric(name="LeaderboardRecordsScored", unit="Count", value=outcome.scored)
    return {"batchItemFailures": [{"itemIdentifier": sequence} for sequence in outcome.failed]}
