"""The generated OpenAPI document says what the contract says: bearer auth, 400 errors, Idempotency-Key."""

from __future__ import annotations

from tests.conftest import Invoke


def _doc(invoke: Invoke) -> dict:
    status, doc = invoke("openapi", "GET", "/openapi.json")
    assert status == 200
    return doc


def test_idempotency_key_header_is_documented(invoke: Invoke) -> None:
    op = _doc(invoke)["paths"]["/redemptions"]["post"]
    names = {(p["in"], p["name"].lower()) for p in op.get("parameters", [])}
    assert ("header", "idempotency-key") in names, op.get("parameters")


def test_validation_errors_documented_as_400_not_422(invoke: Invoke) -> None:
    op = _doc(invoke)["paths"]["/redemptions"]["post"]
    assert "422" not in op["responses"] and "400" in op["responses"], list(op["responses"])


def test_bearer_auth_documented(invoke: Invoke) -> None:
    doc = _doc(invoke)
    assert doc.get("components", {}).get("securitySchemes"), "no security scheme for Authorization: Bearer"
