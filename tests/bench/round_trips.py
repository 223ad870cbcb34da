"""Benchmark: DynamoDB round trips and consumed capacity per operation, on DynamoDB Local.

Counts, not timings: `make bench` prints a table that the README quotes. Handlers run in this process
(against the local stack's engines) so botocore's events can be counted exactly."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from typing import Any

from local_stack.local_server import running_stack
from local_stack.stream_consumer import stream_record
from tests.bench.meter import Meter
from tests.conftest import FakeContext, http_event, load_handler


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
            response = load_handler(folder).lambda_handler(
                http_event(method, path, body, token, None, h), FakeContext()
            )
            assert response["statusCode"] < 300, response
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

        window = {"startsAt": "2020-01-01T00:00:00+08:00", "endsAt": "2099-01-01T00:00:00+08:00"}
        campaign = {"name": "double", "multiplier": 2, **window, "kinds": ["PURCHASE", "SIGN_IN"]}
        call("campaigns", "POST", "/admin/campaigns", campaign, admin)
        boosted = {"memberId": "bench", "eventId": "p2", "kind": "PURCHASE", "amountFen": 50_000}
        call("earn", "POST", "/earn", {**boosted, "eventId": "p-warm"}, service)  # campaigns now cached
        measure(
            "POST /earn (purchase, inside a campaign)",
            lambda: call("earn", "POST", "/earn", boosted, service),
        )
        code = call("member", "GET", "/me", token=member)["inviteCode"]
        measure(
            "login (opens account, with an invite code)",
            lambda: call("auth_login", "POST", "/auth/login", {"code": "dev:friend", "inviteCode": code}),
        )
        prizes = [
            {"prizeId": "cup", "kind": "PRODUCT", "sku": "cup", "weight": 1, "stock": 500},
            {"prizeId": "none", "kind": "NOTHING", "weight": 0},
        ]
        draw = {"name": "wheel", "costPoints": 10, **window, "prizes": prizes}
        measure(
            "PUT /admin/draws/{id} (new, 8 stock shards)",
            lambda: call("draws", "PUT", "/admin/draws/d1", draw, admin),
        )
        spin = ("draw_spin", "POST", "/draws/d1/spins", None, member)
        call(*spin, **{"Idempotency-Key": "warm"})  # the definition is now cached
        measure("POST /draws/{id}/spins (product prize)", lambda: call(*spin, **{"Idempotency-Key": "s1"}))
        measure("GET /draws/{id}", lambda: call("draws", "GET", "/draws/d1", token=member))
        time.sleep(3)  # the stream poller scores this member's earns
        measure(
            "GET /leaderboard (caller in the top ten)",
            lambda: call("leaderboard", "GET", "/leaderboard", token=member),
        )
        from mall.services.leaderboard import score_stream_batch

        records = [stream_record(_ledger_insert(f"lb{i}", 1000 - i), "arn") for i in range(50)]
        for start in range(0, 50, 25):
            score_stream_batch(records[start : start + 25])
        measure("score 25 new EARN entries (stream consumer)", lambda: score_stream_batch(_more_records()))
        low = call("auth_login", "POST", "/auth/login", {"code": "dev:lb49"})["token"]
        measure(
            "GET /leaderboard (caller ranked 50th: counts who is ahead)",
            lambda: call("leaderboard", "GET", "/leaderboard", token=low),
        )

    print("| operation | DynamoDB round trips | consumed capacity units |")
    print("|---|---|---|")
    for name, calls, capacity in rows:
        print(f"| {name} | {calls} | {capacity:g} |")


def _ledger_insert(member_id: str, points: int, entry: str = "1") -> dict[str, Any]:
    """A stream record of a new EARN entry, as GetRecords returns it."""
    from zoneinfo import ZoneInfo

    from mall import clock
    from mall.domain.calendar import business_day

    image = {
        "PK": {"S": f"MEMBER#{member_id}"},
        "SK": {"S": f"LEDGER#{entry}"},
        "type": {"S": "EARN"},
        "source": {"S": "PURCHASE"},
        "delta": {"N": str(points)},
        "day": {"S": business_day(clock.now(), ZoneInfo("Asia/Shanghai")).isoformat()},
    }
    body = {"Keys": {"PK": image["PK"], "SK": image["SK"]}, "NewImage": image, "SequenceNumber": "1"}
    return {"eventID": f"{member_id}-{entry}", "eventName": "INSERT", "dynamodb": body}


def _more_records() -> list[dict[str, Any]]:
    return [stream_record(_ledger_insert(f"lb{i}", 1, "2"), "arn") for i in range(25)]


if __name__ == "__main__":
    main()
