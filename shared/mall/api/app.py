"""One resolver setup for every HTTP function, and the one place that maps errors to HTTP."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.shared.json_encoder import Encoder
from aws_lambda_powertools.utilities.typing import LambdaContext

from mall.api import gate
from mall.auth.wechat import WeChatUnavailable
from mall.errors import Contention, DomainError
from mall.observability import logger, metrics, tracer
from mall.settings import settings


def error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body={"error": {"code": code, "message": message}},
        headers=headers,
    )


def _field_of(err: dict[str, Any]) -> str:
    """`body.amountFen` -> `amountFen`; `query.limit` -> `limit`: the name the client sent."""
    loc = [str(part) for part in err.get("loc", ()) if part not in ("body", "query", "path", "header")]
    return ".".join(loc) or "body"


def validation_message(errors: list[dict[str, Any]]) -> str:
    parts = []
    for err in errors[:5]:
        if err.get("type") == "json_invalid":
            parts.append("body: malformed JSON")
        else:
            parts.append(f"{_field_of(err)}: {err.get('msg', 'invalid value')}")
    return "; ".join(parts)


# Powertools' default escapes every non-ASCII character (\uXXXX); product names are Chinese, so send UTF-8.
to_json = partial(json.dumps, separators=(",", ":"), ensure_ascii=False, cls=Encoder)


def make_app(*routers: APIGatewayHttpRouter) -> APIGatewayHttpResolver:
    app = APIGatewayHttpResolver(enable_validation=True, serializer=to_json)
    for router in routers:
        app.include_router(router)

    @app.exception_handler(DomainError)
    def _domain(exc: DomainError) -> Response:
        metrics.add_metric(name=f"Error.{exc.code}", unit="Count", value=1)
        return error(exc.status, exc.code, exc.message)

    @app.exception_handler(RequestValidationError)
    def _invalid(exc: RequestValidationError) -> Response:
        return error(400, "VALIDATION_ERROR", validation_message(list(exc.errors())))

    @app.exception_handler(NotFoundError)
    def _no_route(exc: NotFoundError) -> Response:
        return error(404, "NOT_FOUND", "no such route")

    @app.exception_handler(Contention)
    def _contention(exc: Contention) -> Response:
        logger.warning("contention budget exhausted", extra={"detail": str(exc)})
        return error(503, "CONTENTION", "too many concurrent changes, retry shortly", {"Retry-After": "1"})

    @app.exception_handler(WeChatUnavailable)
    def _wechat(exc: WeChatUnavailable) -> Response:
        logger.warning("WeChat unavailable", extra={"detail": str(exc)})
        return error(
            503, "UPSTREAM_UNAVAILABLE", "WeChat is not answering, retry shortly", {"Retry-After": "2"}
        )

    return app


def entrypoint(app: APIGatewayHttpResolver) -> Callable[[dict[str, Any], LambdaContext], dict[str, Any]]:
    """The Lambda handler: correlation id in every log line, metrics flushed, traced."""
    settings()  # a misconfigured environment fails the cold start, not the first request

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
    @tracer.capture_lambda_handler
    @metrics.log_metrics
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        refused = gate.admit(event)
        if refused is not None:
            return refused
        return app.resolve(event, context)

    return handler
