"""Faults on the one DynamoDB client (tests/faults.py), for every multi-step operation.

- A crash after each DynamoDB call of the operation (the process dies between two calls), then the
  retry a client, SQS or the next scheduled run makes: the operation ends correct, nothing doubled,
  nothing lost, every ledger sums to its balance.
- Throttling that outlived botocore's retries (`ProvisionedThroughputExceededException`,
  `ThrottlingException`) at each call, and transaction conflicts: retried inside the function; when the
  retries run out the client gets 503 with Retry-After, never a 500, and nothing changed.
- SQS delivering claim messages twice and out of order: each claim settles once.

Each crash point starts from empty tables, so every run of an operation makes the same calls."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from local_stack.events import sqs_event
from tests.conftest import (
    Clock,
    FakeContext,
    Tokens,
    _drain,
    _empty_tables,
    http_event,
    load_handler,
    through_gateway,
)
from tests.faults import Crash, Faults

CUP = {
    "name": "Cup",
    "category": "home",
    "type": "PHYSICAL",
    "pointsPrice": 100,
    "cashPriceFen": 0,
    "stock": 5,
    "status": "ON_SHELF",
}
NOW = "2026-03-02T10:00:00+08:00"
THROTTLES = ("ProvisionedThroughputExceededException", "ThrottlingException")


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


class World:
    """Calls the real handlers; reads the books straight from the table to check them."""

    def __init__(self, tokens: Tokens, clock: Clock) -> None:
        self.tokens, self.clock = tokens, clock
        self.admin = tokens.admin()
        self.service = tokens.service()

    def http(self, folder: str, method: str, path: str, body: Any = None, token: str | None = None, **h: str):
        event = http_event(method, path, body, token, None, h)
        stopped = through_gateway(event)
        if stopped is not None:
            return Answer(*stopped)
        response = load_handler(folder).lambda_handler(event, FakeContext())
        return Answer(response["statusCode"], json.loads(response["body"]), response.get("headers") or {})

    def job(self, folder: str, event: Any = None) -> Any:
        return load_handler(folder).lambda_handler(event or {}, FakeContext())

    def member(self, member_id: str, points: int = 0) -> str:
        token = self.tokens.member(member_id)
        if points:
            self.earn(member_id, f"seed-{member_id}", points * 100)
        return token

    def earn(self, member_id: str, event_id: str, amount_fen: int) -> Answer:
        body = {"memberId": member_id, "eventId": event_id, "kind": "PURCHASE", "amountFen": amount_fen}
        return self.http("earn", "POST", "/earn", body, self.service)

    def product(self, sku: str = "cup", **fields: Any) -> None:
        assert (
            self.http("catalog", "PUT", f"/admin/products/{sku}", {**CUP, **fields}, self.admin).status == 200
        )

    def redeem(self, token: str, key: str = "k", sku: str = "cup") -> Answer:
        body = {"sku": sku, "quantity": 1}
        return self.http("redeem", "POST", "/redemptions", body, token, **{"Idempotency-Key": key})

    def stock(self, sku: str = "cup") -> int:
        answer = self.http("catalog", "GET", f"/products/{sku}", token=self.admin)
        assert answer.status == 200, answer
        return int(answer.body["stock"])

    def sale(self, stock: int = 3, price: int = 100) -> str:
        self.product()
        body = {
            "sku": "cup",
            "stock": stock,
            "pointsPrice": price,
            "startsAt": "2020-01-01T00:00:00+08:00",
            "endsAt": "2099-01-01T00:00:00+08:00",
        }
        return str(
            self.http("admin_flash_sales", "POST", "/admin/flash-sales", body, self.admin).body["saleId"]
        )

    def claim(self, sale_id: str, token: str, key: str = "c") -> Answer:
        path = f"/flash-sales/{sale_id}/claims"
        return self.http("flash_claim", "POST", path, None, token, **{"Idempotency-Key": key})

    def mine(self, sale_id: str, token: str) -> Any:
        return self.http("flash_sales", "GET", f"/flash-sales/{sale_id}/claims/mine", token=token).body

    def stock_left(self, sale_id: str) -> int:
        items = self.http("flash_sales", "GET", "/flash-sales", token=self.admin).body["items"]
        return int(next(i for i in items if i["saleId"] == sale_id)["stockLeft"])

    def messages(self) -> list[dict[str, Any]]:
        sqs = boto3.client("sqs")
        got = sqs.receive_message(
            QueueUrl=os.environ["FLASH_SALE_QUEUE_URL"], MaxNumberOfMessages=10, AttributeNames=["All"]
        )
        return [dict(m) for m in got.get("Messages", [])]

    def deliver(self, messages: list[dict[str, Any]]) -> Any:
        event = sqs_event(messages, "arn:aws:sqs:us-east-1:123456789012:FlashSaleQueue")
        try:
            return self.job("flash_settle", event)
        except BatchProcessingError:  # every record failed: the invocation fails, SQS redelivers all
            return {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in event["Records"]]}

    def orders(self, token: str) -> list[Any]:
        return list(self.http("orders", "GET", "/orders", token=token).body["items"])

    def books(self) -> dict[str, int]:
        """Every account's balance, after checking its books: stored balance = sum of lots = the sum of
        its ledger = the last entry's balanceAfter; nothing negative."""
        ddb = boto3.client("dynamodb")
        items = [
            i for page in ddb.get_paginator("scan").paginate(TableName="PointsTable") for i in page["Items"]
        ]
        balances = {}
        for account in (i for i in items if i["SK"]["S"] == "ACCOUNT"):
            pk = account["PK"]["S"]
            lots = {k: int(v["N"]) for k, v in account.get("lots", {}).get("M", {}).items()}
            entries = sorted(
                (i for i in items if i["PK"]["S"] == pk and i["SK"]["S"].startswith("LEDGER#")),
                key=lambda i: i["SK"]["S"],
            )
            balance = int(account.get("balance", {"N": "0"})["N"])
            assert all(points > 0 for points in lots.values()), pk
            assert balance == sum(lots.values()) == sum(int(e["delta"]["N"]) for e in entries), pk
            assert balance == (int(entries[-1]["balanceAfter"]["N"]) if entries else 0), pk
            balances[pk.removeprefix("MEMBER#")] = balance
        return balances


