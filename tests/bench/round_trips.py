"""Benchmark: DynamoDB round trips and consumed capacity per operation, on DynamoDB Local.

Counts, not timings: a table that the README quotes. Handlers run in this process (against the local
stack's engines) so botocore's events can be counted exactly.  ``make bench`` runs it as one phase;
``python -m tests.bench.round_trips`` runs it alone."""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

from local_stack.local_server import Stack, running_stack
from local_stack.stream_consumer import stream_record
from tests.bench.meter import Meter
from tests.conftest import FakeContext, http_event, load_handler, through_gateway


def in_process(stack: Stack) -> None:
    """Let this process run handlers against ``stack``'s engines, as the round-trip counts need."""
    env: dict[str, str] = {}
    for function_env in stack.function_env.values():
        env |= function_env
    os.environ.update(env | {"POWERTOOLS_METRICS_DISABLED": "true", "POWERTOOLS_LOG_LEVEL": "ERROR"})
    if "shared" not in sys.path:
        sys.path.insert(0, "shared")


def round_trips(stack: Stack) -> list[dict[str, Any]]:
    """Round trips and consumed capacity of each operation, one row per operation."""
    # powertools prints metrics (EMF) on stdout once 100 pile up, even when disabled: keep stdout clean.
    with contextlib.redirect_stdout(io.StringIO()):
        return _round_trips(stack)


def _round_trips(stack: Stack) -> list[dict[str, Any]]:
    in_process(stack)
    from mall.data import dynamo
    from mall.services.flash_sales import settle

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
        assert through_gateway(event) is None  # the route's authorizer first, as API Gateway runs it
        response = load_handler(folder).lambda_handler(event, FakeContext())
        ok = response["statusCode"] == expect if expect else response["statusCode"] < 300
        assert ok, response
        return json.loads(response["body"]) if response.get("body") else None

    rows: list[dict[str, Any]] = []

    def measure(name: str, action: Callable[[], Any]) -> Any:
        meter.reset()
        result = action()
        calls = ", ".join(f"{n}×{op}" for op, n in sorted(meter.calls.items()))
        rows.append({"operation": name, "round_trips": calls, "capacity_units": meter.capacity})
        return result

    run = uuid.uuid4().hex[:6]
    member_id, sku = f"bench{run}", f"cup-{run}"
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
    call("catalog", "PUT", f"/admin/products/{sku}", product, admin)
    login = {"code": f"dev:{member_id}"}
    member = measure("login (opens account)", lambda: call("auth_login", "POST", "/auth/login", login))[
        "token"
    ]
    other = call("auth_login", "POST", "/auth/login", {"code": f"dev:w{run}"})["token"]
    call("sign_in", "POST", "/sign-in", token=other)  # the rules cache is warm, as in a busy container
    measure("POST /sign-in", lambda: call("sign_in", "POST", "/sign-in", token=member))
    measure(
        "POST /sign-in refused (409: pays for its rate count)",
        lambda: answered(409, "sign_in", "POST", "/sign-in", token=member),
    )
    for _ in range(8):
        answered(409, "sign_in", "POST", "/sign-in", token=member)
    measure(
        "POST /sign-in over the rate limit (429)",
        lambda: answered(429, "sign_in", "POST", "/sign-in", token=member),
    )
    for i in range(120):  # history does not change the cost of a spend
        earn = {"memberId": member_id, "eventId": f"h{i}", "kind": "TASK", "points": 1}
        call("earn", "POST", "/earn", earn, service)
    purchase = {"memberId": member_id, "eventId": "p1", "kind": "PURCHASE", "amountFen": 50_000}
    measure("POST /earn (purchase)", lambda: call("earn", "POST", "/earn", purchase, service))
    measure("POST /earn (replayed eventId)", lambda: call("earn", "POST", "/earn", purchase, service))
    refund = {"reason": "returned", "amountFen": 10_000, "memberId": member_id}
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
    redemption = {"sku": sku, "quantity": 1}
    order = measure(
        "POST /redemptions (spending points from 120 earn events)",
        lambda: call("redeem", "POST", "/redemptions", redemption, member, **{"Idempotency-Key": "b1"}),
    )
    measure("GET /products", lambda: call("catalog", "GET", "/products", token=member))
    measure(
        "POST /orders/{id}/cancel",
        lambda: call("orders", "POST", f"/orders/{order['orderId']}/cancel", token=member),
    )
    sale = {
        "sku": sku,
        "stock": 100,
        "pointsPrice": 10,
        "startsAt": "2020-01-01T00:00:00+08:00",
        "endsAt": "2099-01-01T00:00:00+08:00",
    }
    sale_id = call("admin_flash_sales", "POST", "/admin/flash-sales", sale, admin)["saleId"]
    claimed = measure(
        "POST /flash-sales/{id}/claims (first in a container; then no GetItem)",
        lambda: call(
            "flash_claim", "POST", f"/flash-sales/{sale_id}/claims", None, member, **{"Idempotency-Key": "c1"}
        ),
    )
    measure("settle one claim (queue consumer)", lambda: settle(claimed["claimId"]))

    window = {"startsAt": "2020-01-01T00:00:00+08:00", "endsAt": "2099-01-01T00:00:00+08:00"}
    campaign = {"name": "double", "multiplier": 2, **window, "kinds": ["PURCHASE", "SIGN_IN"]}
    call("campaigns", "POST", "/admin/campaigns", campaign, admin)
    boosted = {"memberId": member_id, "eventId": f"p2-{run}", "kind": "PURCHASE", "amountFen": 50_000}
    call("earn", "POST", "/earn", {**boosted, "eventId": f"p-warm-{run}"}, service)  # campaigns now cached
    measure(
        "POST /earn (purchase, inside a campaign)",
        lambda: call("earn", "POST", "/earn", boosted, service),
    )
    code = call("member", "GET", "/me", token=member)["inviteCode"]
    measure(
        "login (opens account, with an invite code)",
        lambda: call("auth_login", "POST", "/auth/login", {"code": f"dev:friend{run}", "inviteCode": code}),
    )
    prizes = [
        {"prizeId": "cup", "kind": "PRODUCT", "sku": sku, "weight": 1, "stock": 500},
        {"prizeId": "none", "kind": "NOTHING", "weight": 0},
    ]
    draw = {"name": "wheel", "costPoints": 10, **window, "prizes": prizes}
    measure(
        "PUT /admin/draws/{id} (new, 8 stock shards)",
        lambda: call("draws", "PUT", f"/admin/draws/d{run}", draw, admin),
    )
    spin = ("draw_spin", "POST", f"/draws/d{run}/spins", None, member)
    call(*spin, **{"Idempotency-Key": "warm"})  # the definition is now cached
    measure("POST /draws/{id}/spins (product prize)", lambda: call(*spin, **{"Idempotency-Key": "s1"}))
    measure("GET /draws/{id}", lambda: call("draws", "GET", f"/draws/d{run}", token=member))
    checkout = {"memberId": member_id, "orderRef": f"po-{run}", "orderAmountFen": 10_000, "points": 500}
    deduction = measure(
        "POST /deductions",
        lambda: call(
            "deductions", "POST", "/deductions", checkout, service, **{"Idempotency-Key": f"d-{run}"}
        ),
    )
    reverse = f"/deductions/{deduction['deductionId']}/reverse"
    measure("POST /deductions/{id}/reverse", lambda: call("deductions", "POST", reverse, None, service))

    def hot_list() -> Any:
        event = http_event("GET", "/products", None, member, {"sort": "hot"}, {})
        assert through_gateway(event) is None
        return load_handler("catalog").lambda_handler(event, FakeContext())

    time.sleep(1.1)  # past the local stack's 1 s cache of the week's counts: this request reads them
    measure("GET /products?sort=hot (the week's counts read; then cached up to 5 s)", hot_list)
    time.sleep(3)  # the stream poller scores this member's earns
    measure(
        "GET /leaderboard (caller in the top ten)",
        lambda: call("leaderboard", "GET", "/leaderboard", token=member),
    )
    from mall.services.leaderboard import score_stream_batch

    records = [stream_record(_ledger_insert(f"lb{run}-{i}", 1000 - i), "arn") for i in range(50)]
    for start in range(0, 50, 25):
        score_stream_batch(records[start : start + 25])
    measure("score 25 new EARN entries (stream consumer)", lambda: score_stream_batch(_more_records(run)))
    low = call("auth_login", "POST", "/auth/login", {"code": f"dev:lb{run}-49"})["token"]
    measure(
        "GET /leaderboard (caller ranked 50th: counts who is ahead)",
        lambda: call("leaderboard", "GET", "/leaderboard", token=low),
    )
    from mall.services.reconcile import reconcile

    checked = measure("ReconcileFunction (first run)", lambda: reconcile(lambda: 900_000))
    rows[-1]["operation"] += f": {checked['accounts']} accounts touched, 2 days"
    _journey(run, call, measure, admin, service)
    return rows


