"""DynamoDB round trips per operation (counted, not timed): the budget each hot path promises."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.bench.meter import Meter
from tests.conftest import Clock, Invoke, Tokens, _reset_caches


@pytest.fixture
def meter(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Meter]:
    monkeypatch.setenv("RULES_CACHE_SECONDS", "30")  # as deployed: rules come from the cache
    _reset_caches()
    from mall.data import dynamo

    yield Meter(dynamo.client())


def test_hot_paths_stay_within_their_round_trip_budget(invoke: Invoke, tokens: Tokens, meter: Meter) -> None:
    alice, shop, ops = tokens.member("alice"), tokens.service(), tokens.admin()
    product = {
        "name": "Cup",
        "category": "home",
        "type": "PHYSICAL",
        "pointsPrice": 10,
        "cashPriceFen": 0,
        "stock": 9,
        "status": "ON_SHELF",
        "perMemberLimit": 5,
    }
    invoke("catalog", "PUT", "/admin/products/cup", product, ops)
    invoke("sign_in", "POST", "/sign-in", token=tokens.member("warm"))  # rules now cached

    meter.reset()
    assert invoke("sign_in", "POST", "/sign-in", token=alice)[0] == 200
    assert dict(meter.calls) == {"GetItem": 1, "TransactWriteItems": 1}

    meter.reset()
    earn = {"memberId": "alice", "eventId": "e1", "kind": "PURCHASE", "amountFen": 10_000}
    assert invoke("earn", "POST", "/earn", earn, shop)[0] == 200
    assert dict(meter.calls) == {"GetItem": 1, "TransactWriteItems": 1}

    meter.reset()
    assert invoke("earn", "POST", "/earn", earn, shop)[1]["replayed"] is True
    assert dict(meter.calls) == {"GetItem": 1, "TransactWriteItems": 1}  # the replay comes back in the cancel

    meter.reset()
    headers = {"Idempotency-Key": "r1"}
    assert (
        invoke("redeem", "POST", "/redemptions", {"sku": "cup", "quantity": 1}, alice, headers=headers)[0]
        == 201
    )
    assert dict(meter.calls) == {"BatchGetItem": 1, "TransactWriteItems": 1}


def test_a_reversal_reads_once_and_writes_once(invoke: Invoke, tokens: Tokens, meter: Meter) -> None:
    """Event, refund record and account in one BatchGetItem when the merchant names the member; without
    the member, the account is read once the event says whose it is."""
    tokens.member("alice")
    shop = tokens.service()
    for event in ("e1", "e2"):
        earn = {"memberId": "alice", "eventId": event, "kind": "PURCHASE", "amountFen": 10_000}
        assert invoke("earn", "POST", "/earn", earn, shop)[0] == 200

    meter.reset()
    body = {"reason": "returned", "amountFen": 5_000, "memberId": "alice"}
    assert invoke("earn", "POST", "/earn/e1/reverse", body, shop)[1]["reversed"] == 50
    assert dict(meter.calls) == {"BatchGetItem": 1, "TransactWriteItems": 1}

    meter.reset()
    assert invoke("earn", "POST", "/earn/e1/reverse", body, shop)[1]["replayed"] is True
    assert dict(meter.calls) == {"BatchGetItem": 1}  # the duplicate finds its first answer in the read

    meter.reset()
    assert invoke("earn", "POST", "/earn/e2/reverse", {"reason": "returned"}, shop)[1]["reversed"] == 100
    assert dict(meter.calls) == {"BatchGetItem": 1, "GetItem": 1, "TransactWriteItems": 1}


def test_what_rate_limits_cost(clock: Clock, invoke: Invoke, tokens: Tokens, meter: Meter) -> None:
    """The count rides on the write a request makes anyway; a refused request pays one UpdateItem of its
    own; a rate-limited one is answered from the read alone. A claim writes the count as one more part
    of the transaction it makes anyway."""
    clock.set("2026-03-02T10:00:05+08:00")  # all in one minute (the counts start again at the next)
    alice = tokens.member("alice")
    admin = tokens.admin()
    invoke("sign_in", "POST", "/sign-in", token=tokens.member("warm"))  # rules now cached

    meter.reset()
    assert invoke("sign_in", "POST", "/sign-in", token=alice)[0] == 200
    assert dict(meter.calls) == {"GetItem": 1, "TransactWriteItems": 1}  # the count rode along

    meter.reset()
    assert invoke("sign_in", "POST", "/sign-in", token=alice)[0] == 409
    assert dict(meter.calls) == {"GetItem": 1, "UpdateItem": 1}  # refused: the count alone

    for _ in range(8):
        invoke("sign_in", "POST", "/sign-in", token=alice)
    meter.reset()
    assert invoke("sign_in", "POST", "/sign-in", token=alice)[0] == 429
    assert dict(meter.calls) == {"GetItem": 1}  # limited: nothing written

    product = {"name": "Cup", "category": "home", "type": "PHYSICAL", "pointsPrice": 1}
    product |= {"cashPriceFen": 0, "stock": 9, "status": "ON_SHELF"}
    invoke("catalog", "PUT", "/admin/products/cup", product, admin)
    sale = {"sku": "cup", "stock": 5, "pointsPrice": 1, "startsAt": "2020-01-01T00:00:00+08:00"}
    sale |= {"endsAt": "2099-01-01T00:00:00+08:00"}
    sale_id = invoke("admin_flash_sales", "POST", "/admin/flash-sales", sale, admin)[1]["saleId"]
    path = f"/flash-sales/{sale_id}/claims"
    invoke(
        "flash_claim", "POST", path, None, tokens.member("w2"), headers={"Idempotency-Key": "w"}
    )  # sale cached
    meter.reset()
    assert invoke("flash_claim", "POST", path, None, alice, headers={"Idempotency-Key": "c1"})[0] == 202
    assert dict(meter.calls) == {"BatchGetItem": 1, "TransactWriteItems": 1}


def test_a_spin_reads_once_and_writes_once(invoke: Invoke, tokens: Tokens, meter: Meter) -> None:
    """The definition comes from the container's cache; the one read fetches the account and one shard
    of the prize rolled; cost, prize, stock, order and idempotency record are one transaction."""
    ops, shop, alice = tokens.admin(), tokens.service(), tokens.member("alice")
    product = {
        "name": "Cup",
        "category": "home",
        "type": "PHYSICAL",
        "pointsPrice": 10,
        "cashPriceFen": 0,
        "stock": 9,
        "status": "ON_SHELF",
    }
    invoke("catalog", "PUT", "/admin/products/cup", product, ops)
    prizes = [
        {"prizeId": "cup", "kind": "PRODUCT", "sku": "cup", "weight": 1, "stock": 500},
        {"prizeId": "none", "kind": "NOTHING", "weight": 0},
    ]
    window = {"startsAt": "2020-01-01T00:00:00+08:00", "endsAt": "2099-01-01T00:00:00+08:00"}
    draw = {"name": "wheel", "costPoints": 10, **window, "prizes": prizes}
    assert invoke("draws", "PUT", "/admin/draws/d1", draw, ops)[0] == 200
    earn = {"memberId": "alice", "eventId": "e1", "kind": "PURCHASE", "amountFen": 10_000}
    assert invoke("earn", "POST", "/earn", earn, shop)[0] == 200
    headers = {"Idempotency-Key": "warm"}
    assert invoke("draw_spin", "POST", "/draws/d1/spins", None, alice, headers=headers)[0] == 201

    meter.reset()
    status, won = invoke(
        "draw_spin", "POST", "/draws/d1/spins", None, alice, headers={"Idempotency-Key": "s1"}
    )
    assert status == 201 and won["prize"]["prizeId"] == "cup" and won["orderId"]
    assert dict(meter.calls) == {"BatchGetItem": 1, "TransactWriteItems": 1}


def test_tasks_and_segments_ride_on_what_is_read_anyway(invoke: Invoke, tokens: Tokens, meter: Meter) -> None:
    """Task definitions come with the rules' cached CONFIG query and progress lives in the account: an
    earn or a sign-in that advances (and completes) a task is still one GetItem and one transaction.
    /me/tasks reads the account once; /admin/segments queries one small partition."""
    ops, shop = tokens.admin(), tokens.service()
    alice = tokens.member("alice")
    task = {"name": "sign in", "event": "SIGN_IN", "target": 1, "period": "DAY", "rewardPoints": 5}
    assert invoke("tasks", "PUT", "/admin/tasks/daily", task, ops)[0] == 200
    survey = {"name": "survey", "event": "TASK", "taskKind": "SURVEY", "target": 2}
    survey |= {"period": "WEEK", "rewardPoints": 50}
    assert invoke("tasks", "PUT", "/admin/tasks/survey", survey, ops)[0] == 200
    invoke("sign_in", "POST", "/sign-in", token=tokens.member("warm"))  # rules and tasks now cached

    meter.reset()
    assert invoke("sign_in", "POST", "/sign-in", token=alice)[0] == 200  # completes "daily"
    assert dict(meter.calls) == {"GetItem": 1, "TransactWriteItems": 1}

    for event in ("s1", "s2"):  # the second completes "survey"
        meter.reset()
        body = {"memberId": "alice", "eventId": event, "kind": "TASK", "points": 1, "taskKind": "SURVEY"}
        assert invoke("earn", "POST", "/earn", body, shop)[0] == 200
        assert dict(meter.calls) == {"GetItem": 1, "TransactWriteItems": 1}

    meter.reset()
    assert invoke("tasks", "GET", "/me/tasks", token=alice)[0] == 200
    assert dict(meter.calls) == {"GetItem": 1}

    meter.reset()
    assert invoke("member_admin", "GET", "/admin/segments", token=ops)[0] == 200
    assert dict(meter.calls) == {"Query": 1}


def test_the_wake_up_reads_follow_the_members_who_became_dormant(
    invoke: Invoke, tokens: Tokens, clock: Clock, meter: Meter
) -> None:
    """Six members hold points; two were last active on the day that becomes dormant today, four later.
    The job reads the activity index (one query per shard), then only those two accounts."""
    from tests.conftest import FakeContext, load_handler

    clock.set("2026-03-02T10:00:00+08:00")
    ops = tokens.admin()
    rules = invoke("admin_rules", "GET", "/admin/rules", token=ops)[1]
    rules.pop("version")
    assert invoke("admin_rules", "PUT", "/admin/rules", {**rules, "dormantDays": 30}, ops)[0] == 200
    for day, members in (("2026-03-02", ["a", "b"]), ("2026-03-05", ["c", "d", "e", "f"])):
        clock.set(f"{day}T10:00:00+08:00")
        for m in members:
            tokens.member(m)
            body = {"memberId": m, "eventId": f"e-{m}", "kind": "PURCHASE", "amountFen": 1000}
            assert invoke("earn", "POST", "/earn", body, tokens.service())[0] == 200
    clock.set("2026-04-01T11:00:00+08:00")
    invoke("sign_in", "POST", "/sign-in", token=tokens.member("warm"))  # rules cached (warm is active)

    meter.reset()
    result = load_handler("wake_up").lambda_handler({}, FakeContext())
    assert (result["members"], result["woken"]) == (2, 2)
    # The job's own mark (GetItem + PutItem), 16 index shards, then one read and one write per member.
    assert dict(meter.calls) == {"GetItem": 3, "Query": 16, "TransactWriteItems": 2, "PutItem": 1}


def test_a_deduction_reads_once_and_writes_once(invoke: Invoke, tokens: Tokens, meter: Meter) -> None:
    """The account (one GetItem), then one transaction: account, SPEND entry, deduction, idempotency
    record. A duplicate gets its first answer back from the cancelled transaction; a reversal reads the
    deduction and the account and writes once; a repeated reversal only reads the deduction."""
    tokens.member("alice")
    shop = tokens.service()
    earn = {"memberId": "alice", "eventId": "e1", "kind": "PURCHASE", "amountFen": 100_000}
    assert invoke("earn", "POST", "/earn", earn, shop)[0] == 200
    body = {"memberId": "alice", "orderRef": "po-1", "orderAmountFen": 2000, "points": 500}
    headers = {"Idempotency-Key": "d1"}

    meter.reset()
    status, deduction = invoke("deductions", "POST", "/deductions", body, shop, headers=headers)
    assert status == 201
    assert dict(meter.calls) == {"GetItem": 1, "TransactWriteItems": 1}

    meter.reset()
    assert invoke("deductions", "POST", "/deductions", body, shop, headers=headers)[1] == deduction
    assert dict(meter.calls) == {"GetItem": 1, "TransactWriteItems": 1}

    path = f"/deductions/{deduction['deductionId']}/reverse"
    meter.reset()
    assert invoke("deductions", "POST", path, None, shop)[1]["status"] == "REVERSED"
    assert dict(meter.calls) == {"GetItem": 2, "TransactWriteItems": 1}

    meter.reset()
    assert invoke("deductions", "POST", path, None, shop)[1]["status"] == "REVERSED"
    assert dict(meter.calls) == {"GetItem": 1}


def test_the_campaign_price_and_the_hot_list_add_no_round_trip_per_request(
    invoke: Invoke, tokens: Tokens, meter: Meter
) -> None:
    """A redemption inside a points-inflation window stays 1 BatchGetItem + 1 transaction (the campaign
    comes with the rules' cached query); the shelf reads the week's counts once per cache interval."""
    alice, shop, ops = tokens.member("alice"), tokens.service(), tokens.admin()
    product = {
        "name": "Cup",
        "category": "home",
        "type": "PHYSICAL",
        "pointsPrice": 100,
        "cashPriceFen": 0,
        "stock": 9,
        "status": "ON_SHELF",
    }
    invoke("catalog", "PUT", "/admin/products/cup", product, ops)
    window = {"startsAt": "2020-01-01T00:00:00+08:00", "endsAt": "2099-01-01T00:00:00+08:00"}
    inflation = {"name": "积分膨胀", "multiplier": 2, **window, "kinds": ["REDEMPTION"]}
    assert invoke("campaigns", "POST", "/admin/campaigns", inflation, ops)[0] == 201
    earn = {"memberId": "alice", "eventId": "e1", "kind": "PURCHASE", "amountFen": 100_000}
    assert invoke("earn", "POST", "/earn", earn, shop)[0] == 200  # rules and campaigns now cached

    meter.reset()
    headers = {"Idempotency-Key": "r1"}
    order = invoke("redeem", "POST", "/redemptions", {"sku": "cup", "quantity": 1}, alice, headers=headers)[1]
    assert order["pointsSpent"] == 50
    assert dict(meter.calls) == {"BatchGetItem": 1, "TransactWriteItems": 1}

    meter.reset()
    assert invoke("catalog", "GET", "/products", token=alice, query={"sort": "hot"})[0] == 200
    assert dict(meter.calls) == {"Query": 1, "BatchGetItem": 2}  # shelf keys; the week's counts; products

    meter.reset()
    assert invoke("catalog", "GET", "/products", token=alice)[1]["items"][0]["pointsPrice"] == 50
    assert dict(meter.calls) == {"Query": 1, "BatchGetItem": 1}  # the counts come from the cache now
