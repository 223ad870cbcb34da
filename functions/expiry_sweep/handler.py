"""ExpirySweepFunction (scheduled, just after midnight Asia/Shanghai): write the EXPIRE entries of lots
whose last day has passed, stopping cleanly before the timeout (the next run carries on)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from mall.observability import logger, metrics, observed
from mall.services.expiry import sweep


@observed
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    result = sweep(context.get_remaining_time_in_millis)
    logger.info("expiry sweep", extra=result)
    metrics.add_metric(name="AccountsExpired", unit="Count", value=result["expiredAccounts"])
    if not result["complete"]:
        metrics.add_metric(name="ExpirySweepIncomplete", unit="Count", value=1)
    return result
