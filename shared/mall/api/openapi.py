"""What the generated OpenAPI document must also say to match the contract (API.md): bearer auth per
route, the error shape and codes, and the Idempotency-Key header that a dependency (not a parameter)
reads."""

from __future__ import annotations

import json
from typing import Any

from mall.api import gate

IDEMPOTENT = frozenset(
    {"POST /redemptions", "POST /flash-sales/{saleId}/claims", "POST /admin/members/{memberId}/adjust"}
)
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
_ERRORS = {
    "400": "VALIDATION_ERROR (the message names the field), IDEMPOTENCY_KEY_REQUIRED",
    "401": "UNAUTHENTICATED: missing, invalid or expired token",
    "403": "FORBIDDEN (wrong role), ACCOUNT_FROZEN, TIER_REQUIRED",
    "404": "not found: MEMBER_NOT_FOUND, PRODUCT_NOT_FOUND, ORDER_NOT_FOUND, SALE_NOT_FOUND, CLAIM_NOT_FOUND",
    "409": "a business refusal: INSUFFICIENT_POINTS, OUT_OF_STOCK, LIMIT_REACHED, ALREADY_SIGNED_IN, "
    "IDEMPOTENCY_CONFLICT, NOT_CANCELLABLE, NOT_PAYABLE, INVALID_STATUS, SOLD_OUT, ALREADY_CLAIMED, "
    "SALE_NOT_ACTIVE",
}


def _error_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def contract_document(generated: str) -> str:
    doc = json.loads(generated)
    components = doc.setdefault("components", {})
    components.setdefault("schemas", {})["Error"] = _ERROR_SCHEMA
    components["securitySchemes"] = {
        "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    }
    for path, operations in doc.get("paths", {}).items():
        for method, operation in operations.items():
            route_key = f"{method.upper()} {path}"
            roles = gate.required_roles(route_key)
            operation["security"] = [] if roles is None else [{"bearerAuth": []}]
            if roles is not None:
                operation["description"] = (
                    operation.get("description", "") + f" Roles: {', '.join(sorted(r.value for r in roles))}."
                ).strip()
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)  # validation errors are 400 here
            for status, description in _ERRORS.items():
                responses.setdefault(status, _error_response(description))
            if route_key in IDEMPOTENT:
                operation.setdefault("parameters", []).append(
                    {
                        "name": "Idempotency-Key",
                        "in": "header",
                        "required": True,
                        "schema": {"type": "string", "minLength": 1, "maxLength": 128},
                        "description": "same key + same body replays the first answer; another body is 409",
                    }
                )
    return json.dumps(doc, ensure_ascii=False)
