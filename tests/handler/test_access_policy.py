"""Every route says who may call it, once, on the route; the contract's role for each route holds."""

from __future__ import annotations

from mall.api.access import ADMIN, ADMIN_OR_SERVICE, ANY_ROLE, MEMBER, PUBLIC, SERVICE, Routes
from tests.conftest import ROOT, load_handler

# The contract (API.md): who may call what.
_PUBLIC = {"POST /auth/login", "POST /auth/token", "GET /openapi.json"}
_SERVICE = {
    "POST /earn",
    "POST /earn/{eventId}/reverse",
    "POST /orders/{orderId}/payment",
    "POST /deductions",
    "POST /deductions/{deductionId}/reverse",
}
_ANY_ROLE = {
    "GET /products",
    "GET /products/{sku}",
    "GET /flash-sales",
    "GET /campaigns",
    "GET /draws",
    "GET /draws/{drawId}",
}
_ADMIN_OR_SERVICE = {"GET /admin/refunds", "POST /admin/orders/{orderId}/cash-refund"}


def _contract_roles(route_key: str) -> frozenset:  # type: ignore[type-arg]
    if route_key in _PUBLIC:
        return PUBLIC
    if route_key in _SERVICE:
        return SERVICE
    if route_key in _ANY_ROLE:
        return ANY_ROLE
    if route_key in _ADMIN_OR_SERVICE:
        return ADMIN_OR_SERVICE
    if route_key.partition(" ")[2].startswith("/admin/"):
        return ADMIN
    return MEMBER


def test_every_template_route_is_declared_by_its_function_with_the_contract_roles(aws: None) -> None:
    from local_stack.template import load_template

    checked = 0
    for fn in load_template(ROOT / "template.yaml").functions:
        if not fn.routes:
            continue
        folder = fn.code_dir.name if fn.code_dir.name != "functions" else fn.module.split(".")[0]
        policy = load_handler(folder).routes.access
        for route in fn.routes:
            assert route.route_key in policy, f"{fn.logical_id} does not serve {route.route_key}"
            assert policy[route.route_key].roles == _contract_roles(route.route_key), route.route_key
            checked += 1
    assert checked >= 28


def test_the_idempotent_routes_are_the_ones_taking_a_key(aws: None) -> None:
    declared = {
        key
        for folder in sorted(p.name for p in (ROOT / "functions").iterdir() if (p / "handler.py").exists())
        for key, access in getattr(load_handler(folder), "routes", Routes()).access.items()
        if access.idempotent
    }
    assert {
        "POST /redemptions",
        "POST /flash-sales/{saleId}/claims",
        "POST /admin/members/{memberId}/adjust",
    } <= declared
