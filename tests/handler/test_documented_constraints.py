"""What the code enforces, the document states (the fuzzing test holds the API to it; these pin the
statements themselves), and JSON numbers are read as JSON Schema reads them."""

from __future__ import annotations

from typing import Any

from tests.conftest import Invoke, Tokens


def _document(invoke: Invoke) -> dict[str, Any]:
    status, doc = invoke("openapi", "GET", "/openapi.json")
    assert status == 200
    return dict(doc)


def test_the_document_states_the_rules_it_enforces(invoke: Invoke) -> None:
    doc = _document(invoke)
    schemas, paths = doc["components"]["schemas"], doc["paths"]
    assert schemas["AdjustBody"]["properties"]["delta"]["not"] == {"const": 0}
    zones = schemas["RulesBody"]["properties"]["timeZone"]["enum"]
    assert "Asia/Shanghai" in zones and "Mars/Olympus_Mons" not in zones and len(zones) > 300
    earn = schemas["EarnBody"]
    assert earn["if"] == {"properties": {"kind": {"const": "PURCHASE"}}}
    assert earn["then"]["required"] == ["amountFen"] and earn["else"]["required"] == ["points"]
    assert "366 dates" in paths["/admin/stats"]["get"]["description"]
    assert "exactly one of `memberId` and `status`" in paths["/admin/orders"]["get"]["description"]
    assert "after `startsAt`" in schemas["SaleBody"]["description"]
    assert "strictly ascend" in schemas["RulesBody"]["description"]
    login_refusals = paths["/auth/login"]["post"]["responses"]["401"]["description"]
    assert "INVALID_CODE" in login_refusals and "UNAUTHENTICATED" not in login_refusals
    for path, operations in paths.items():
        for method, operation in operations.items():
            assert "Retry-After" in operation["responses"]["503"]["headers"], (method, path)


def test_a_time_zone_outside_the_list_is_refused(invoke: Invoke, tokens: Tokens) -> None:
    admin = tokens.admin()
    rules = invoke("admin_rules", "GET", "/admin/rules", token=admin)[1]
    rules.pop("version", None)
    for zone in ("Mars/Olympus_Mons", "posixrules", "../../etc/passwd"):
        status, body = invoke("admin_rules", "PUT", "/admin/rules", {**rules, "timeZone": zone}, admin)
        assert (status, body["error"]["code"]) == (400, "VALIDATION_ERROR"), zone
        assert "timeZone" in body["error"]["message"]
    assert (
        invoke("admin_rules", "PUT", "/admin/rules", {**rules, "timeZone": "Europe/Berlin"}, admin)[0] == 200
    )


def test_a_number_with_a_zero_fraction_is_an_integer(invoke: Invoke, tokens: Tokens) -> None:
    """JSON Schema counts 5.0 as an integer, so the API takes it as one; 5.5 is still refused."""
    admin = tokens.admin()
    product = {
        "name": "Cup",
        "category": "home",
        "type": "PHYSICAL",
        "pointsPrice": 100.0,
        "cashPriceFen": 0,
        "stock": 5e0,
        "status": "ON_SHELF",
    }
    status, body = invoke("catalog", "PUT", "/admin/products/cup", product, admin)
    assert status == 200, body
    assert (body["pointsPrice"], body["stock"]) == (100, 5)
    status, body = invoke("catalog", "PUT", "/admin/products/cup", {**product, "stock": 5.5}, admin)
    assert (status, body["error"]["code"]) == (400, "VALIDATION_ERROR")
    status, body = invoke("catalog", "PUT", "/admin/products/cup", {**product, "stock": "5"}, admin)
    assert (status, body["error"]["code"]) == (400, "VALIDATION_ERROR")  # text is not a number
