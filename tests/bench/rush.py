"""A 双十一 flash-sale rush through the local stack, and the same claims' DynamoDB work issued directly.

The rush: members with points, one sale, every member claims once from many threads at the same instant.
Measured: accepted claims per second until the stock is gone, latency of every answer, seconds from the
last answer until every accepted claim is settled by the queue consumer, and a check that exactly the
stock was confirmed and every balance is right.

The direct run issues what one claim costs DynamoDB (one eventually consistent BatchGetItem of account,
allowance and every stock shard; one four-item transaction: a shard decrement, the allowance, the claim
and its idempotency record) straight from boto3, on the same engine with as many threads: the ceiling
the stack's figure is compared with.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from local_stack.engines import client
from tests.bench.http_load import Api, Timings, outcome, run_all
from tests.bench.progress import Progress

POINTS = 500  # each member's balance before the sale
PRICE = 300  # the sale's points price: a member can pay for one unit
MAX_SHARDS = 16  # the sale's stock is split over this many items (mall.domain.flash_sales)


@dataclass(frozen=True)
class Member:
    member_id: str
    token: str


def setup_members(api: Api, run: str, count: int, threads: int) -> tuple[list[Member], float]:
    """Open ``count`` accounts (login), give each ``POINTS`` points (a purchase reported by the shop) and
    let each look at the sales."""
    service = api.login("dev-service:rush")

    def one(i: int) -> Member:
        member_id = f"{run}m{i}"
        token = api.login(f"dev:{member_id}")
        purchase = {"memberId": member_id, "eventId": f"r-{member_id}", "kind": "PURCHASE"}
        api.ok("POST", "/earn", purchase | {"amountFen": POINTS * 100}, service)
        # Members open the sale page before it starts, as they do. The authorizer has no cache (README
        # "Why an authorizer"), so every claim in the rush runs it first, as on AWS.
        api.ok("GET", "/flash-sales", token=token)
        bar.advance()
        return Member(member_id, token)

    started = time.perf_counter()
    with Progress(f"{count} members: login, earn, browse", count) as bar:
        members = run_all(threads, range(count), one)
    setup_seconds = time.perf_counter() - started
    one_balance = api.ok("GET", "/me", token=members[0].token)["balance"]
    if one_balance != POINTS:
        raise AssertionError(f"a member holds {one_balance} points, expected {POINTS}")
    return members, setup_seconds


def create_sale(api: Api, run: str, stock: int) -> str:
    admin = api.login("dev-admin:rush")
    product = {
        "name": "双十一 rice cooker",
        "category": "rush",
        "type": "PHYSICAL",
        "pointsPrice": 5000,
        "cashPriceFen": 0,
        "stock": stock * 10,
        "status": "ON_SHELF",
    }
    api.ok("PUT", f"/admin/products/rush-{run}", product, admin)
    sale = {
        "sku": f"rush-{run}",
        "stock": stock,
        "pointsPrice": PRICE,
        "startsAt": "2020-01-01T00:00:00+08:00",
        "endsAt": "2099-01-01T00:00:00+08:00",
    }
    return str(api.ok("POST", "/admin/flash-sales", sale, admin)["saleId"])


def rush(api: Api, sale_id: str, members: list[Member], threads: int, stock: int) -> dict[str, Any]:
    """Every member claims once; ``threads`` clients, each on its own warm keep-alive connection."""
    for_threads = threading.Barrier(threads)
    warmed = [False] * threads
    timings = Timings()
    accepted: list[tuple[float, Member]] = []
    accepted_latencies: list[float] = []
    answered_at: list[float] = []
    lock = threading.Lock()
    queue = list(members)
    random.shuffle(queue)
    next_member = iter(queue)
    start_at: list[float] = []

    def client_thread(index: int) -> None:
        api.ok("GET", "/flash-sales", token=members[index].token)  # connect before the rush
        warmed[index] = True
        if for_threads.wait() == 0:
            start_at.append(time.perf_counter())
        while True:
            with lock:
                member = next(next_member, None)
            if member is None:
                return
            began = time.perf_counter()
            try:
                status, body = api.call(
                    "POST",
                    f"/flash-sales/{sale_id}/claims",
                    None,
                    member.token,
                    **{"Idempotency-Key": f"rush-{member.member_id}"},
                )
            except Exception as exc:  # no answer at all: a connection error or a timeout
                timings.add(time.perf_counter() - began, f"no answer ({type(exc).__name__})")
                bar.advance()
                continue
            done = time.perf_counter()
            timings.add(done - began, outcome(status, body))
            with lock:
                answered_at.append(done)
                if status == 202:
                    accepted.append((done, member))
                    accepted_latencies.append(done - began)
            bar.advance()

    with Progress(f"rush: {len(members)} claims, {threads} threads", len(members)) as bar:
        run_all(threads, range(threads), client_thread)
    started = start_at[0]
    last_accept = max((t for t, _ in accepted), default=started)
    summary = timings.summary()
    accepted_only = Timings(latencies=list(accepted_latencies))
    return {
        "threads": threads,
        "claims": len(members),
        "stock": stock,
        "accepted": len(accepted),
        "accepted_per_s": round(len(accepted) / max(last_accept - started, 1e-9), 1),
        "answers_per_s": round(len(members) / max(max(answered_at) - started, 1e-9), 1),
        "seconds_to_sell_out": round(last_accept - started, 2),
        "seconds_all_answered": round(max(answered_at) - started, 2),
        "p50_ms": summary["p50_ms"],
        "p99_ms": summary["p99_ms"],
        "max_ms": summary["max_ms"],
        "accepted_p50_ms": round(accepted_only.percentile(50) * 1000, 1),
        "accepted_p99_ms": round(accepted_only.percentile(99) * 1000, 1),
        "outcomes": summary["outcomes"],
        "server_errors": sum(n for o, n in summary["outcomes"].items() if o[:1] == "5"),
        "unanswered": sum(n for o, n in summary["outcomes"].items() if o.startswith("no answer")),
        "_accepted_members": [m for _, m in accepted],
        "_last_answer": max(answered_at),
    }


def wait_settled(
    api: Api, sale_id: str, accepted: list[Member], last_answer: float, limit_s: float = 120
) -> dict[str, Any]:
    """Poll each accepted member's claim (GET .../claims/mine) until none is still QUEUED."""
    pending = list(accepted)
    statuses: dict[str, str] = {}
    with Progress("settling accepted claims", len(accepted)) as bar:
        while pending and time.perf_counter() - last_answer < limit_s:

            def status_of(member: Member) -> tuple[Member, str]:
                return member, api.ok("GET", f"/flash-sales/{sale_id}/claims/mine", token=member.token)[
                    "status"
                ]

            still = []
            for member, status in run_all(8, pending, status_of):
                if status == "QUEUED":
                    still.append(member)
                else:
                    statuses[member.member_id] = status
                    bar.advance()
            pending = still
            if pending:
                time.sleep(0.2)
    return {
        "settled_seconds_after_last_answer": round(time.perf_counter() - last_answer, 2),
        "still_queued": len(pending),
        "statuses": dict(Counter(statuses.values())),
        "_statuses": statuses,
    }