@pytest.fixture
def world(clock: Clock, tokens: Tokens) -> World:
    clock.set(NOW)
    return World(tokens, clock)


@pytest.fixture
def faults(world: World) -> Iterator[Faults]:
    from mall.data import dynamo

    injected = Faults(dynamo.client())
    yield injected
    injected.reset()


@pytest.fixture
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Spend a retry budget of a fraction of a second, not the 6 s a real request may."""
    from mall.data import retry

    monkeypatch.setattr(retry, "BUDGET_SECONDS", 0.3)


def fresh() -> None:
    _empty_tables()
    _drain(os.environ["FLASH_SALE_QUEUE_URL"])


WRITES = {"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"}


def distinct_crash_points(calls: list[str]) -> list[int]:
    """After which calls to crash. Only writes change the state, so a crash between two reads leaves
    the same state as a crash after the call before them: one point per stretch of reads is enough
    (before each write, after each write, and after the first and the last call)."""
    points = {1, len(calls)}
    for n in range(1, len(calls)):
        if calls[n - 1] in WRITES or calls[n] in WRITES:
            points.add(n)
    return sorted(points)


@dataclass
class Operation:
    """`setup` makes what the operation needs (from empty tables) and returns its context; `act` is the
    operation; `retry` what follows a crash (the client again, SQS again, the next run); `check` the
    state the operation must end in, whatever happened."""

    setup: Callable[[World], Any]
    act: Callable[[World, Any], Any]
    check: Callable[[World, Any], None]
    retry: Callable[[World, Any], Any] | None = None


def crash_between_every_call(world: World, faults: Faults, op: Operation) -> list[str]:
    fresh()
    context = op.setup(world)
    faults.reset()
    op.act(world, context)
    calls = list(faults.calls)
    assert calls, "the operation made no DynamoDB call"
    op.check(world, context)
    for n in distinct_crash_points(calls):
        fresh()
        context = op.setup(world)
        faults.crash_after(n)
        with pytest.raises(Crash):
            op.act(world, context)
        faults.reset()
        (op.retry or op.act)(world, context)
        op.check(world, context)
    return calls


# --- the operations --------------------------------------------------------------------------


def _earn_check(world: World, _: Any) -> None:
    assert world.books() == {"alice": 100}
    again = world.earn("alice", "order-1", 10_000)
    assert (again.status, again.body["awarded"], again.body["replayed"]) == (200, 100, True)


EARN = Operation(
    setup=lambda w: w.member("alice"),
    act=lambda w, _: w.earn("alice", "order-1", 10_000),
    check=_earn_check,
)


def _sign_in(world: World, token: str) -> Answer:
    return world.http("sign_in", "POST", "/sign-in", token=token)


def _sign_in_check(world: World, token: str) -> None:
    assert world.books() == {"alice": 5}
    assert _sign_in(world, token).body["error"]["code"] == "ALREADY_SIGNED_IN"


SIGN_IN = Operation(setup=lambda w: w.member("alice"), act=_sign_in, check=_sign_in_check)


def _redeem_setup(world: World) -> str:
    world.product()
    return world.member("alice", 300)


def _redeem_check(world: World, token: str) -> None:
    again = world.redeem(token)
    assert again.status == 201
    assert [o["orderId"] for o in world.orders(token)] == [again.body["orderId"]]
    assert world.stock() == 4
    assert world.books() == {"alice": 200}


REDEEM = Operation(setup=_redeem_setup, act=lambda w, t: w.redeem(t), check=_redeem_check)


def _order_setup(world: World, cash: int = 0) -> tuple[str, str]:
    world.product(cashPriceFen=cash)
    token = world.member("alice", 300)
    order = world.redeem(token)
    assert order.status == 201
    return token, str(order.body["orderId"])


def _cancel(world: World, ctx: tuple[str, str]) -> Answer:
    token, order_id = ctx
    return world.http("orders", "POST", f"/orders/{order_id}/cancel", token=token)


def _cancel_check(world: World, ctx: tuple[str, str]) -> None:
    assert _cancel(world, ctx).body["error"]["code"] == "NOT_CANCELLABLE"
    [order] = world.orders(ctx[0])
    assert order["status"] == "CANCELLED"
    assert world.stock() == 5
    assert world.books() == {"alice": 300}


CANCEL = Operation(setup=_order_setup, act=_cancel, check=_cancel_check)


def _pay(world: World, ctx: tuple[str, str]) -> Answer:
    return world.http(
        "order_payment", "POST", f"/orders/{ctx[1]}/payment", {"transactionId": "t1"}, world.service
    )


def _pay_check(world: World, ctx: tuple[str, str]) -> None:
    assert _pay(world, ctx).body["status"] == "CONFIRMED"  # the same payment again answers the order
    assert [o["status"] for o in world.orders(ctx[0])] == ["CONFIRMED"]
    assert world.books() == {"alice": 200}


PAY = Operation(setup=lambda w: _order_setup(w, cash=500), act=_pay, check=_pay_check)


def _claim_setup(world: World) -> tuple[str, str]:
    world.clock.set(NOW)
    return world.sale(), world.member("alice", 300)


def _claim_check(world: World, ctx: tuple[str, str]) -> None:
    sale_id, token = ctx
    again = world.claim(sale_id, token)
    assert again.status == 202
    assert world.stock_left(sale_id) == 2
    if messages := world.messages():  # the claim got as far as sending its message
        world.deliver(messages)
    else:  # it died before: a minute on, the recovery job settles it
        world.clock.advance(120)
        assert world.job("flash_recovery")["confirmed"] == 1
    mine = world.mine(sale_id, token)
    assert (mine["claimId"], mine["status"]) == (again.body["claimId"], "CONFIRMED")
    assert len(world.orders(token)) == 1
    assert world.books() == {"alice": 200}


CLAIM = Operation(setup=_claim_setup, act=lambda w, c: w.claim(*c), check=_claim_check)


def _settle_setup(world: World) -> tuple[str, str, list[dict[str, Any]]]:
    sale_id, token = _claim_setup(world)
    answer = world.claim(sale_id, token)
    assert answer.status == 202
    # Only this claim's message: one another test left in the session's queue may turn up too.
    claim_id = str(answer.body["claimId"])
    return sale_id, token, [m for m in world.messages() if claim_id in str(m.get("Body"))]


def _settle_check(world: World, ctx: tuple[str, str, list[dict[str, Any]]]) -> None:
    sale_id, token, messages = ctx
    assert world.deliver(messages) == {"batchItemFailures": []}  # redelivered once more: a no-op
    assert world.mine(sale_id, token)["status"] == "CONFIRMED"
    assert len(world.orders(token)) == 1
    assert world.stock_left(sale_id) == 2
    assert world.books() == {"alice": 200}


SETTLE = Operation(setup=_settle_setup, act=lambda w, c: w.deliver(c[2]), check=_settle_check)


def _adjust(world: World, _: Any) -> Answer:
    body = {"delta": -50, "reason": "goodwill reversal"}
    return world.http(
        "member_admin", "POST", "/admin/members/alice/adjust", body, world.admin, **{"Idempotency-Key": "a1"}
    )


def _adjust_check(world: World, ctx: Any) -> None:
    assert _adjust(world, ctx).status == 200  # replayed
    assert world.books() == {"alice": 250}


ADJUST = Operation(setup=lambda w: w.member("alice", 300), act=_adjust, check=_adjust_check)


def _expiring_setup(world: World, clock: Clock, earned_at: str, now: str) -> None:
    clock.set(earned_at)
    world.member("alice", 300)
    clock.set(now)


def _sweep_check(world: World, _: Any) -> None:
    assert world.job("expiry_sweep")["expiredAccounts"] == 0
    assert world.books() == {"alice": 0}


def _reminder_check(world: World, token: Any) -> None:
    assert world.job("expiry_reminder")["reminded"] == 0
    notes = world.http("notifications", "GET", "/me/notifications", token=world.tokens.member("alice")).body
    assert [n["points"] for n in notes["items"]] == [300]
    assert world.books() == {"alice": 300}


def _timeout_setup(world: World, clock: Clock) -> tuple[str, str]:
    clock.set(NOW)
    ctx = _order_setup(world, cash=500)
    clock.advance(16 * 60)
    return ctx


def _timeout_check(world: World, ctx: tuple[str, str]) -> None:
    assert world.job("order_timeout")["cancelled"] == 0
    assert [(o["status"]) for o in world.orders(ctx[0])] == ["CANCELLED"]
    assert world.stock() == 5
    assert world.books() == {"alice": 300}


def _login_check(world: World, _: Any) -> None:
    token = world.tokens.member("alice")
    assert world.http("member", "GET", "/me", token=token).body["balance"] == 0
    assert world.books() == {"alice": 0}


LOGIN = Operation(
    setup=lambda w: None,
    act=lambda w, _: w.http("auth_login", "POST", "/auth/login", {"code": "dev:alice"}),
    check=_login_check,
)


@pytest.mark.parametrize(
    ("name", "op"),
    [
        ("earn", EARN),
        ("sign-in", SIGN_IN),
        ("redeem", REDEEM),
        ("cancel", CANCEL),
        ("pay", PAY),
        ("claim", CLAIM),
        ("settle", SETTLE),
        ("adjust", ADJUST),
        ("login", LOGIN),
    ],
)
def test_a_crash_between_any_two_calls_loses_and_doubles_nothing(
    world: World, faults: Faults, name: str, op: Operation
) -> None:
    calls = crash_between_every_call(world, faults, op)
    assert len(calls) >= 1, name


def test_scheduled_jobs_survive_a_crash_between_any_two_calls(
    world: World, faults: Faults, clock: Clock
) -> None:
    jobs = {
        "expiry sweep": Operation(
            setup=lambda w: _expiring_setup(w, clock, "2025-01-10T10:00:00+08:00", NOW),
            act=lambda w, _: w.job("expiry_sweep"),
            check=_sweep_check,
        ),
        "expiry reminder": Operation(
            setup=lambda w: _expiring_setup(w, clock, "2025-03-05T10:00:00+08:00", NOW),
            act=lambda w, _: w.job("expiry_reminder"),
            check=_reminder_check,
        ),
        "order timeout": Operation(
            setup=lambda w: _timeout_setup(w, clock),
            act=lambda w, _: w.job("order_timeout"),
            check=_timeout_check,
        ),
        "claim recovery": Operation(
            setup=lambda w: _stale_claim_setup(w, clock),
            act=lambda w, _: w.job("flash_recovery"),
            check=_recovery_check,
        ),
        "reconcile": Operation(
            setup=lambda w: w.member("alice", 300),
            act=lambda w, _: w.job("reconcile"),
            check=lambda w, _: _reconcile_check(w),
        ),
    }
    for name, op in jobs.items():
        clock.set(NOW)
        assert crash_between_every_call(world, faults, op), name


def _stale_claim_setup(world: World, clock: Clock) -> tuple[str, str]:
    clock.set(NOW)
    ctx = _claim_setup(world)
    assert world.claim(*ctx).status == 202
    world.messages()  # taken off the queue and lost
    clock.advance(120)
    return ctx


def _recovery_check(world: World, ctx: tuple[str, str]) -> None:
    assert world.mine(*ctx)["status"] == "CONFIRMED"
    assert world.job("flash_recovery")["stale"] == 0
    assert world.books() == {"alice": 200}


def _reconcile_check(world: World) -> None:
    result = world.job("reconcile")
    assert (result["drifted"], result["complete"]) == (0, True)


# --- throttling and conflicts -------------------------------------------------------------------

HTTP_OPERATIONS = {
    "earn": EARN,
    "sign-in": SIGN_IN,
    "redeem": REDEEM,
    "cancel": CANCEL,
    "pay": PAY,
    "claim": CLAIM,
    "adjust": ADJUST,
    "login": LOGIN,
}


def _unavailable(answer: Answer) -> bool:
    if answer.status != 503:
        return False
    assert answer.body["error"]["code"] == "CONTENTION"
    assert int(answer.headers["Retry-After"]) >= 1
    return True


@pytest.mark.parametrize("name", sorted(HTTP_OPERATIONS))
def test_throttling_at_any_call_is_retried_or_answered_503(world: World, faults: Faults, name: str) -> None:
    op = HTTP_OPERATIONS[name]
    fresh()
    context = op.setup(world)
    faults.reset()
    op.act(world, context)
    for n in range(1, len(faults.calls) + 1):
        fresh()
        context = op.setup(world)
        faults.fail(n, THROTTLES[n % 2])
        answer = op.act(world, context)
        faults.reset()
        if _unavailable(answer):  # a read outside the use case's retry loop: the client comes back
            answer = op.act(world, context)
        assert answer.status < 300, (n, answer)
        op.check(world, context)


@pytest.mark.parametrize("name", sorted(HTTP_OPERATIONS))
def test_a_transaction_conflict_is_retried_inside_the_function(
    world: World, faults: Faults, name: str
) -> None:
    op = HTTP_OPERATIONS[name]
    fresh()
    context = op.setup(world)
    faults.fail(1, "TransactionConflict", times=2, operation="TransactWriteItems")
    answer = op.act(world, context)
    assert faults.calls.count("TransactWriteItems!") == 2  # two conflicts, then it went through
    faults.reset()
    assert answer.status < 300, answer
    op.check(world, context)


@pytest.mark.parametrize(
    ("error", "operation"),
    [("ProvisionedThroughputExceededException", None), ("TransactionConflict", "TransactWriteItems")],
    ids=["throttling", "conflicts"],
)
@pytest.mark.parametrize("name", sorted(HTTP_OPERATIONS))
def test_faults_that_outlast_the_retries_are_503_and_change_nothing(
    world: World, faults: Faults, quick_retries: None, name: str, error: str, operation: str | None
) -> None:
    op = HTTP_OPERATIONS[name]
    fresh()
    context = op.setup(world)
    before = world.books()
    faults.fail(1, error, times=None, operation=operation)
    answer = op.act(world, context)
    faults.reset()
    assert _unavailable(answer), answer
    assert world.books() == before


def test_a_settlement_throttled_throughout_is_redelivered_and_settles_once(
    world: World, faults: Faults, quick_retries: None
) -> None:
    sale_id, token, messages = _settle_setup(world)
    faults.fail(1, "ThrottlingException", times=None)
    assert len(world.deliver(messages)["batchItemFailures"]) == 1  # SQS will deliver it again
    faults.reset()
    assert world.mine(sale_id, token)["status"] == "QUEUED"
    assert world.deliver(messages) == {"batchItemFailures": []}
    _settle_check(world, (sale_id, token, messages))


# --- SQS: duplicates and out of order -----------------------------------------------------------


def test_claim_messages_redelivered_out_of_order_settle_each_claim_once(world: World) -> None:
    sale_id = world.sale(stock=3)
    members = {m: world.member(m, 300) for m in ("ann", "ben", "cat")}
    claim_ids = set()
    for name, token in members.items():
        answer = world.claim(sale_id, token, key=name)
        assert answer.status == 202
        claim_ids.add(answer.body["claimId"])
    # (a message another test left in flight may turn up again: only this test's claims are taken)
    ours = {
        json.loads(m["Body"])["claimId"]: m
        for m in world.messages()
        if json.loads(m["Body"])["claimId"] in claim_ids
    }
    first, second, third = (ours[claim_id] for claim_id in sorted(ours))
    world.deliver([third])
    world.deliver([first, third, first])  # duplicates inside one batch too
    world.deliver([second, first])
    world.deliver([third, second, first])
    for token in members.values():
        assert world.mine(sale_id, token)["status"] == "CONFIRMED"
        assert len(world.orders(token)) == 1
    assert world.stock_left(sale_id) == 0
    assert world.books() == {"ann": 200, "ben": 200, "cat": 200}


def test_a_message_arriving_after_the_recovery_job_settled_its_claim_changes_nothing(world: World) -> None:
    sale_id, token = _claim_setup(world)
    assert world.claim(sale_id, token).status == 202
    late = world.messages()
    world.clock.advance(120)
    assert world.job("flash_recovery")["confirmed"] == 1
    assert world.deliver(late) == {"batchItemFailures": []}
    assert len(world.orders(token)) == 1 and world.books() == {"alice": 200}


def test_throttled_rules_reads_are_retried_too(world: World, quick_retries: None) -> None:
    """The rules come through powertools' parameters provider (its own client), cached per container."""
    from mall.data import rules_store

    token = world.member("alice")
    throttled = Faults(rules_store._provider().table.meta.client)
    throttled.fail(1, "ThrottlingException")
    assert world.http("sign_in", "POST", "/sign-in", token=token).status == 200
    throttled.fail(1, "ThrottlingException", times=None)
    assert _unavailable(world.http("member", "GET", "/me", token=token))
    throttled.reset()
    assert world.books() == {"alice": 5}
