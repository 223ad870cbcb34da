"""Flash sales on moto in-process (single-threaded): claims, settlement, redelivery and crashes."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from local_stack.events import sqs_event
from tests.conftest import FakeContext, Invoke, Tokens, load_handler

PRODUCT = {
    "name": "Rice cooker",
    "category": "home",
    "type": "PHYSICAL",
    "pointsPrice": 999,
    "cashPriceFen": 0,
    "stock": 100,
    "status": "ON_SHELF",
}


@pytest.fixture
def sale(invoke: Invoke, tokens: Tokens) -> Any:
    class Sale:
        admin, service = tokens.admin(), tokens.service()

        def create(self, stock: int = 3, price: int = 100, **more: Any) -> str:
            invoke("catalog", "PUT", "/admin/products/cooker", PRODUCT, self.admin)
            body = {
                "sku": "cooker",
                "stock": stock,
                "pointsPrice": price,
                "startsAt": "2020-01-01T00:00:00+08:00",
                "endsAt": "2099-01-01T00:00:00+08:00",
                **more,
            }
            status, created = invoke("admin_flash_sales", "POST", "/admin/flash-sales", body, self.admin)
            assert status == 201, created
            return str(created["saleId"])

        def member(self, member_id: str, points: int) -> str:
            token = tokens.member(member_id)
            if points:
                earn = {
                    "memberId": member_id,
                    "eventId": f"s-{member_id}",
                    "kind": "PURCHASE",
                    "amountFen": points * 100,
                }
                assert invoke("earn", "POST", "/earn", earn, self.service)[0] == 200
            return token

        def claim(self, sale_id: str, token: str, key: str = "k") -> tuple[int, Any]:
            path = f"/flash-sales/{sale_id}/claims"
            return invoke("flash_claim", "POST", path, None, token, headers={"Idempotency-Key": key})

        def mine(self, sale_id: str, token: str) -> tuple[int, Any]:
            return invoke("flash_sales", "GET", f"/flash-sales/{sale_id}/claims/mine", token=token)

        def listed(self, sale_id: str) -> dict[str, Any]:
            items = invoke("flash_sales", "GET", "/flash-sales", token=self.admin)[1]["items"]
            return next(i for i in items if i["saleId"] == sale_id)

        def messages(self) -> list[dict[str, Any]]:
            sqs = boto3.client("sqs")
            url = sqs.get_queue_url(QueueName="FlashSaleQueue")["QueueUrl"]
            got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"])
            return [dict(m) for m in got.get("Messages", [])]

        def deliver(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
            records = sqs_event(messages, "arn:aws:sqs:us-east-1:123456789012:FlashSaleQueue")["Records"]
            try:
                return dict(load_handler("flash_settle").lambda_handler({"Records": records}, FakeContext()))
            except BatchProcessingError:  # every record failed: the invocation fails, SQS redelivers all
                return {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in records]}

        def balance(self, token: str) -> int:
            return int(invoke("member", "GET", "/me", token=token)[1]["balance"])

    return Sale()


def test_claim_is_queued_then_confirmed(invoke: Invoke, sale: Any) -> None:
    sale_id = sale.create(stock=2)
    alice = sale.member("alice", 300)
    status, queued = sale.claim(sale_id, alice)
    assert status == 202 and queued["status"] == "QUEUED"
    assert sale.mine(sale_id, alice)[1] == {
        "claimId": queued["claimId"],
        "status": "QUEUED",
        "orderId": None,
        "reason": None,
    }
    assert sale.listed(sale_id)["stockLeft"] == 1
    assert sale.deliver(sale.messages()) == {"batchItemFailures": []}
    mine = sale.mine(sale_id, alice)[1]
    assert mine["status"] == "CONFIRMED" and mine["orderId"]
    assert sale.balance(alice) == 200
    order = invoke("orders", "GET", f"/orders/{mine['orderId']}", token=alice)[1]
    assert order["status"] == "CONFIRMED" and order["pointsSpent"] == 100


def test_claim_errors_are_answered_at_once(sale: Any) -> None:
    sale_id = sale.create(stock=1)
    alice, bob, carol = sale.member("alice", 300), sale.member("bob", 50), sale.member("carol", 300)
    assert sale.claim(sale_id, bob)[1]["error"]["code"] == "INSUFFICIENT_POINTS"
    assert sale.claim(sale_id, alice)[0] == 202
    assert sale.claim(sale_id, alice, key="again")[1]["error"]["code"] == "ALREADY_CLAIMED"
    assert sale.claim(sale_id, carol)[1]["error"]["code"] == "SOLD_OUT"
    assert sale.claim("nope", carol)[1]["error"]["code"] == "SALE_NOT_FOUND"
    assert sale.mine(sale_id, carol)[1]["error"]["code"] == "CLAIM_NOT_FOUND"
    assert sale.listed(sale_id)["status"] == "SOLD_OUT"
    upcoming = sale.create(startsAt="2098-01-01T00:00:00+08:00")
    assert sale.claim(upcoming, carol, key="u")[1]["error"]["code"] == "SALE_NOT_ACTIVE"
    assert sale.listed(upcoming)["status"] == "UPCOMING"


def test_a_claim_that_fails_at_settlement_returns_its_unit(invoke: Invoke, sale: Any) -> None:
    sale_id = sale.create(stock=1, price=100)
    alice = sale.member("alice", 100)
    assert sale.claim(sale_id, alice)[0] == 202
    # Alice spends her points elsewhere before the queue gets to her claim.
    invoke("catalog", "PUT", "/admin/products/pen", {**PRODUCT, "pointsPrice": 100}, sale.admin)
    redeem = {"sku": "pen", "quantity": 1}
    assert invoke("redeem", "POST", "/redemptions", redeem, alice, headers={"Idempotency-Key": "p"})[0] == 201
    sale.deliver(sale.messages())
    assert sale.mine(sale_id, alice)[1]["status"] == "FAILED"
    assert sale.mine(sale_id, alice)[1]["reason"] == "INSUFFICIENT_POINTS"
    assert sale.listed(sale_id)["stockLeft"] == 1
    # A FAILED claim does not use up the member's allowance.
    sale.member("alice2", 0)
    invoke(
        "earn",
        "POST",
        "/earn",
        {"memberId": "alice", "eventId": "top-up", "kind": "PURCHASE", "amountFen": 10_000},
        sale.service,
    )
    assert sale.claim(sale_id, alice, key="retry")[0] == 202


def test_redelivered_message_changes_nothing_twice(sale: Any) -> None:
    sale_id = sale.create(stock=2)
    alice = sale.member("alice", 300)
    sale.claim(sale_id, alice)
    messages = sale.messages()
    sale.deliver(messages)
    sale.deliver(messages)  # the same message again, as SQS may deliver it
    assert sale.balance(alice) == 200
    assert sale.listed(sale_id)["stockLeft"] == 1


def test_crash_after_commit_before_ack_does_not_charge_twice(
    sale: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mall.data.transaction import Transaction

    sale_id = sale.create(stock=2)
    alice = sale.member("alice", 300)
    sale.claim(sale_id, alice)
    messages = sale.messages()
    real = Transaction.commit

    def commit_then_die(self: Transaction) -> None:
        real(self)
        raise RuntimeError("Lambda killed after the transaction committed")

    monkeypatch.setattr(Transaction, "commit", commit_then_die)
    result = sale.deliver(messages)
    assert len(result["batchItemFailures"]) == 1  # not acknowledged: SQS will deliver it again
    monkeypatch.setattr(Transaction, "commit", real)
    assert sale.deliver(messages) == {"batchItemFailures": []}
    assert sale.balance(alice) == 200
    assert sale.mine(sale_id, alice)[1]["status"] == "CONFIRMED"


def test_crash_before_commit_loses_nothing(sale: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from mall.data.transaction import Transaction

    sale_id = sale.create(stock=2)
    alice = sale.member("alice", 300)
    sale.claim(sale_id, alice)
    messages = sale.messages()

    def die(self: Transaction) -> None:
        raise RuntimeError("Lambda killed before the transaction")

    real = Transaction.commit
    monkeypatch.setattr(Transaction, "commit", die)
    assert len(sale.deliver(messages)["batchItemFailures"]) == 1
    assert sale.mine(sale_id, alice)[1]["status"] == "QUEUED"
    monkeypatch.setattr(Transaction, "commit", real)
    sale.deliver(messages)
    assert sale.balance(alice) == 200 and sale.listed(sale_id)["stockLeft"] == 1


def test_lost_message_is_settled_by_the_recovery_job(sale: Any, clock: Any) -> None:
    sale_id = sale.create(stock=2)
    alice = sale.member("alice", 300)
    sale.claim(sale_id, alice)
    sale.messages()  # received and never processed: as if the message were lost
    recover = load_handler("flash_recovery").lambda_handler
    assert recover({}, FakeContext()) == {"stale": 0, "confirmed": 0, "failed": 0}
    clock.advance(120)
    assert recover({}, FakeContext()) == {"stale": 1, "confirmed": 1, "failed": 0}
    assert sale.mine(sale_id, alice)[1]["status"] == "CONFIRMED"
    assert recover({}, FakeContext())["stale"] == 0


def test_cancelled_flash_order_returns_the_unit_to_the_sale(invoke: Invoke, sale: Any) -> None:
    sale_id = sale.create(stock=1)
    alice = sale.member("alice", 300)
    sale.claim(sale_id, alice)
    sale.deliver(sale.messages())
    order_id = sale.mine(sale_id, alice)[1]["orderId"]
    assert invoke("orders", "POST", f"/orders/{order_id}/cancel", token=alice)[0] == 200
    assert sale.listed(sale_id)["stockLeft"] == 1
    assert sale.balance(alice) == 300
    assert json.loads(json.dumps(sale.listed(sale_id)))["status"] == "ACTIVE"
