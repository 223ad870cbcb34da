"""The OpenAPI document, as the contract (API.md) says it: generated from the routes and their models,
with what the routes declare (roles, Idempotency-Key) and the error codes of `mall.errors`."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

from mall import errors
from mall.api.access import Access, Routes
from mall.api.app import make_app

_ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
        }
    },
}
_STATUS_MEANING = {
    400: "the request is invalid (the message names the field)",
    401: "missing, invalid or expired token",
    403: "not allowed",
    404: "not found",
    409: "a business refusal",
    429: "too many requests of this kind from this member this minute",
}
_RETRY_AFTER = {
    "Retry-After": {"description": "seconds to wait before trying again", "schema": {"type": "integer"}}
}
_UNAVAILABLE = {
    "description": "busy (contention or throttling outlasted the function's retries): CONTENTION, "
    "UPSTREAM_UNAVAILABLE; try again after Retry-After",
    "headers": _RETRY_AFTER,
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}


def _error_codes() -> dict[int, list[str]]:
    """Every error code the code can answer, by HTTP status, from the DomainError classes."""
    by_status: dict[int, set[str]] = defaultdict(set)
    pending: list[type[errors.DomainError]] = [errors.DomainError]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls is not errors.DomainError:
            by_status[cls.status].add(cls.code)
    return {status: sorted(codes) for status, codes in sorted(by_status.items())}


def _error_response(status: int, codes: list[str]) -> dict[str, Any]:
    return {
        "description": f"{_STATUS_MEANING.get(status, 'error')}: {', '.join(codes)}",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _idempotency_header() -> dict[str, Any]:
    return {
        "name": "Idempotency-Key",
        "in": "header",
        "required": True,
        "schema": {"type": "string", "minLength": 1, "maxLength": 128, "pattern": "^[\\x21-\\x7e]+$"},
        "description": "same key + same body replays the first answer; another body is 409",
    }


def _codes_answered(status: int, codes: list[str], access: Access | None) -> list[str]:
    """The codes of `status` a route can answer: a public route refuses credentials (a login code), never
    a token or a role; only a rate-limited route answers 429."""
    public = access is None or access.public
    if public and status == 403:
        return []
    if public and status == 401:
        return [code for code in codes if code != "UNAUTHENTICATED"]
    if status == 429 and (access is None or access.limited is None):
        return []
    return codes


def contract_document(generated: str, policy: Mapping[str, Access]) -> str:
    doc = json.loads(generated)
    doc.setdefault("components", {}).setdefault("schemas", {})["Error"] = _ERROR_SCHEMA
    codes = _error_codes()
    for path, operations in doc.get("paths", {}).items():
        for method, operation in operations.items():
            access = policy.get(f"{method.upper()} {path}")
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)  # validation errors are 400 here
            for status, names in codes.items():
                answered = _codes_answered(status, names, access)
                if answered:
                    responses.setdefault(str(status), _error_response(status, answered))
            if "429" in responses:
                responses["429"]["headers"] = _RETRY_AFTER
            responses.setdefault("503", _UNAVAILABLE)
            if access is not None and access.idempotent:
                operation.setdefault("parameters", []).append(_idempotency_header())
    return json.dumps(doc, ensure_ascii=False)


def document(routes: list[Routes], *, title: str, version: str, description: str) -> str:
    """The whole API's document from every function's routes."""
    api = make_app(*routes)
    generated = api.resolver.get_openapi_json_schema(
        title=title,
        version=version,
        description=description,
        security_schemes={"bearerAuth": HTTPBearer(bearerFormat="JWT")},
    )
    return contract_document(generated, api.policy)
