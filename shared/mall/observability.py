"""One Logger, Metrics and Tracer per process, shared by every module."""

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger()
metrics = Metrics()
tracer = Tracer()
