"""The Lambda authorizer and the gate: one verification per request, 401/403 in the contract's shape.

The handler tests' `invoke` runs each route behind API Gateway's authorizer step (local_stack.authorizer,
the same code the local gateway runs); these tests pin what that step and the gate do on their own."""

from __future__ import annotations

import json
import time
from typing import Any

import jwt
import pytest

from local_stack.authorizer import FAILED, FORBIDDEN, UNAUTHORIZED, Authorizers
from local_stack.template import AuthorizerSpec
from mall.auth.verdict import of_header
from tests.conftest import FakeContext, Invoke, Tokens, http_event, load_handler, template, through_gateway


def _verdict(token: str | None) -> dict[str, Any]:
    event = http_event("GET", "/me", token=token)
    assert through_gateway(event) is None  # the authorizer always lets the request through
    return dict(event["requestContext"]["authorizer"]["lambda"])


def test_a_valid_token_becomes_the_principal_in_the_context(invoke: Invoke, tokens: Tokens) -> None:
    verdict = _verdict(tokens.member("alice"))
    assert verdict["sub"] == "alice" and verdict["role"] == "member" and verdict["exp"] > time.time()


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (None, "missing bearer token"),
        ("Basic abc", "missing bearer token"),
        ("Bearer ", "missing bearer token"),
        ("Bearer not-a-jwt", "invalid token"),
    ],
)
def test_no_usable_token_is_a_verdict_not_a_refusal(invoke: Invoke, header: str | None, reason: str) -> None:
    assert of_header(header) == {"error": reason}


def test_every_failure_answers_401_unauthenticated_from_the_function(invoke: Invoke, tokens: Tokens) -> None:
    forged = jwt.encode({"sub": "x", "role": "admin", "iss": "points-mall", "exp": 2**40}, "w" * 64, "HS256")
    expired = jwt.encode({"sub": "x", "role": "admin", "iss": "points-mall", "exp": 1}, "k" * 64, "HS256")
    for token in (None, "garbage", forged, expired):
        status, body = invoke("stats", "GET", "/admin/stats", token=token)
        assert (status, body["error"]["code"]) == (401, "UNAUTHENTICATED"), (token, body)


def test_a_wrong_role_is_403_forbidden(invoke: Invoke, tokens: Tokens) -> None:
    status, body = invoke("stats", "GET", "/admin/stats", token=tokens.member("alice"))
    assert (status, body["error"]["code"]) == (403, "FORBIDDEN")


def test_a_protected_route_without_a_verdict_is_refused(invoke: Invoke, tokens: Tokens) -> None:
    """A route deployed without the authorizer, or an event with a bare header, never gets through."""
    event = http_event("GET", "/me", token=tokens.member("alice"))
    response = load_handler("member").lambda_handler(event, FakeContext())
    assert response["statusCode"] == 401
    assert json.loads(response["body"])["error"]["message"] == "no verdict from the authorizer"


def test_a_forged_context_without_expiry_is_refused(invoke: Invoke) -> None:
    event = http_event("GET", "/me")
    event["requestContext"]["authorizer"] = {"lambda": {"sub": "alice", "role": "member"}}
    assert load_handler("member").lambda_handler(event, FakeContext())["statusCode"] == 401


def test_a_cached_verdict_is_refused_once_its_token_expired(invoke: Invoke, tokens: Tokens) -> None:
    """Should the authorizer's results ever be cached, the gate still ends a token at its expiry."""
    event = http_event("GET", "/me")
    event["requestContext"]["authorizer"] = {"lambda": {"sub": "alice", "role": "member", "exp": 1}}
    response = load_handler("member").lambda_handler(event, FakeContext())
    assert (response["statusCode"], json.loads(response["body"])["error"]["message"]) == (
        401,
        "token expired",
    )


def test_public_routes_skip_the_authorizer_and_the_rest_use_it() -> None:
    routes = {r.route_key: r.authorizer for fn in template().functions for r in fn.routes}
    assert routes.pop("POST /auth/login") is None and routes.pop("GET /openapi.json") is None
    assert set(routes.values()) == {"BearerToken"}
    spec = template().authorizers["BearerToken"]
    # No identity source and no cache: API Gateway would answer a missing header itself, off-contract.
    assert (spec.function, spec.identity, spec.ttl_seconds, spec.simple_responses) == (
        "AuthorizerFunction",
        (),
        0,
        True,
    )


class _Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def _event(authorization: str | None = None) -> dict[str, Any]:
    event = http_event("GET", "/me")
    if authorization:
        event["headers"]["authorization"] = authorization
    return event


def test_api_gateway_semantics_identity_sources_cache_and_refusals() -> None:
    """What the emulation does for other settings than ours (an identity source, a TTL, a denial)."""
    answers: list[Any] = []

    def authorizer(function: str, event: dict[str, Any]) -> Any:
        answers.append(event["identitySource"])
        return {
            "isAuthorized": event["headers"].get("authorization") != "deny",
            "context": {"n": len(answers)},
        }

    clock = _Clock()
    cached = AuthorizerSpec("A", "Fn", identity=("authorization",), ttl_seconds=10)
    step = Authorizers({"A": cached}, authorizer, monotonic=clock)
    assert step.apply("A", _event()) == UNAUTHORIZED and answers == []  # no identity: refused, not invoked
    first, second = _event("t1"), _event("t1")
    assert step.apply("A", first) is None and step.apply("A", second) is None
    assert answers == [["t1"]] and second["requestContext"]["authorizer"]["lambda"] == {"n": 1}
    clock.now = 11
    assert step.apply("A", _event("t1")) is None and len(answers) == 2  # the TTL ran out
    assert step.apply("A", _event("deny")) == FORBIDDEN
    failing = Authorizers({"A": cached}, lambda f, e: "oops", monotonic=clock)
    assert failing.apply("A", _event("t2")) == FAILED
    assert step.apply(None, _event()) is None  # a public route
