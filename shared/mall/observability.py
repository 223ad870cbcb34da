"""One Logger, Metrics and Tracer per process, shared by every module."""

import os

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger()
# The template sets POWERTOOLS_METRICS_NAMESPACE; the default keeps a bare import (a script, a test) working.
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "PointsMall"))
tracer = Tracer()
