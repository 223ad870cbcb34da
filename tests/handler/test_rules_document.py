"""PUT /admin/rules takes the whole document (a missing field is a 400 naming it, never a silent
default) and refuses a concurrent change when it carries the version it read."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Invoke, Tokens


def _fields() -> list[str]:
    from mall.domain.rules import Rules

    return [info.alias or name for name, info in Rules.model_fields.items()]


def get(invoke: Invoke, admin: str) -> dict[str, Any]:
    status, rules = invoke("admin_rules", "GET", "/admin/rules", token=admin)
    assert status == 200
    return dict(rules)


def put(invoke: Invoke, admin: str, body: Any) -> tuple[int, Any]:
    return invoke("admin_rules", "PUT", "/admin/rules", body, admin)  # type: ignore[no-any-return]


@pytest.mark.parametrize("field", _fields())
def test_a_document_missing_any_field_is_400_naming_it(invoke: Invoke, tokens: Tokens, field: str) -> None:
    ops = tokens.admin()
    document = get(invoke, ops)
    document["dailyCap"] = 42  # a real change, which must not happen
    del document[field]
    status, body = put(invoke, ops, document)
    assert (status, body["error"]["code"]) == (400, "VALIDATION_ERROR"), body
    assert body["error"]["message"].startswith(f"{field}: Field required"), body
    assert get(invoke, ops)["dailyCap"] == 500


def test_an_empty_document_resets_nothing(invoke: Invoke, tokens: Tokens) -> None:
    ops = tokens.admin()
    document = get(invoke, ops)
    assert put(invoke, ops, {**document, "dailyCap": 7})[0] == 200
    status, body = put(invoke, ops, {})
    assert (status, body["error"]["code"]) == (400, "VALIDATION_ERROR")
    assert get(invoke, ops)["dailyCap"] == 7


def test_version_refuses_a_change_made_since_it_was_read(invoke: Invoke, tokens: Tokens) -> None:
    ann, bob = tokens.admin("ann"), tokens.admin("bob")
    read_by_ann, read_by_bob = get(invoke, ann), get(invoke, bob)
    assert read_by_ann["version"] == read_by_bob["version"] == 0
    status, saved = put(invoke, ann, {**read_by_ann, "dailyCap": 600})
    assert (status, saved["version"], saved["dailyCap"]) == (200, 1, 600)
    status, body = put(invoke, bob, {**read_by_bob, "reminderDays": 3})
    assert (status, body["error"]["code"]) == (409, "VERSION_CONFLICT"), body
    assert get(invoke, bob) == {**read_by_ann, "dailyCap": 600, "version": 1}  # ann's change stands
    status, body = put(invoke, bob, {**read_by_bob, "version": 7})  # a version that never was
    assert (status, body["error"]["code"]) == (409, "VERSION_CONFLICT")

    without = {k: v for k, v in read_by_bob.items() if k != "version"}
    status, saved = put(invoke, bob, {**without, "reminderDays": 3})  # no version: simply replaces
    assert (status, saved["version"], saved["reminderDays"], saved["dailyCap"]) == (200, 2, 3, 500)
    status, saved = put(invoke, ann, {**get(invoke, ann), "reminderDays": 4})
    assert (status, saved["version"]) == (200, 3)


@pytest.mark.parametrize("version", [-1, "1", 1.5, True])
def test_a_malformed_version_is_400(invoke: Invoke, tokens: Tokens, version: Any) -> None:
    ops = tokens.admin()
    status, body = put(invoke, ops, {**get(invoke, ops), "version": version})
    assert (status, body["error"]["code"]) == (400, "VALIDATION_ERROR"), body
    assert body["error"]["message"].startswith("version"), body


def test_the_document_requires_every_field(invoke: Invoke) -> None:
    status, document = invoke("openapi", "GET", "/openapi.json")
    assert status == 200
    schemas = document["components"]["schemas"]
    body = document["paths"]["/admin/rules"]["put"]["requestBody"]["content"]["application/json"]["schema"]
    required = schemas[body["$ref"].rsplit("/", 1)[-1]]["required"]
    assert sorted(required) == sorted(_fields())