def _journey(
    run: str, call: Callable[..., Any], measure: Callable[..., Any], admin: str, service: str
) -> None:
    """Tasks ride on the account write (definitions in the cached CONFIG query); segments are one query."""
    task = {"name": "survey", "event": "TASK", "taskKind": "SURVEY", "target": 2, "period": "WEEK"}
    call("tasks", "PUT", f"/admin/tasks/bench-{run}", {**task, "rewardPoints": 10}, admin)
    member_id = f"tk{run}"
    member = call("auth_login", "POST", "/auth/login", {"code": f"dev:{member_id}"})["token"]
    survey = {"memberId": member_id, "kind": "TASK", "points": 1, "taskKind": "SURVEY"}
    call("earn", "POST", "/earn", {**survey, "eventId": f"tk{run}-1"}, service)  # the cache holds the task
    measure(
        "POST /earn (completes a task: reward in the same write)",
        lambda: call("earn", "POST", "/earn", {**survey, "eventId": f"tk{run}-2"}, service),
    )
    measure("GET /me/tasks", lambda: call("tasks", "GET", "/me/tasks", token=member))
    measure("GET /admin/segments", lambda: call("member_admin", "GET", "/admin/segments", token=admin))


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


def _more_records(run: str) -> list[dict[str, Any]]:
    return [stream_record(_ledger_insert(f"lb{run}-{i}", 1, "2"), "arn") for i in range(25)]


def table(rows: list[dict[str, Any]]) -> str:
    lines = ["| operation | DynamoDB round trips | consumed capacity units |", "|---|---|---|"]
    lines += [f"| {r['operation']} | {r['round_trips']} | {r['capacity_units']:g} |" for r in rows]
    return "\n".join(lines)


def main() -> None:
    with running_stack(workers=1, seed=False) as stack:
        rows = round_trips(stack)
    print(table(rows))


if __name__ == "__main__":
    main()
