"""Demo data for `make run`: a few products and a demo member with some points, through the real API."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

PRODUCTS: dict[str, dict[str, Any]] = {
    "thermos-cup": {
        "name": "保温杯 Thermos cup",
        "category": "home",
        "type": "PHYSICAL",
        "pointsPrice": 300,
        "cashPriceFen": 0,
        "stock": 50,
        "status": "ON_SHELF",
    },
    "coffee-voucher": {
        "name": "咖啡券 Coffee voucher",
        "category": "vouchers",
        "type": "VIRTUAL",
        "pointsPrice": 100,
        "cashPriceFen": 0,
        "stock": 1000,
        "status": "ON_SHELF",
        "perMemberLimit": 5,
    },
    "earbuds": {
        "name": "蓝牙耳机 Wireless earbuds",
        "category": "electronics",
        "type": "PHYSICAL",
        "pointsPrice": 2000,
        "cashPriceFen": 9900,
        "stock": 10,
        "status": "ON_SHELF",
        "minTier": "SILVER",
    },
}


def _call(base_url: str, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
    request = urllib.request.Request(  # noqa: S310 - the local stack's own loopback URL
        f"{base_url}{path}",
        data=json.dumps(body).encode() if body is not None else None,
        method=method,
        headers={
            "content-type": "application/json",
            **({"authorization": f"Bearer {token}"} if token else {}),
        },
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return json.loads(response.read() or b"null")


def seed(base_url: str) -> None:
    admin = _call(base_url, "POST", "/auth/login", {"code": "dev-admin:seed"})["token"]
    service = _call(base_url, "POST", "/auth/login", {"code": "dev-service:seed"})["token"]
    for sku, product in PRODUCTS.items():
        _call(base_url, "PUT", f"/admin/products/{sku}", product, admin)
    _call(base_url, "POST", "/auth/login", {"code": "dev:demo"})
    purchase = {"memberId": "demo", "eventId": "seed-demo-welcome", "kind": "PURCHASE", "amountFen": 88_800}
    _call(base_url, "POST", "/earn", purchase, service)
