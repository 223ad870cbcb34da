"""One resolver setup for every HTTP function, and the one place that maps errors to HTTP."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, cast

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import ResponseBuilder
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2
from aws_lambda_powertools.utilities.typing import LambdaContext

from mall.api import gate
from mall.api.access import PRINCIPAL, Access, Routes
from mall.auth.wechat import WeChatUnavailable
from mall.errors import Contention, DomainError
from mall.observability import logger, metrics, tracer
from mall.settings import settings

# UTF-8 JSON: product names and notes come back as written, not as \uXXXX escapes.
serialize = partial(json.dumps, ensure_ascii=False, separators=(",", ":"), default=str)


def error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    """The contract's error shape, `{"error": {"code", "message"}}`; every error answer is made here."""
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body={"error": {"code": code, "message": message}},
        headers=headers,
    )


def refusal(exc: DomainError) -> Response:
    metrics.add_metric(name=f"Error.{exc.code}", unit="Count", value=1)
    return error(exc.status, exc.code, exc.message)


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


@dataclass(frozen=True)
class Api:
    """A function's HTTP app: the resolver and who may call each of its routes."""

    resolver: APIGatewayHttpResolver
    policy: dict[str, Access]


def make_app(*routes: Routes) -> Api:
    resolver = APIGatewayHttpResolver(enable_validation=True, serializer=serialize)
    policy: dict[str, Access] = {}
    for group in routes:
        resolver.include_router(group.router)
        policy |= group.access

    resolver.exception_handler(DomainError)(refusal)

    @resolver.exception_handler(RequestValidationError)
    def _invalid(exc: RequestValidationError) -> Response:
        return error(400, "VALIDATION_ERROR", validation_message(list(exc.errors())))

    @resolver.exception_handler(NotFoundError)
    def _no_route(exc: NotFoundError) -> Response:
        return error(404, "NOT_FOUND", "no such route")

    @resolver.exception_handler(Contention)
    def _contention(exc: Contention) -> Response:
        logger.warning("contention budget exhausted", extra={"detail": str(exc)})
        metrics.add_metric(name="Error.CONTENTION", unit="Count", value=1)  # alarmed on (template.yaml)
        return error(503, "CONTENTION", "too many concurrent changes, retry shortly", {"Retry-After": "1"})

    @resolver.exception_handler(WeChatUnavailable)
    def _wechat(exc: WeChatUnavailable) -> Response:
        logger.warning("WeChat unavailable", extra={"detail": str(exc)})
        return error(
            503, "UPSTREAM_UNAVAILABLE", "WeChat is not answering, retry shortly", {"Retry-After": "2"}
        )

    return Api(resolver, policy)


def entrypoint(api: Api) -> Callable[[dict[str, Any], LambdaContext], dict[str, Any]]:
    """The Lambda handler: the gate, then the routes; correlation id in every log line, metrics flushed,
    traced without recording responses (they carry tokens and addresses)."""
    settings()  # a misconfigured environment fails the cold start, not the first request

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
    @tracer.capture_lambda_handler(capture_response=False)
    @metrics.log_metrics
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        try:
            principal = gate.admit(event, api.policy)
        except DomainError as refused:
            answer = ResponseBuilder[Any](refusal(refused), serializer=serialize)
            return answer.build(APIGatewayProxyEventV2(event))
        if principal is not None:
            api.resolver.append_context(**{PRINCIPAL: principal})
        return api.resolver.resolve(event, context)

    return cast(Callable[[dict[str, Any], LambdaContext], dict[str, Any]], handler)
