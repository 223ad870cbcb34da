"""Daily statistics (moto in-process): the stream aggregator fed with records built from the items the
real functions wrote, then GET /admin/stats. Redelivered and re-split batches count nothing twice."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from local_stack.stream_consumer import stream_event, stream_record
from tests.conftest import FakeContext, Invoke, Tokens, load_handler

STREAM_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/PointsTable/stream/2025-01-01T00:00:00.000"
DAY1, DAY2 = "2025-03-10", "2025-03-11"
PRODUCT = {
    "name": "Thermos cup",
    "category": "home",
    "type": "PHYSICAL",
    "pointsPrice": 30,
    "cashPriceFen": 0,
    "stock": 10,
    "status": "ON_SHELF",
}
ZERO = {
    "issued": 0,
    "redeemed": 0,
    "expired": 0,
    "refunded": 0,
    "signIns": 0,
    "orders": 0,
    "reversed": 0,
}


class Stream:
    """The table's stream as the tests see it: every item gets one INSERT record (fixed eventID and
    sequence number) the first time it is seen, in the order it was first seen."""

    def __init__(self) -> None:
        self.ddb = boto3.client("dynamodb")
        self.seen: dict[tuple[str, str], dict[str, Any]] = {}
        self.sequence = 0

    def _record(self, item: dict[str, Any], name: str = "INSERT", old: dict[str, Any] | None = None) -> Any:
        self.sequence += 1
        keys = {"PK": item["PK"], "SK": item["SK"]}
        body: dict[str, Any] = {
            "ApproximateCreationDateTime": datetime(2025, 3, 10, tzinfo=UTC),
            "Keys": keys,
            "SequenceNumber": f"{self.sequence:021d}",
            "SizeBytes": 100,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        }
        if name != "REMOVE":
            body["NewImage"] = item
        if old is not None:
            body["OldImage"] = old
        raw = {"eventID": uuid.uuid4().hex, "eventName": name, "eventVersion": "1.1", "dynamodb": body}
        return stream_record(raw, STREAM_ARN)

    def new_records(self) -> list[dict[str, Any]]:
        """INSERTs of ledger entries and orders written since the last call (what the filter keeps)."""
        records = []
        for item in self.ddb.scan(TableName="PointsTable")["Items"]:
            key = (item["PK"]["S"], item["SK"]["S"])
            counted = key[1].startswith("LEDGER#") or (key[0].startswith("ORDER#") and key[1] == "ORDER")
            if counted and key not in self.seen:
                self.seen[key] = self._record(item)
                records.append(self.seen[key])
        return sorted(records, key=lambda r: r["dynamodb"]["SequenceNumber"])

    def noise(self) -> list[dict[str, Any]]:
        """Records the filter would drop: account MODIFYs, an order MODIFY, a REMOVE, stats items."""
        records = []
        for item in self.ddb.scan(TableName="PointsTable")["Items"]:
            pk, sk = item["PK"]["S"], item["SK"]["S"]
            if sk == "ACCOUNT" or (pk.startswith("ORDER#") and sk == "ORDER"):
                records.append(self._record(item, "MODIFY", old=item))
            elif sk.startswith("LEDGER#"):
                records.append(self._record(item, "REMOVE", old=item))
            elif pk.startswith("STATS"):
                records.append(self._record(item))
        return records


def aggregate(records: list[dict[str, Any]]) -> dict[str, Any]:
    result = load_handler("stats_aggregator").lambda_handler(stream_event(records), FakeContext())
    return dict(result)


def stats(invoke: Invoke, token: str, **query: str) -> tuple[int, Any]:
    return invoke("stats", "GET", "/admin/stats", token=token, query=query or None)


def day(body: dict[str, Any], date: str) -> dict[str, Any]:
    return next(d for d in body["days"] if d["date"] == date)


@pytest.fixture
def mall(invoke: Invoke, tokens: Tokens, clock: Any) -> Any:
    clock.set(f"{DAY1}T10:00:00+08:00")

    class Mall:
        stream = Stream()

        @property
        def admin(self) -> str:  # fresh tokens: the clock moves across days (tokens last 2 hours)
            return tokens.admin()

        @property
        def service(self) -> str:
            return tokens.service()

        def earn(self, member_id: str, points: int, event_id: str | None = None) -> None:
            tokens.member(member_id)
            body = {
                "memberId": member_id,
                "eventId": event_id or uuid.uuid4().hex,
                "kind": "PURCHASE",
                "amountFen": points * 100,
            }
            status, answer = invoke("earn", "POST", "/earn", body, self.service)
            assert status == 200 and answer["awarded"] == points, answer

        def sign_in(self, member_id: str) -> int:
            status, answer = invoke("sign_in", "POST", "/sign-in", token=tokens.member(member_id))
            assert status == 200, answer
            return int(answer["awarded"])

        def redeem(self, member_id: str, sku: str = "cup") -> str:
            status, answer = invoke("catalog", "PUT", f"/admin/products/{sku}", PRODUCT, self.admin)
            assert status == 200, answer
            body = {"sku": sku, "quantity": 1}
            headers = {"Idempotency-Key": uuid.uuid4().hex}
            status, order = invoke(
                "redeem", "POST", "/redemptions", body, tokens.member(member_id), headers=headers
            )
            assert status == 201, order
            return str(order["orderId"])

        def cancel(self, member_id: str, order_id: str) -> None:
            path = f"/orders/{order_id}/cancel"
            status, answer = invoke("orders", "POST", path, token=tokens.member(member_id))
            assert status == 200, answer

        def balance(self, member_id: str) -> int:
            status, body = invoke("member_admin", "GET", f"/admin/members/{member_id}", token=self.admin)
            assert status == 200, body
            return int(body["balance"])

    return Mall()


def test_a_day_of_activity_is_counted_once_however_often_it_is_delivered(
    invoke: Invoke, mall: Any, clock: Any
) -> None:
    mall.earn("alice", 100)
    signed = mall.sign_in("alice")
    mall.earn("bob", 50)
    order = mall.redeem("alice")
    mall.cancel("alice", order)
    mall.redeem("bob")
    records = mall.stream.new_records()
    assert len(records) == 8  # 3 EARN, 2 SPEND, 1 REFUND, 2 orders

    assert aggregate(mall.stream.noise() + records + mall.stream.noise()) == {"batchItemFailures": []}
    expected = {
        "date": DAY1,
        "issued": 150 + signed,
        "redeemed": 60,
        "expired": 0,
        "refunded": 30,
        "signIns": 1,
        "orders": 2,
        "reversed": 0,
    }
    status, body = stats(invoke, mall.admin, **{"from": DAY1, "to": DAY1})
    assert status == 200, body
    assert body == {"days": [expected], "outstanding": mall.balance("alice") + mall.balance("bob")}
    assert body["outstanding"] == 150 + signed - 30

    # The same batch again (a retry after a timeout), and re-split differently: nothing moves.
    assert aggregate(records + mall.stream.noise()) == {"batchItemFailures": []}
    assert aggregate(records[:3]) == {"batchItemFailures": []}
    assert aggregate(records[2:5] + records[5:]) == {"batchItemFailures": []}
    assert stats(invoke, mall.admin, **{"from": DAY1, "to": DAY1})[1] == body

    # The next business day: a batch overlapping what was counted adds only the new records.
    clock.set(f"{DAY2}T09:00:00+08:00")
    mall.earn("carol", 20)
    fresh = mall.stream.new_records()
    assert len(fresh) == 1
    assert aggregate(records[-2:] + fresh) == {"batchItemFailures": []}
    status, body = stats(invoke, mall.admin, **{"from": "2025-03-09", "to": DAY2})
    assert status == 200
    assert [d["date"] for d in body["days"]] == ["2025-03-09", DAY1, DAY2]
    assert day(body, "2025-03-09") == {"date": "2025-03-09", **ZERO}
    assert day(body, DAY1) == expected
    assert day(body, DAY2) == {"date": DAY2, **ZERO, "issued": 20}
    assert body["outstanding"] == sum(mall.balance(m) for m in ("alice", "bob", "carol"))
    # `to` defaults to today (by the clock, in the rules' zone) and `from` to `to`.
    assert stats(invoke, mall.admin)[1]["days"] == [day(body, DAY2)]
    assert stats(invoke, mall.admin, to=DAY1)[1]["days"] == [expected]


def test_redelivery_costs_one_transaction_the_cancellation_names_what_was_counted(
    invoke: Invoke, mall: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mall.data.transaction import Transaction

    for points in (1, 2, 3, 4):
        mall.earn("gina", points)
    records = mall.stream.new_records()
    aggregate(records[:2])
    calls: list[int] = []
    real = Transaction.commit

    def counting(self: Transaction) -> None:
        calls.append(len(self))
        real(self)

    monkeypatch.setattr(Transaction, "commit", counting)
    assert aggregate(records) == {"batchItemFailures": []}
    # 4 markers + 1 day + outstanding, cancelled on the 2 counted markers; then 2 markers + 2 ADDs.
    assert calls == [6, 4]
    calls.clear()
    assert aggregate(records) == {"batchItemFailures": []}
    assert calls == [6]
    body = stats(invoke, mall.admin, to=DAY1)[1]
    assert body["days"][0]["issued"] == 10 and body["outstanding"] == 10


def test_expired_points_are_counted_on_the_day_they_expire(invoke: Invoke, mall: Any, clock: Any) -> None:
    mall.earn("dave", 40)
    aggregate(mall.stream.new_records())
    clock.set("2026-03-12T10:00:00+08:00")  # rolling 365 days: the lot's last day was 2026-03-10
    assert mall.balance("dave") == 0  # reading the account settles the expired lot
    expired = mall.stream.new_records()
    assert len(expired) == 1
    aggregate(expired)
    body = stats(invoke, mall.admin, **{"from": "2026-03-11", "to": "2026-03-12"})[1]
    assert [d["expired"] for d in body["days"]] == [0, 40]  # the entry's business day: when it settled
    assert body["outstanding"] == 0


def test_a_group_that_stays_contended_is_reported_and_retried_later(
    invoke: Invoke, mall: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mall.data.transaction import LostRace, Transaction
    from mall.services import stats as service

    mall.earn("erin", 10)
    mall.earn("erin", 20)
    records = mall.stream.new_records()

    def conflict(self: Transaction) -> None:
        raise LostRace("TransactionConflict")

    with monkeypatch.context() as patch:
        patch.setattr(service, "COUNT_BUDGET_SECONDS", 0.05)
        patch.setattr(Transaction, "commit", conflict)
        failures = aggregate(records)["batchItemFailures"]
    assert failures == [{"itemIdentifier": r["dynamodb"]["SequenceNumber"]} for r in records]
    assert stats(invoke, mall.admin, to=DAY1)[1]["outstanding"] == 0
    assert aggregate(records) == {"batchItemFailures": []}
    body = stats(invoke, mall.admin, to=DAY1)[1]
    assert body["days"][0]["issued"] == 30 and body["outstanding"] == 30


def test_a_batch_larger_than_one_transaction_is_split(invoke: Invoke, mall: Any, clock: Any) -> None:
    """60 records over 60 business days: more than 100 transaction items, so several transactions."""
    for i in range(60):
        clock.set("2025-01-01T10:00:00+08:00")
        clock.advance(i * 86400)
        mall.earn("frank", 1)
    records = mall.stream.new_records()
    assert len(records) == 60
    assert aggregate(records) == {"batchItemFailures": []}
    assert aggregate(records[10:50]) == {"batchItemFailures": []}
    body = stats(invoke, mall.admin, **{"from": "2025-01-01", "to": "2025-03-01"})[1]
    assert len(body["days"]) == 60
    assert all(d["issued"] == 1 for d in body["days"])
    assert body["outstanding"] == 60


def test_validation(invoke: Invoke, tokens: Tokens) -> None:
    admin = tokens.admin()
    cases = [
        ({"from": "2025-01-05", "to": "2025-01-01"}, "from"),
        ({"from": "2024-01-01", "to": "2025-01-01"}, "from"),  # 367 dates
        ({"from": "2025-02-30"}, "from"),
        ({"from": "0"}, "from"),
        ({"to": "2025-01-01T00:00:00"}, "to"),
        ({"to": "yesterday"}, "to"),
    ]
    for query, field in cases:
        status, body = stats(invoke, admin, **query)
        assert status == 400 and body["error"]["code"] == "VALIDATION_ERROR", (query, body)
        assert body["error"]["message"].startswith(f"{field}:"), (query, body)
    status, body = stats(invoke, admin, **{"from": "2024-01-02", "to": "2025-01-01"})  # 366 dates
    assert status == 200 and len(body["days"]) == 366
    assert body["days"][0] == {"date": "2024-01-02", **ZERO}


def test_admins_only(invoke: Invoke, tokens: Tokens) -> None:
    status, body = invoke("stats", "GET", "/admin/stats")
    assert status == 401 and body["error"]["code"] == "UNAUTHENTICATED"
    status, body = invoke("stats", "GET", "/admin/stats", token="not-a-token")
    assert status == 401
    for token in (tokens.member(), tokens.service()):
        status, body = stats(invoke, token)
        assert status == 403 and body["error"]["code"] == "FORBIDDEN"


def test_openapi_lists_the_stats_route(invoke: Invoke) -> None:
    status, doc = invoke("openapi", "GET", "/openapi.json")
    assert status == 200
    parameters = {p["name"] for p in doc["paths"]["/admin/stats"]["get"]["parameters"]}
    assert {"from", "to"} <= parameters
