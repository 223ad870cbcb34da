"""ReconcileFunction: the accounts touched since the last run, checked (balance = sum of lots = the last
ledger entry's balanceAfter); drift is reported and left as it is; reads follow the touched accounts."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

from tests.bench.meter import Meter
from tests.conftest import Clock, FakeContext, Invoke, load_handler


def run_job() -> dict[str, Any]:
    result: dict[str, Any] = load_handler("reconcile").lambda_handler({}, FakeContext())
    return result


def earn(invoke: Invoke, service: str, member: str, event_id: str, points: int = 100) -> None:
    body = {"memberId": member, "eventId": event_id, "kind": "PURCHASE", "amountFen": points * 100}
    assert invoke("earn", "POST", "/earn", body, service)[0] == 200


@pytest.fixture
def raw_table(aws: None) -> Iterator[Any]:
    from tests.conftest import _admin_clients

    yield _admin_clients()[0]


def test_touched_accounts_reconcile_and_drift_is_reported_not_fixed(
    invoke: Invoke, shop: Any, clock: Clock, raw_table: Any, caplog: pytest.LogCaptureFixture
) -> None:
    clock.set("2026-03-02T10:00:00+08:00")
    shop.product("cup", pointsPrice=30)
    alice, _ = shop.member("alice", points=100), shop.member("bob", points=50)
    shop.member("carol")  # logged in, never changed: nothing to check
    assert shop.redeem(alice, "r1")[0] == 201
    assert invoke("sign_in", "POST", "/sign-in", token=alice)[0] == 200

    result = run_job()
    assert (result["days"], result["accounts"], result["drifted"], result["complete"]) == (
        ["2026-03-01", "2026-03-02"],
        2,
        0,
        True,
    )

    # Someone edits bob's balance behind the ledger's back, and deletes alice's newest entry.
    raw_table.update_item(
        TableName="PointsTable",
        Key={"PK": {"S": "MEMBER#bob"}, "SK": {"S": "ACCOUNT"}},
        UpdateExpression="SET balance = :b",
        ExpressionAttributeValues={":b": {"N": "55"}},
    )
    newest = invoke("member", "GET", "/me/ledger", token=alice)[1]["items"][0]["entryId"]
    raw_table.delete_item(
        TableName="PointsTable", Key={"PK": {"S": "MEMBER#alice"}, "SK": {"S": f"LEDGER#{newest}"}}
    )
    with caplog.at_level(logging.ERROR):
        result = run_job()
    assert result["days"] == ["2026-03-02"]  # yesterday was checked in full by the first run
    assert (result["drifted"], sorted(result["driftedMembers"])) == (2, ["alice", "bob"])
    assert "ledger drift" in caplog.text
    bob = raw_table.get_item(TableName="PointsTable", Key={"PK": {"S": "MEMBER#bob"}, "SK": {"S": "ACCOUNT"}})
    assert bob["Item"]["balance"] == {"N": "55"}  # reported, not fixed


def test_a_run_reads_only_the_accounts_touched_since_the_last_one(
    invoke: Invoke, shop: Any, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock.set("2026-03-02T10:00:00+08:00")
    for n in range(30):
        shop.member(f"old{n}", points=10)
    clock.set("2026-03-03T10:00:00+08:00")
    assert run_job()["accounts"] == 30  # 2 March checked in full
    clock.set("2026-03-04T10:00:00+08:00")
    for n in range(2):
        shop.member(f"new{n}", points=10)

    from mall.data import dynamo

    meter = Meter(dynamo.client())
    result = run_job()
    assert (result["days"], result["accounts"], result["drifted"]) == (["2026-03-03", "2026-03-04"], 2, 0)
    # The mark, 16 shard queries per day, the 2 accounts and their last entries, the new mark.
    assert dict(meter.calls) == {"GetItem": 1, "Query": 32, "BatchGetItem": 2, "PutItem": 1}


def test_the_job_runs_from_its_schedule_event(invoke: Invoke, shop: Any) -> None:
    from local_stack.events import sample

    shop.member("alice", points=10)
    result = load_handler("reconcile").lambda_handler(sample("schedule.json"), FakeContext())
    assert (result["accounts"], result["drifted"], result["complete"]) == (1, 0, True)
