"""Growth features on the local stack (DynamoDB Local serialises writes to an item as DynamoDB does):
concurrent spins never over-award a prize nor spend points twice, concurrent first logins with an invite
code reward once, and an earn reaches the leaderboard through the stream within 10 seconds."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from local_stack.local_server import running_stack
from tests.stack.test_concurrency import Api, ledger_sum, race

WINDOW = {"startsAt": "2020-01-01T00:00:00+08:00", "endsAt": "2099-01-01T00:00:00+08:00"}


@pytest.fixture(scope="module")
def api() -> Iterator[Api]:
    with running_stack(workers=6, seed=False) as stack:
        yield Api(stack.url)


def put_draw(api: Api, admin: str, draw_id: str, prizes: list[dict[str, Any]], cost: int = 10) -> Any:
    body = {"name": "双十一转盘", "costPoints": cost, **WINDOW, "prizes": prizes}
    status, view = api.call("PUT", f"/admin/draws/{draw_id}", body, admin)
    assert status == 200, view
    return view


def product(api: Api, admin: str, sku: str) -> None:
    body = {
        "name": "Rice cooker",
        "category": "rush",
        "type": "PHYSICAL",
        "pointsPrice": 5000,
        "cashPriceFen": 0,
        "stock": 1000,
        "status": "ON_SHELF",
    }
    assert api.call("PUT", f"/admin/products/{sku}", body, admin)[0] == 200


def seed_points(api: Api, shop: str, member: str, fen: int) -> None:
    earn = {"memberId": member, "eventId": f"seed-{member}", "kind": "PURCHASE", "amountFen": fen}
    assert api.call("POST", "/earn", earn, shop)[0] == 200


def test_a_spin_rush_never_over_awards_a_sharded_prize(api: Api) -> None:
    """40 members spin at once for a prize of 24 units over 2 shards (weight 1000 against NOTHING's 1):
    exactly 24 win it, every other spin wins NOTHING, and each paid exactly once."""
    run = uuid.uuid4().hex[:8]
    admin, shop = api.login("dev-admin:ops"), api.login("dev-service:shop")
    product(api, admin, f"rc-{run}")
    prizes = [
        {"prizeId": "cooker", "kind": "PRODUCT", "sku": f"rc-{run}", "weight": 1000, "stock": 24},
        {"prizeId": "thanks", "kind": "NOTHING", "weight": 1},
    ]
    put_draw(api, admin, f"rush-{run}", prizes)
    members = [f"s{run}m{i}" for i in range(40)]
    tokens = {m: api.login(f"dev:{m}") for m in members}
    for m in members:
        seed_points(api, shop, m, 5000)

    def spin(i: int) -> tuple[int, Any]:
        m = members[i]
        return api.call("POST", f"/draws/rush-{run}/spins", None, tokens[m], **{"Idempotency-Key": m})

    answers = race(40, spin)
    assert {status for status, _ in answers} == {201}, answers
    won = Counter(body["prize"]["prizeId"] for _, body in answers)
    assert won == {"cooker": 24, "thanks": 16}
    view = api.call("GET", f"/draws/rush-{run}", token=admin)[1]
    cooker = next(p for p in view["prizes"] if p["prizeId"] == "cooker")
    assert (cooker["stockLeft"], cooker["probability"]) == (0, 0.0)
    orders = [body["orderId"] for _, body in answers if body["orderId"]]
    assert len(set(orders)) == 24
    for m in members:
        assert api.call("GET", "/me", token=tokens[m])[1]["balance"] == 40 == ledger_sum(api, tokens[m])


def test_one_members_concurrent_spins_spend_only_what_they_hold(api: Api) -> None:
    run = uuid.uuid4().hex[:8]
    admin, shop = api.login("dev-admin:ops"), api.login("dev-service:shop")
    put_draw(api, admin, f"solo-{run}", [{"prizeId": "thanks", "kind": "NOTHING", "weight": 1}], cost=100)
    member = f"solo{run}"
    token = api.login(f"dev:{member}")
    seed_points(api, shop, member, 30_000)

    def spin(i: int) -> tuple[int, Any]:
        return api.call("POST", f"/draws/solo-{run}/spins", None, token, **{"Idempotency-Key": f"k{i}"})

    codes = Counter(status if status == 201 else body["error"]["code"] for status, body in race(10, spin))
    assert codes == {201: 3, "INSUFFICIENT_POINTS": 7}
    assert api.call("GET", "/me", token=token)[1]["balance"] == 0 == ledger_sum(api, token)

    top_up = {"memberId": member, "eventId": f"more-{member}", "kind": "PURCHASE", "amountFen": 10_000}
    assert api.call("POST", "/earn", top_up, shop)[0] == 200  # one more spin's worth
    same = race(
        10, lambda _: api.call("POST", f"/draws/solo-{run}/spins", None, token, **{"Idempotency-Key": "dup"})
    )
    assert {status for status, _ in same} == {201} and len({body["spinId"] for _, body in same}) == 1
    assert api.call("GET", "/me", token=token)[1]["balance"] == 0 == ledger_sum(api, token)


def test_concurrent_first_logins_with_an_invite_code_reward_once(api: Api) -> None:
    run = uuid.uuid4().hex[:8]
    inviter = api.login(f"dev:inv{run}")
    code = api.call("GET", "/me", token=inviter)[1]["inviteCode"]
    newcomer = f"new{run}"
    answers = race(
        10, lambda _: api.call("POST", "/auth/login", {"code": f"dev:{newcomer}", "inviteCode": code})
    )
    assert {status for status, _ in answers} == {200}
    token = answers[0][1]["token"]
    assert api.call("GET", "/me", token=token)[1]["balance"] == 100 == ledger_sum(api, token)
    assert api.call("GET", "/me", token=inviter)[1]["balance"] == 100 == ledger_sum(api, inviter)


def test_an_earn_reaches_the_leaderboard_within_ten_seconds(api: Api) -> None:
    run = uuid.uuid4().hex[:8]
    shop = api.login("dev-service:shop")
    member = f"lb{run}"
    token = api.login(f"dev:{member}")
    earn = {"memberId": member, "eventId": f"lb-{run}", "kind": "PURCHASE", "amountFen": 1_234_500}
    written = time.monotonic()
    assert api.call("POST", "/earn", earn, shop)[0] == 200
    while True:
        board = api.call("GET", "/leaderboard", token=token)[1]
        if board["me"]["points"] == 12_345:
            break
        assert time.monotonic() - written < 10, board
        time.sleep(0.1)
    lag = time.monotonic() - written
    print(f"\nan earn reached the leaderboard {lag:.2f} s later")
    assert board["me"]["rank"] is not None
    assert any(item["points"] == 12_345 for item in board["items"])
    month = api.call("GET", "/leaderboard?period=month", token=token)[1]
    assert month["me"]["points"] == 12_345
