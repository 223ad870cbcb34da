"""Every date and time the API accepts: ISO 8601 text with an offset, in the years 2000 to 2100."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import Invoke, Tokens, load_handler

PRODUCT = {
    "name": "Cup",
    "category": "home",
    "type": "PHYSICAL",
    "pointsPrice": 10,
    "cashPriceFen": 0,
    "stock": 5,
    "status": "ON_SHELF",
}
GOOD_START, GOOD_END = "2026-11-11T00:00:00+08:00", "2026-11-12T00:00:00+08:00"


def _sale(invoke: Invoke, admin: str, **times: Any) -> tuple[int, Any]:
    body = {"sku": "cup", "stock": 3, "pointsPrice": 10, "startsAt": GOOD_START, "endsAt": GOOD_END, **times}
    return invoke("admin_flash_sales", "POST", "/admin/flash-sales", body, admin)  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    "value",
    [
        "0001-01-01T00:00:00+14:00",  # answered 500 once (the date overflowed on conversion)
        "9999-12-31T23:59:59-14:00",
        "1999-12-31T23:59:59+08:00",
        "2101-01-01T00:00:00Z",
        1_800_000_000,  # a JSON number was taken as a Unix time
        "1800000000",
        1.5,
        True,
        "2026-11-11T00:00:00",  # no offset
        "2026-11-11",
        "2026-11-11 00:00:00+08:00",
        "next tuesday",
        None,
    ],
)
def test_flash_sale_times_outside_the_contract_are_400(invoke: Invoke, tokens: Tokens, value: Any) -> None:
    admin = tokens.admin()
    assert invoke("catalog", "PUT", "/admin/products/cup", PRODUCT, admin)[0] == 200
    for field in ("startsAt", "endsAt"):
        status, body = _sale(invoke, admin, **{field: value})
        assert status == 400, (field, value, body)
        assert body["error"]["code"] == "VALIDATION_ERROR"
        assert body["error"]["message"].startswith(field), body


@pytest.mark.parametrize(
    ("starts", "ends"),
    [
        ("2000-01-01T00:00:00+14:00", "2100-12-31T23:59:59-14:00"),  # the edges, whatever the offset
        ("2026-11-11T00:00Z", "2026-11-11T09:00:00.250+08:00"),
    ],
)
def test_times_inside_the_years_are_accepted(invoke: Invoke, tokens: Tokens, starts: str, ends: str) -> None:
    admin = tokens.admin()
    assert invoke("catalog", "PUT", "/admin/products/cup", PRODUCT, admin)[0] == 200
    status, body = _sale(invoke, admin, startsAt=starts, endsAt=ends)
    assert status == 201, body


@pytest.mark.parametrize("value", ["0001-01-01", "2101-01-01", "1999-12-31", "0", "2026-01-01T00:00:00Z"])
def test_stats_dates_outside_the_contract_are_400(invoke: Invoke, tokens: Tokens, value: str) -> None:
    status, body = invoke("stats", "GET", "/admin/stats", token=tokens.admin(), query={"from": value})
    assert (status, body["error"]["code"]) == (400, "VALIDATION_ERROR"), body
    assert body["error"]["message"].startswith("from"), body


def test_the_document_states_the_years_and_the_offset(aws: None) -> None:
    document = json.loads(load_handler("openapi").document())
    sale = document["components"]["schemas"]["SaleBody"]["properties"]["startsAt"]
    assert sale["format"] == "date-time"
    assert sale["pattern"].startswith("^(20[0-9]{2}|2100)-")
    params = document["paths"]["/admin/stats"]["get"]["parameters"]
    day = next(p for p in params if p["name"] == "from")["schema"]
    assert "pattern" in json.dumps(day)


@pytest.mark.parametrize(
    "value", ["0001-01-01T00:00:00+14:00", "2101-01-01T00:00:00Z", 1_800_000_000, "2026-11-11"]
)
def test_campaign_and_draw_times_follow_the_same_rule(invoke: Invoke, tokens: Tokens, value: Any) -> None:
    admin = tokens.admin()
    campaign = {"name": "double", "multiplier": 2, "startsAt": GOOD_START, "endsAt": GOOD_END}
    campaign["kinds"] = ["PURCHASE"]
    nothing = {"prizeId": "none", "kind": "NOTHING", "weight": 1}
    draw = {
        "name": "wheel",
        "costPoints": 10,
        "startsAt": GOOD_START,
        "endsAt": GOOD_END,
        "prizes": [nothing],
    }
    for field in ("startsAt", "endsAt"):
        status, body = invoke("campaigns", "POST", "/admin/campaigns", {**campaign, field: value}, admin)
        assert status == 400 and body["error"]["message"].startswith(field), (field, value, body)
        status, body = invoke("draws", "PUT", "/admin/draws/d1", {**draw, field: value}, admin)
        assert status == 400 and body["error"]["message"].startswith(field), (field, value, body)
