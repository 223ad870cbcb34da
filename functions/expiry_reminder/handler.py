"""ExpiryReminderFunction (scheduled daily): one reminder per member and expiry date inside the
reminder window, recorded as a notification and pushed as a WeChat subscribe message."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from mall.observability import logger, metrics, observed
from mall.services.reminders import remind


@observed
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    result = remind(context.get_remaining_time_in_millis)
    logger.info("expiry reminders", extra=result)
    metrics.add_metric(name="ExpiryReminders", unit="Count", value=result["reminded"])
    metrics.add_metric(name="ExpiryReminderPushFailures", unit="Count", value=result["push"].get("FAILED", 0))
    return result
