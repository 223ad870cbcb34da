"""API Gateway's Lambda authorizer step for HTTP APIs, as the local gateway and the handler tests run it.

What HTTP API does before it invokes a route that has a Lambda authorizer (payload format 2.0, simple
responses): every identity source must be present and non-empty, else it answers 401
`{"message": "Unauthorized"}` itself without calling the authorizer; a cached verdict for the same
identity is reused for the authorizer's TTL; otherwise it invokes the authorizer with the request and
reads `{"isAuthorized", "context"}`: false is its own 403 `{"message": "Forbidden"}`, a failed or
malformed answer its 500; true puts `context` into the route's event at `requestContext.authorizer.lambda`.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from threading import Lock
from typing import Any

from local_stack import LOCAL_ACCOUNT_ID, LOCAL_REGION
from local_stack.lambda_runtime import InvocationResult
from local_stack.template import AuthorizerSpec, TemplateError


class AuthorizerFailed(Exception):
    """The authorizer function raised, timed out or answered something that is not a verdict."""


@dataclass(frozen=True)
class GatewayAnswer:
    """API Gateway's own answer when the authorizer step stops the request (its shape, not ours)."""

    status: int
    body: dict[str, str]


UNAUTHORIZED = GatewayAnswer(401, {"message": "Unauthorized"})
FORBIDDEN = GatewayAnswer(403, {"message": "Forbidden"})
FAILED = GatewayAnswer(500, {"message": "Internal Server Error"})

Invoke = Callable[[str, dict[str, Any]], Any]  # (function logical id, event) -> payload, or raises


class Authorizers:
    """The template's Lambda authorizers, with API Gateway's per-identity verdict cache."""

    def __init__(
        self,
        specs: Mapping[str, AuthorizerSpec],
        invoke: Invoke,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._specs = dict(specs)
        self._invoke = invoke
        self._monotonic = monotonic
        self._cache: dict[tuple[str, tuple[str, ...]], tuple[float, dict[str, Any]]] = {}
        self._lock = Lock()
        self.invocations = 0  # how often an authorizer function actually ran (the cache's effect)

    def apply(self, name: str | None, event: dict[str, Any]) -> GatewayAnswer | None:
        """Run `name` (a route's authorizer; None: a public route) for `event`, in place.

        Returns API Gateway's own answer when it stops the request, None when the route may run."""
        if name is None:
            return None
        spec = self._specs.get(name)
        if spec is None:
            raise TemplateError(f"route {event.get('routeKey')} names an unknown authorizer {name!r}")
        if not spec.simple_responses:
            raise TemplateError(f"authorizer {name}: only EnableSimpleResponses: true is emulated locally")
        headers = {k.lower(): str(v) for k, v in (event.get("headers") or {}).items()}
        identity = tuple(headers.get(source, "") for source in spec.identity)
        if not all(identity):
            return UNAUTHORIZED
        try:
            response = self._verdict(spec, identity, event)
        except AuthorizerFailed:
            return FAILED
        if response.get("isAuthorized") is not True:
            return FORBIDDEN
        event.setdefault("requestContext", {})["authorizer"] = {"lambda": dict(response.get("context") or {})}
        return None

    def _verdict(self, spec: AuthorizerSpec, identity: tuple[str, ...], event: dict[str, Any]) -> Any:
        key = (spec.name, identity)
        if spec.ttl_seconds > 0:
            with self._lock:
                cached = self._cache.get(key)
                if cached and cached[0] > self._monotonic():
                    return cached[1]
        response = self._invoke(spec.function, request_event(event, identity))
        with self._lock:
            self.invocations += 1
        if not isinstance(response, dict) or not isinstance(response.get("isAuthorized"), bool):
            raise AuthorizerFailed(f"{spec.function} answered {response!r}, not a simple response")
        if spec.ttl_seconds > 0:
            with self._lock:
                self._cache[key] = (self._monotonic() + spec.ttl_seconds, response)
        return response


def request_event(event: Mapping[str, Any], identity: tuple[str, ...]) -> dict[str, Any]:
    """The authorizer's event (payload 2.0, REQUEST) for a route's HTTP API event."""
    context = copy.deepcopy(dict(event.get("requestContext") or {}))
    method = (context.get("http") or {}).get("method", "GET")
    api_id, stage = context.get("apiId", "local"), context.get("stage", "$default")
    return {
        "version": "2.0",
        "type": "REQUEST",
        "routeArn": f"arn:aws:execute-api:{LOCAL_REGION}:{LOCAL_ACCOUNT_ID}:{api_id}/{stage}/{method}"
        + str(event.get("rawPath", "")),
        "identitySource": list(identity) or None,
        "routeKey": event.get("routeKey"),
        "rawPath": event.get("rawPath"),
        "rawQueryString": event.get("rawQueryString", ""),
        "cookies": event.get("cookies"),
        "headers": dict(event.get("headers") or {}),
        "queryStringParameters": event.get("queryStringParameters"),
        "requestContext": context,
        "pathParameters": event.get("pathParameters"),
        "stageVariables": event.get("stageVariables"),
    }


def authorizer_invoke(invoke: Callable[[str, Any], InvocationResult]) -> Invoke:
    """The worker pool's invoke as the authorizer step wants it: the payload, or `AuthorizerFailed`."""

    def call(function: str, event: dict[str, Any]) -> Any:
        result = invoke(function, event)
        if not result.ok:
            raise AuthorizerFailed(f"{function}: {result.error_type}: {result.payload.get('errorMessage')}")
        return result.payload

    return call
