"""Benchmark: DynamoDB round trips and consumed capacity per operation, on DynamoDB Local.

Counts, not timings: `make bench` prints a table that the README quotes. Handlers run in this process
(against the local stack's engines) so botocore's events can be counted exactly."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from typing import Any

from local_stack.local_server import running_stack
from tests.bench.meter import Meter
from tests.conftest import FakeContext, http_event, load_handler, through_gateway


def main() -> None:
    with running_stack(workers=1, seed=False) as stack:
        env: dict[str, str] = {}
        for function_env in stack.function_env.values():
            env |= function_env
        os.environ.update(env | {"POWERTOOLS_METRICS_DISABLED": "true", "POWERTOOLS_LOG_LEVEL": "ERROR"})
        sys.path.insert(0, "shared")
        from mall.data import dynamo

        meter = Meter(dynamo.client())

        def call(
            folder: str, method: str, path: str, body: Any = None, token: str | None = None, **h: str
        ) -> Any:
            return answered(None, folder, method, path, body, token, h)

        def answered(
            expect: int | None,
            folder: str,
            method: str,
            path: str,
            body: Any = None,
            token: str | None = None,
            h: dict[str, str] | None = None,
        ) -> Any:
            event = http_event(method, path, body, token, None, h or {})
            stopped = through_gateway(event)  # the route's authorizer first, as API Gateway runs it
            assert stopped is None, stopped
            response = load_handler(folder).lambda_handler(event, FakeContext())
            ok = response["statusCode"] == expect if expect else response["statusCode"] < 300
            assert ok, response
            return json.loads(response["body"]) if response.get("body") else None

        rows: list[tuple[str, str, float]] = []

        def measure(name: str, action: Callable[[], Any]) -> Any:
            meter.reset()
            result = action()
            calls = ", ".join(f"{n}×{op}" for op, n in sorted(meter.calls.items()))
            rows.append((name, calls, meter.capacity))
            return result

        admin = call("auth_login", "POST", "/auth/login", {"code": "dev-admin:bench"})["token"]
        service = call("auth_login", "POST", "/auth/login", {"code": "dev-service:bench"})["token"]
        product = {
            "name": "Cup",
            "category": "home",
            "type": "PHYSICAL",
            "pointsPrice": 100,
            "cashPriceFen": 0,
            "stock": 1000,
            "status": "ON_SHELF",
            "perMemberLimit": 10,
        }
        call("catalog", "PUT", "/admin/products/cup", product, admin)
        member = measure(
            "login (opens account)", lambda: call("auth_login", "POST", "/auth/login", {"code": "dev:bench"})
        )["token"]
        call(
            "sign_in",
            "POST",
            "/sign-in",
            token=call("auth_login", "POST", "/auth/login", {"code": "dev:w"})["token"],
        )
        measure("POST /sign-in", lambda: call("sign_in", "POST", "/sign-in", token=member))
        measure(
            "POST /sign-in refused (409, pays for its rate count)",
            lambda: answered(409, "sign_in", "POST", "/sign-in", token=member),
        )
        for _ in range(8):
            answered(409, "sign_in", "POST", "/sign-in", token=member)
        measure(
            "POST /sign-in over the rate limit (429)",
            lambda: answered(429, "sign_in", "POST", "/sign-in", token=member),
        )
        for i in range(120):  # history does not change the cost of a spend
            earn = {"memberId": "bench", "eventId": f"h{i}", "kind": "TASK", "points": 1}
            call("earn", "POST", "/earn", earn, service)
        purchase = {"memberId": "bench", "eventId": "p1", "kind": "PURCHASE", "amountFen": 50_000}
        measure("POST /earn (purchase)", lambda: call("earn", "POST", "/earn", purchase, service))
        measure("POST /earn (replayed eventId)", lambda: call("earn", "POST", "/earn", purchase, service))
        refund = {"reason": "returned", "amountFen": 10_000, "memberId": "bench"}
        measure(
            "POST /earn/{id}/reverse (memberId named)",
            lambda: call("earn", "POST", "/earn/p1/reverse", refund, service),
        )
        measure(
            "POST /earn/{id}/reverse (replayed)",
            lambda: call("earn", "POST", "/earn/p1/reverse", refund, service),
        )
        rest = {"reason": "returned", "refundId": "rest"}
        measure(
            "POST /earn/{id}/reverse (no memberId)",
            lambda: call("earn", "POST", "/earn/p1/reverse", rest, service),
        )
        call("earn", "POST", "/earn", {**purchase, "eventId": "p2"}, service)
        measure("GET /me", lambda: call("member", "GET", "/me", token=member))
        measure("GET /me/ledger (20 entries)", lambda: call("member", "GET", "/me/ledger", token=member))
        order = measure(
            "POST /redemptions",
            lambda: call(
                "redeem",
                "POST",
                "/redemptions",
                {"sku": "cup", "quantity": 1},
                member,
                **{"Idempotency-Key": "b1"},
            ),
        )
        measure("GET /products (3 on shelf)", lambda: call("catalog", "GET", "/products", token=member))
        measure(
            "POST /orders/{id}/cancel",
            lambda: call("orders", "POST", f"/orders/{order['orderId']}/cancel", token=member),
        )
        sale = {
            "sku": "cup",
            "stock": 100,
            "pointsPrice": 10,
            "startsAt": "2020-01-01T00:00:00+08:00",
            "endsAt": "2099-01-01T00:00:00+08:00",
        }
        sale_id = call("admin_flash_sales", "POST", "/admin/flash-sales", sale, admin)["saleId"]
        claimed = measure(
            "POST /flash-sales/{id}/claims",
            lambda: call(
                "flash_claim",
                "POST",
                f"/flash-sales/{sale_id}/claims",
                None,
                member,
                **{"Idempotency-Key": "c1"},
            ),
        )
        from mall.services.flash_sales import settle

        measure("settle one claim (queue consumer)", lambda: settle(claimed["claimId"]))
        from mall.services.reconcile import reconcile

        measure("ReconcileFunction (first run: 3 accounts touched today)", lambda: reconcile(lambda: 900_000))

    print("| operation | DynamoDB round trips | consumed capacity units |")
    print("|---|---|---|")
    for name, calls, capacity in rows:
        print(f"| {name} | {calls} | {capacity:g} |")


if __name__ == "__main__":
    main()
