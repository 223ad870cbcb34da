"""Queue consumer: settles flash-sale claims, reporting partial batch failures so only those retry."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from mall.observability import logger, metrics, observed
from mall.services.flash_sales import settle

processor = BatchProcessor(event_type=EventType.SQS)


def settle_record(record: SQSRecord) -> str:
    claim_id = str(json.loads(record.body)["claimId"])
    outcome = settle(claim_id)
    logger.info("claim settled", extra={"claimId": claim_id, "outcome": outcome})
    metrics.add_metric(name=f"Claims{outcome.title()}", unit="Count", value=1)
    return outcome


@observed
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return dict(
        process_partial_response(
            event=event, record_handler=settle_record, processor=processor, context=context
        )
    )
