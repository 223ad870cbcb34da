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
from botocore.exceptions import ClientError

from mall.api import gate
from mall.api.access import PRINCIPAL, Access, Routes
from mall.api.idempotency import REFUSED_BEFORE_USE_CASE
from mall.auth.tokens import Principal, Role
from mall.auth.wechat import WeChatUnavailable
from mall.data.retry import Retry, is_throttled
from mall.domain.rate_limits import Limited
from mall.errors import Contention, DomainError, RateLimited
from mall.observability import logger, metrics, traced
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


def busy(message: str) -> Response:
    """503 CONTENTION with Retry-After: contention or throttling outlasted the retries (never a 500)."""
    metrics.add_metric(name="Error.CONTENTION", unit="Count", value=1)  # alarmed on (template.yaml)
    return error(503, "CONTENTION", message, {"Retry-After": "1"})


def refusal(exc: DomainError) -> Response:
    metrics.add_metric(name=f"Error.{exc.code}", unit="Count", value=1)
    retry_after = getattr(exc, "retry_after", None)  # RATE_LIMITED says when to come back
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    return error(exc.status, exc.code, exc.message, headers)


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
    count_refused: CountRefused | None = None


# Counts a request refused before its use case ran (`mall.services.rate_limits.charge_alone`). A function
# with rate-limited routes hands it to `make_app`, so only those functions reach (and may make) its writes.
CountRefused = Callable[[str, Limited], None]


def make_app(*routes: Routes, count_refused: CountRefused | None = None) -> Api:
    resolver = APIGatewayHttpResolver(enable_validation=True, serializer=serialize)
    policy: dict[str, Access] = {}
    for group in routes:
        resolver.include_router(group.router)
        policy |= group.access

    def counted_anyway() -> None:
        """Every request to a rate-limited route counts, also one refused before its use case ran (which
        is what counts the others): RATE_LIMITED if the member is over the limit already."""
        access = gate.declared_access(resolver.current_event.raw_event, policy)
        principal = resolver.context.get(PRINCIPAL)
        limited = access.limited if access else None
        if limited and count_refused and isinstance(principal, Principal) and principal.role is Role.MEMBER:
            count_refused(principal.subject, limited)

    @resolver.exception_handler(DomainError)
    def _refused(exc: DomainError) -> Response:
        if isinstance(exc, REFUSED_BEFORE_USE_CASE):
            try:
                counted_anyway()
            except RateLimited as limited:
                return refusal(limited)
        return refusal(exc)

    @resolver.exception_handler(RequestValidationError)
    def _invalid(exc: RequestValidationError) -> Response:
        try:
            counted_anyway()
        except RateLimited as limited:
            return refusal(limited)
        return error(400, "VALIDATION_ERROR", validation_message(list(exc.errors())))

    @resolver.exception_handler(NotFoundError)
    def _no_route(exc: NotFoundError) -> Response:
        return error(404, "NOT_FOUND", "no such route")

    @resolver.exception_handler(Contention)
    def _contention(exc: Contention) -> Response:
        logger.warning("contention budget exhausted", extra={"detail": str(exc)})
        return busy("too many concurrent changes, retry shortly")

    @resolver.exception_handler(Retry)
    def _lost_race(exc: Retry) -> Response:
        """A lost race outside a retry loop (a bug, but the client's answer is still 'retry', not 500)."""
        logger.error("lost race escaped its use case", extra={"detail": repr(exc)})
        return busy("too many concurrent changes, retry shortly")

    @resolver.exception_handler(ClientError)
    def _throttled(exc: ClientError) -> Response:
        """DynamoDB throttling that outlived the SDK's retries (outside a use case's own retry loop): the
        client retries later, it never sees a 500 for it. Any other AWS error is a fault: re-raised."""
        if not is_throttled(exc):
            raise exc
        logger.warning("throttled", extra={"detail": str(exc)})
        return busy("the data store is busy, retry shortly")

    @resolver.exception_handler(WeChatUnavailable)
    def _wechat(exc: WeChatUnavailable) -> Response:
        logger.warning("WeChat unavailable", extra={"detail": str(exc)})
        return error(
            503, "UPSTREAM_UNAVAILABLE", "WeChat is not answering, retry shortly", {"Retry-After": "2"}
        )

    return Api(resolver, policy, count_refused)


def entrypoint(api: Api) -> Callable[[dict[str, Any], LambdaContext], dict[str, Any]]:
    """The Lambda handler: the gate, then the routes; correlation id in every log line, metrics flushed,
    traced without recording responses (they carry tokens and addresses)."""
    settings()  # a misconfigured environment fails the cold start, not the first request
    if api.count_refused is None and any(access.limited for access in api.policy.values()):
        raise RuntimeError("rate-limited routes need make_app(..., count_refused=charge_alone)")

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
    @partial(traced, capture_response=False)
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
