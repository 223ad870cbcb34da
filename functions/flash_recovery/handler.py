"""FlashSaleRecoveryFunction (scheduled): settles claims still queued a minute on, so none waits forever."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from mall.observability import logger, metrics, observed
from mall.services.flash_sales import recover_stale_claims


@observed
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    result = recover_stale_claims()
    logger.info("stale claims recovered", extra=result)
    metrics.add_metric(name="ClaimsRecovered", unit="Count", value=result["stale"])
    return result