def check(
    api: Api, sale_id: str, members: list[Member], statuses: dict[str, str], stock: int
) -> dict[str, Any]:
    """Exactly the stock confirmed, none left, and every member's balance what their claim says."""
    confirmed = {m for m, s in statuses.items() if s == "CONFIRMED"}
    admin = api.login("dev-admin:rush")
    listed = next(
        s for s in api.ok("GET", "/flash-sales?limit=100", token=admin)["items"] if s["saleId"] == sale_id
    )
    wrong: list[str] = []

    def balance_ok(member: Member) -> None:
        balance = api.ok("GET", "/me", token=member.token)["balance"]
        expected = POINTS - PRICE if member.member_id in confirmed else POINTS
        if balance != expected:
            wrong.append(f"{member.member_id}: {balance} != {expected}")
        bar.advance()

    with Progress("checking every balance", len(members)) as bar:
        run_all(16, members, balance_ok)
    ok = len(confirmed) == stock and listed["stockLeft"] == 0 and not wrong
    return {
        "confirmed": len(confirmed),
        "stock_left": listed["stockLeft"],
        "wrong_balances": len(wrong),
        "examples": wrong[:5],
        "ok": ok,
    }


def direct_engine(
    endpoint: str, table: str, members: list[Member], threads: int, claims: int
) -> dict[str, Any]:
    """The claims' own DynamoDB calls straight from boto3, with the app's retry on a lost race."""
    ddb = client("dynamodb", endpoint, max_pool_connections=threads)
    sale_id = f"direct-{uuid.uuid4().hex[:6]}"
    shards = MAX_SHARDS
    per_shard = claims // shards + 2  # enough units: every claim should succeed
    items = [
        {
            "PutRequest": {
                "Item": {
                    "PK": {"S": f"SALE#{sale_id}#SHARD#{i:02d}"},
                    "SK": {"S": "STOCK"},
                    "left": {"N": str(per_shard)},
                }
            }
        }
        for i in range(shards)
    ]
    ddb.batch_write_item(RequestItems={table: items})
    retries = Counter[str]()
    lock = threading.Lock()
    latencies = Timings()
    queue = iter(range(claims))

    def one_claim(i: int) -> None:
        member = members[i % len(members)].member_id
        claim_id = f"{sale_id}-{i}"
        keys = [
            {"PK": {"S": f"MEMBER#{member}"}, "SK": {"S": "ACCOUNT"}},
            {"PK": {"S": f"SALE#{sale_id}#MEMBER#{member}#{i}"}, "SK": {"S": "ALLOWANCE"}},
            *({"PK": {"S": f"SALE#{sale_id}#SHARD#{s:02d}"}, "SK": {"S": "STOCK"}} for s in range(shards)),
        ]
        began = time.perf_counter()
        for attempt in range(50):
            found = ddb.batch_get_item(RequestItems={table: {"Keys": keys, "ConsistentRead": False}})
            shards_left = [
                int(item["PK"]["S"].rsplit("#", 1)[1])
                for item in found["Responses"][table]
                if item["SK"]["S"] == "STOCK" and int(item["left"]["N"]) > 0
            ]
            shard = random.choice(shards_left)
            try:
                ddb.transact_write_items(
                    TransactItems=_claim_items(table, sale_id, member, i, claim_id, shard)
                )
                break
            except ddb.exceptions.TransactionCanceledException as exc:
                with lock:
                    retries[exc.response.get("CancellationReasons", [{}])[0].get("Code", "?")] += 1
                time.sleep(random.uniform(0, min(0.2, 0.01 * 2 ** min(attempt + 1, 5))))
        latencies.add(time.perf_counter() - began, "ok")

    def worker(_: int) -> None:
        while True:
            with lock:
                i = next(queue, None)
            if i is None:
                return
            one_claim(i)
            bar.advance()

    start = threading.Barrier(threads)
    began: list[float] = []

    def thread(index: int) -> None:
        if start.wait() == 0:
            began.append(time.perf_counter())
        worker(index)

    with Progress(f"direct engine: {claims} claims", claims) as bar, ThreadPoolExecutor(threads) as pool:
        list(pool.map(thread, range(threads)))
    elapsed = time.perf_counter() - began[0]
    summary = latencies.summary()
    return {
        "threads": threads,
        "claims": claims,
        "claims_per_s": round(claims / elapsed, 1),
        "p50_ms": summary["p50_ms"],
        "p99_ms": summary["p99_ms"],
        "retries": sum(retries.values()),
    }


