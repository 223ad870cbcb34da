"""ReconcileFunction (daily): check the accounts touched since the last run: balance = sum of lots =
the last ledger entry's balanceAfter. Drift is a metric and an error log line, never silently fixed."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from mall.observability import logger, metrics, observed
from mall.services.reconcile import reconcile


@observed
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    result = reconcile(context.get_remaining_time_in_millis)
    logger.info("reconciled", extra={k: v for k, v in result.items() if k != "driftedMembers"})
    metrics.add_metric(name="AccountsReconciled", unit="Count", value=result["accounts"])
    metrics.add_metric(name="LedgerDrift", unit="Count", value=result["drifted"])
    if not result["complete"]:
        metrics.add_metric(name="ReconcileIncomplete", unit="Count", value=1)
    return result
