"""WakeUpFunction (scheduled daily): one WAKE_UP notification (and the rules' wakeUpBonus) per dormant
spell, for the members whose last activity became `dormantDays` old since the last run."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from mall.observability import logger, metrics, observed
from mall.services.wake_ups import wake_dormant


@observed
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    result = wake_dormant(context.get_remaining_time_in_millis)
    logger.info("wake-ups", extra={k: v for k, v in result.items() if k != "days"})
    metrics.add_metric(name="MembersWoken", unit="Count", value=result["woken"])
    metrics.add_metric(name="WakeUpBonusPoints", unit="Count", value=result["bonus"])
    return result
