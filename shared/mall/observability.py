"""One Logger, Metrics and Tracer per process, shared by every module."""

import os
import warnings
from collections.abc import Callable
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

Handler = Callable[[dict[str, Any], LambdaContext], Any]

logger = Logger()
# The template sets POWERTOOLS_METRICS_NAMESPACE; the default keeps a bare import (a script, a test) working.
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "PointsMall"))
# Most requests record no metric (only errors do). Powertools warns about an empty flush on every such
# request, and does so before it looks at POWERTOOLS_METRICS_DISABLED, so the local stack's setting alone
# cannot quiet it; its docs name this filter for functions that may publish nothing.
warnings.filterwarnings("ignore", "No application metrics to publish")


def traced(handler: Handler, *, capture_response: bool = True) -> Handler:
    """The handler traced by powertools' Tracer; where tracing is off (powertools' own rule: outside
    Lambda, or POWERTOOLS_TRACE_DISABLED) it is left as is, so the X-Ray SDK, whose import builds a boto3
    client, never weighs on a cold start that traces nothing."""
    if Tracer._is_tracer_disabled():
        return handler
    return tracer().capture_lambda_handler(handler, capture_response=capture_response)


@cache
def tracer() -> Tracer:
    """The one Tracer, made on first use: making it imports the X-Ray SDK."""
    return Tracer()


def observed(handler: Handler) -> Handler:
    """A non-HTTP handler (schedule, queue, stream): settings checked at cold start, context in every log
    line, traced without recording what it answers (a job's result may name members), metrics flushed."""
    from mall.settings import settings

    settings()
    quiet = traced(metrics.log_metrics(handler), capture_response=False)
    return logger.inject_lambda_context(clear_state=True)(quiet)
