"""JSON goes out as UTF-8 text, not ASCII escapes: product names are Chinese, and every route agrees."""

from __future__ import annotations

import json

from tests.conftest import FakeContext, Invoke, Tokens, http_event, load_handler, through_gateway

NAME = "保温杯 500ml"
PRODUCT = {
    "name": NAME,
    "category": "家居",
    "type": "PHYSICAL",
    "pointsPrice": 100,
    "cashPriceFen": 0,
    "stock": 5,
    "status": "ON_SHELF",
}


def _raw(folder: str, method: str, path: str, body: object = None, token: str | None = None) -> dict:
    event = http_event(method, path, body, token)
    assert through_gateway(event) is None  # the authorizer's verdict rides in the event, as deployed
    return load_handler(folder).lambda_handler(event, FakeContext())


def test_product_names_are_sent_as_utf8_from_every_route(invoke: Invoke, tokens: Tokens) -> None:
    admin = tokens.admin()
    put = _raw("catalog", "PUT", "/admin/products/cup-1", PRODUCT, admin)
    listed = _raw("catalog", "GET", "/products", None, tokens.member())
    for response in (put, listed):
        assert NAME in response["body"] and "\\u" not in response["body"], response["body"]
        assert NAME in json.dumps(json.loads(response["body"]), ensure_ascii=False)
