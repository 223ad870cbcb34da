"""Concurrency against the local stack (DynamoDB Local serialises writes to an item as DynamoDB does).

These are the invariants that moto cannot show: nothing oversold, nothing doubled, no 5xx under contention."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from local_stack.local_server import running_stack
from tests.stack.http_client import StackApi

Api = StackApi


@pytest.fixture(scope="module")
def api() -> Iterator[Api]:
    with running_stack(workers=6) as stack:
        yield Api(stack.url)


def put_product(api: Api, admin: str, sku: str, stock: int, name: str = "Cup") -> None:
    """A physical product at 100 points on the shelf."""
    product = {"name": name, "category": "home", "type": "PHYSICAL", "pointsPrice": 100}
    product |= {"cashPriceFen": 0, "stock": stock, "status": "ON_SHELF"}
    assert api.call("PUT", f"/admin/products/{sku}", product, admin)[0] == 200


def members_with_points(api: Api, shop: str, members: list[str], fen: int, event: str) -> dict[str, str]:
    """Each member logged in (their token) and credited with a purchase of `fen`."""
    tokens = {m: api.login(f"dev:{m}") for m in members}
    for m in members:
        earn = {"memberId": m, "eventId": f"{event}-{m}", "kind": "PURCHASE", "amountFen": fen}
        assert api.call("POST", "/earn", earn, shop)[0] == 200
    return tokens


def race(count: int, fn: Callable[[int], tuple[int, Any]]) -> list[tuple[int, Any]]:
    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(fn, range(count)))


def ledger_sum(api: Api, token: str) -> int:
    total, cursor = 0, None
    while True:
        query = "?limit=100" + (f"&cursor={cursor}" if cursor else "")
        status, page = api.call("GET", "/me/ledger" + query, token=token)
        assert status == 200
        total += sum(e["delta"] for e in page["items"])
        cursor = page["nextCursor"]
        if not cursor:
            return total


def test_concurrent_duplicate_earn_events_award_once(api: Api) -> None:
    run = uuid.uuid4().hex[:8]
    member = api.login(f"dev:dup{run}")
    shop = api.login("dev-service:shop")
    body = {"memberId": f"dup{run}", "eventId": f"order-{run}", "kind": "PURCHASE", "amountFen": 5000}
    answers = race(20, lambda _: api.call("POST", "/earn", body, shop))
    assert {status for status, _ in answers} == {200}
    assert Counter(a["replayed"] for _, a in answers) == {False: 1, True: 19}
    assert {(a["awarded"], a["balance"]) for _, a in answers} == {(50, 50)}
    assert api.call("GET", "/me", token=member)[1]["balance"] == 50 == ledger_sum(api, member)


def test_twenty_members_race_for_five_units(api: Api) -> None:
    run = uuid.uuid4().hex[:8]
    admin, shop = api.login("dev-admin:ops"), api.login("dev-service:shop")
    sku = f"hot-{run}"
    put_product(api, admin, sku, stock=5, name="Hot item")
    members = [f"r{run}m{i}" for i in range(20)]
    tokens = members_with_points(api, shop, members, 20_000, "seed")

    def redeem(i: int) -> tuple[int, Any]:
        m = members[i]
        return api.call(
            "POST", "/redemptions", {"sku": sku, "quantity": 1}, tokens[m], **{"Idempotency-Key": m}
        )

    answers = race(20, redeem)
    codes = Counter(status if status == 201 else body["error"]["code"] for status, body in answers)
    assert codes == {201: 5, "OUT_OF_STOCK": 15}
    assert api.call("GET", f"/products/{sku}", token=admin)[1]["stock"] == 0
    for m in members:
        balance = api.call("GET", "/me", token=tokens[m])[1]["balance"]
        assert balance == ledger_sum(api, tokens[m])
        assert balance in (100, 200)
    assert sum(api.call("GET", "/me", token=tokens[m])[1]["balance"] for m in members) == 20 * 200 - 5 * 100


def test_one_member_ten_concurrent_redemptions_with_points_for_three(api: Api) -> None:
    run = uuid.uuid4().hex[:8]
    admin, shop = api.login("dev-admin:ops"), api.login("dev-service:shop")
    sku = f"cup-{run}"
    product = {
        "name": "Cup",
        "category": "home",
        "type": "PHYSICAL",
        "pointsPrice": 100,
        "cashPriceFen": 0,
        "stock": 100,
        "status": "ON_SHELF",
    }
    api.call("PUT", f"/admin/products/{sku}", product, admin)
    member = f"solo{run}"
    token = api.login(f"dev:{member}")
    api.call(
        "POST",
        "/earn",
        {"memberId": member, "eventId": f"s-{run}", "kind": "PURCHASE", "amountFen": 30_000},
        shop,
    )

    answers = race(
        10,
        lambda i: api.call(
            "POST", "/redemptions", {"sku": sku, "quantity": 1}, token, **{"Idempotency-Key": f"k{i}"}
        ),
    )
    codes = Counter(status if status == 201 else body["error"]["code"] for status, body in answers)
    assert codes == {201: 3, "INSUFFICIENT_POINTS": 7}
    assert api.call("GET", "/me", token=token)[1]["balance"] == 0 == ledger_sum(api, token)
    assert api.call("GET", f"/products/{sku}", token=admin)[1]["stock"] == 97


def test_concurrent_duplicate_redemptions_with_one_key_create_one_order(api: Api) -> None:
    run = uuid.uuid4().hex[:8]
    admin, shop = api.login("dev-admin:ops"), api.login("dev-service:shop")
    sku = f"dup-{run}"
    product = {
        "name": "Cup",
        "category": "home",
        "type": "PHYSICAL",
        "pointsPrice": 10,
        "cashPriceFen": 0,
        "stock": 100,
        "status": "ON_SHELF",
    }
    api.call("PUT", f"/admin/products/{sku}", product, admin)
    member = f"dupr{run}"
    token = api.login(f"dev:{member}")
    api.call(
        "POST",
        "/earn",
        {"memberId": member, "eventId": f"d-{run}", "kind": "PURCHASE", "amountFen": 100_000},
        shop,
    )
    answers = race(
        10,
        lambda _: api.call(
            "POST", "/redemptions", {"sku": sku, "quantity": 1}, token, **{"Idempotency-Key": "same"}
        ),
    )
    assert {status for status, _ in answers} == {201}
    assert len({body["orderId"] for _, body in answers}) == 1
    assert api.call("GET", "/me", token=token)[1]["balance"] == 990 == ledger_sum(api, token)
    assert len(api.call("GET", "/orders", token=token)[1]["items"]) == 1


def test_concurrent_sign_ins_award_once(api: Api) -> None:
    token = api.login(f"dev:sign{uuid.uuid4().hex[:8]}")
    answers = race(10, lambda _: api.call("POST", "/sign-in", token=token))
    codes = Counter(status for status, _ in answers)
    assert codes == {200: 1, 409: 9}
    assert api.call("GET", "/me", token=token)[1]["balance"] == 5 == ledger_sum(api, token)


def test_flash_sale_rush_never_oversells(api: Api) -> None:
    """40 members claim 10 units at once; 10 lack the points. The queue consumer settles the rest."""
    import time

    run = uuid.uuid4().hex[:8]
    admin, shop = api.login("dev-admin:ops"), api.login("dev-service:shop")
    product = {
        "name": "双十一 rice cooker",
        "category": "rush",
        "type": "PHYSICAL",
        "pointsPrice": 5000,
        "cashPriceFen": 0,
        "stock": 1000,
        "status": "ON_SHELF",
    }
    api.call("PUT", f"/admin/products/rush-{run}", product, admin)
    sale = {
        "sku": f"rush-{run}",
        "stock": 10,
        "pointsPrice": 300,
        "startsAt": "2020-01-01T00:00:00+08:00",
        "endsAt": "2099-01-01T00:00:00+08:00",
    }
    status, created = api.call("POST", "/admin/flash-sales", sale, admin)
    assert status == 201, created
    sale_id = created["saleId"]
    members = [f"f{run}m{i}" for i in range(40)]
    tokens = {m: api.login(f"dev:{m}") for m in members}
    for m in members[:30]:
        earn = {"memberId": m, "eventId": f"seed-{m}", "kind": "PURCHASE", "amountFen": 50_000}
        assert api.call("POST", "/earn", earn, shop)[0] == 200

    def claim(i: int) -> tuple[int, Any]:
        m = members[i]
        return api.call("POST", f"/flash-sales/{sale_id}/claims", None, tokens[m], **{"Idempotency-Key": m})

    answers = race(40, claim)
    assert all(status < 500 for status, _ in answers), answers
    by_member = dict(zip(members, answers, strict=True))
    assert all(by_member[m][1]["error"]["code"] == "INSUFFICIENT_POINTS" for m in members[30:])
    accepted = [m for m in members[:30] if by_member[m][0] == 202]
    refused = Counter(by_member[m][1]["error"]["code"] for m in members[:30] if by_member[m][0] != 202)
    assert len(accepted) == 10 and refused == {"SOLD_OUT": 20}

    deadline = time.monotonic() + 30
    while True:
        outcomes = {
            m: api.call("GET", f"/flash-sales/{sale_id}/claims/mine", token=tokens[m])[1] for m in accepted
        }
        if all(o["status"] != "QUEUED" for o in outcomes.values()) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert Counter(o["status"] for o in outcomes.values()) == {"CONFIRMED": 10}
    listed = next(
        s
        for s in api.call("GET", "/flash-sales?limit=100", token=admin)[1]["items"]
        if s["saleId"] == sale_id
    )
    assert (listed["stockLeft"], listed["status"]) == (0, "SOLD_OUT")
    for m in members[:30]:
        balance = api.call("GET", "/me", token=tokens[m])[1]["balance"]
        assert balance == (200 if m in accepted else 500) == ledger_sum(api, tokens[m])


def test_concurrent_duplicate_reversals_reverse_once(api: Api) -> None:
    run = uuid.uuid4().hex[:8]
    member, shop = f"rev{run}", api.login("dev-service:shop")
    token = api.login(f"dev:{member}")
    for event, fen in (("keep", 5_000), ("back", 10_000)):
        earn = {"memberId": member, "eventId": f"{event}-{run}", "kind": "PURCHASE", "amountFen": fen}
        assert api.call("POST", "/earn", earn, shop)[0] == 200
    body = {"reason": "returned", "amountFen": 6_000}
    answers = race(20, lambda _: api.call("POST", f"/earn/back-{run}/reverse", body, shop))
    assert {status for status, _ in answers} == {200}, answers
    assert Counter(a["replayed"] for _, a in answers) == {False: 1, True: 19}
    assert {(a["reversed"], a["balance"], a["shortfall"]) for _, a in answers} == {(60, 90, 0)}
    # Different refunds of the rest, racing: together they take back exactly what is left.
    rest = [{"reason": "returned", "amountFen": 2_000, "refundId": f"r{i}"} for i in range(2)]
    answers = race(2, lambda i: api.call("POST", f"/earn/back-{run}/reverse", rest[i], shop))
    assert sorted(a["reversed"] for _, a in answers) == [20, 20]
    assert api.call("GET", "/me", token=token)[1]["balance"] == 50 == ledger_sum(api, token)
    status, body = api.call("POST", f"/earn/back-{run}/reverse", {"reason": "again"}, shop)
    assert (status, body["error"]["code"]) == (409, "REVERSAL_EXCEEDS_PURCHASE")


def test_a_reversal_racing_a_redemption_never_drives_the_balance_below_zero(api: Api) -> None:
    """Ten members each spend a purchase's points while the merchant refunds it: whichever wins, the
    balance ends at 0 and the ledger sums to it; a reversal that lost the points records a shortfall."""
    run = uuid.uuid4().hex[:8]
    admin, shop = api.login("dev-admin:ops"), api.login("dev-service:shop")
    sku = f"race-{run}"
    put_product(api, admin, sku, stock=100, name="Race cup")
    members = [f"rr{run}m{i}" for i in range(10)]
    tokens = members_with_points(api, shop, members, 10_000, "buy")

    def one(i: int) -> tuple[int, Any]:
        m = members[i // 2]
        if i % 2:
            return api.call("POST", f"/earn/buy-{m}/reverse", {"reason": "refund", "memberId": m}, shop)
        return api.call(
            "POST", "/redemptions", {"sku": sku, "quantity": 1}, tokens[m], **{"Idempotency-Key": m}
        )

    answers = race(20, one)
    redeemed = 0
    for i, m in enumerate(members):
        (spent, order), (status, reversal) = answers[2 * i], answers[2 * i + 1]
        assert status == 200 and reversal["reversed"] == 100, reversal
        me = api.call("GET", "/me", token=tokens[m])[1]
        assert me["balance"] == 0 == ledger_sum(api, tokens[m])
        if spent == 201:  # the redemption won: the reversal found nothing to take, all of it is owed
            redeemed += 1
            assert (reversal["shortfall"], me["shortfall"]) == (100, 100)
        else:  # the reversal won: nothing left to spend
            assert (spent, order["error"]["code"]) == (409, "INSUFFICIENT_POINTS")
            assert (reversal["shortfall"], me["shortfall"]) == (0, 0)
        assert me["lifetimeEarned"] == 0
    assert api.call("GET", f"/products/{sku}", token=admin)[1]["stock"] == 100 - redeemed
    print(f"\nreversal vs redemption: the redemption won {redeemed} of 10 races")
