"""OrderTimeoutFunction (scheduled): cancel unpaid orders 15 minutes after creation."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from mall.observability import logger, metrics, observed
from mall.services.orders import cancel_overdue


@observed
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    result = cancel_overdue()
    logger.info("unpaid orders timed out", extra=result)
    metrics.add_metric(name="OrdersTimedOut", unit="Count", value=result["cancelled"])
    return result
