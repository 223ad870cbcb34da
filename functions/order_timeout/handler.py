"""OrderTimeoutFunction (scheduled): cancel unpaid orders 15 minutes after creation."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from mall.observability import logger, metrics, tracer
from mall.services.orders import cancel_overdue
from mall.settings import settings

settings()


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    result = cancel_overdue()
    logger.info("unpaid orders timed out", extra=result)
    metrics.add_metric(name="OrdersTimedOut", unit="Count", value=result["cancelled"])
    return result