def _claim_items(
    table: str, sale_id: str, member: str, i: int, claim_id: str, shard: int
) -> list[dict[str, Any]]:
    now = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
    return [
        {
            "Update": {
                "TableName": table,
                "Key": {"PK": {"S": f"SALE#{sale_id}#SHARD#{shard:02d}"}, "SK": {"S": "STOCK"}},
                "UpdateExpression": "ADD #c :delta",
                "ConditionExpression": "#c >= :one",
                "ExpressionAttributeNames": {"#c": "left"},
                "ExpressionAttributeValues": {":delta": {"N": "-1"}, ":one": {"N": "1"}},
            }
        },
        {
            "Update": {
                "TableName": table,
                "Key": {"PK": {"S": f"SALE#{sale_id}#MEMBER#{member}#{i}"}, "SK": {"S": "ALLOWANCE"}},
                "UpdateExpression": "ADD #c :one SET lastClaimId = :claim",
                "ConditionExpression": "attribute_not_exists(#c) OR #c < :limit",
                "ExpressionAttributeNames": {"#c": "live"},
                "ExpressionAttributeValues": {
                    ":one": {"N": "1"},
                    ":limit": {"N": "1"},
                    ":claim": {"S": claim_id},
                },
            }
        },
        {
            "Put": {
                "TableName": table,
                "Item": {
                    "PK": {"S": f"CLAIM#{claim_id}"},
                    "SK": {"S": "CLAIM"},
                    "claimId": {"S": claim_id},
                    "saleId": {"S": sale_id},
                    "memberId": {"S": member},
                    "shard": {"N": str(shard)},
                    "status": {"S": "QUEUED"},
                    "createdAt": {"S": now},
                    "DUE_PK": {"S": f"CLAIMS#{i % 4}"},
                    "DUE_SK": {"S": f"{now}#{claim_id}"},
                },
                "ConditionExpression": "attribute_not_exists(PK)",
            }
        },
        {
            "Put": {
                "TableName": table,
                "Item": {
                    "PK": {"S": f"IDEMPOTENCY#{member}#direct-{claim_id}"},
                    "SK": {"S": "flash-claim"},
                    "fingerprint": {"S": claim_id},
                    "answer": {"S": f'{{"claimId": "{claim_id}", "status": "QUEUED"}}'},
                    "ttl": {"N": str(int(time.time()) + 86400)},
                },
                "ConditionExpression": "attribute_not_exists(PK)",
            }
        },
    ]
