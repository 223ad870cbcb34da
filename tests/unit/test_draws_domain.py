"""Lucky-draw rules: the roll against the weights (with the real random source), chances with prizes out
of stock, stock moved by a PUT, and what a spin costs and wins."""

from __future__ import annotations

import inspect
import math
import secrets
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from mall.domain.account import Account
from mall.domain.draws import (
    MAX_PRIZE_SHARDS,
    Draw,
    Prize,
    PrizeKind,
    StockMove,
    check_definition,
    choose_shard,
    pick,
    prize_shard_count,
    probabilities,
    restock,
    spin,
)
from mall.domain.orders import OrderStatus
from mall.domain.rules import Rules
from mall.errors import AccountFrozen, DrawNotActive, InsufficientPoints, ValidationFailed

NOW = datetime(2030, 6, 15, 4, tzinfo=UTC)
NOTHING = Prize("thanks", PrizeKind.NOTHING, weight=1)


def draw(*prizes: Prize, cost: int = 10) -> Draw:
    return Draw("d", "wheel", cost, NOW - timedelta(days=1), NOW + timedelta(days=1), prizes or (NOTHING,))


def account(points: int = 100, **fields: object) -> Account:
    values: dict = {
        "member_id": "m",
        "created_at": "2030-01-01T00:00:00+08:00",
        "lots": {"2031-01-01": points},
    }
    return Account(**(values | fields))


def chi_square_sf_3(x: float) -> float:
    """P(χ² with 3 degrees of freedom ≥ x), in closed form."""
    return math.erfc(math.sqrt(x / 2)) + math.sqrt(2 * x / math.pi) * math.exp(-x / 2)


def test_rolls_follow_the_weights_with_the_real_random_source() -> None:
    """200,000 rolls through `pick` with its default source (secrets.randbelow): a chi-square test
    against weights 5:3:1:1 at a significance of 1e-10 (a correct roll fails it once in ten billion runs;
    a roll off by 1% on any prize fails it every time), and a prize of weight 0 never comes up."""
    assert inspect.signature(pick).parameters["randbelow"].default is secrets.randbelow
    weights = {"a": 5, "b": 3, "c": 1, "d": 1}
    wheel = draw(
        *(Prize(k, PrizeKind.POINTS, weight=w, points=1) for k, w in weights.items()),
        replace(NOTHING, weight=0),
    )
    rolls = 200_000
    seen = Counter(pick(wheel).prize_id for _ in range(rolls))
    assert seen["thanks"] == 0
    total = sum(weights.values())
    statistic = sum((seen[k] - rolls * w / total) ** 2 / (rolls * w / total) for k, w in weights.items())
    assert chi_square_sf_3(50) < 1e-10
    assert statistic < 50, (statistic, seen)


def test_every_roll_maps_to_exactly_its_weights_share() -> None:
    """Each value the source can return lands on one prize: weight_i values land on prize i."""
    wheel = draw(
        Prize("a", PrizeKind.POINTS, weight=3, points=1),
        Prize("z", PrizeKind.POINTS, weight=0, points=1),
        replace(NOTHING, weight=2),
    )
    landed = Counter(pick(wheel, randbelow=lambda n, r=r: r).prize_id for r in range(5))  # type: ignore[misc]
    assert landed == {"a": 3, "thanks": 2}


def test_a_prize_out_of_stock_counts_as_nothing() -> None:
    wheel = draw(
        Prize("cup", PrizeKind.PRODUCT, weight=2, sku="cup", stock=5, shards=1),
        Prize("p", PrizeKind.POINTS, weight=1, points=9),
        replace(NOTHING, weight=1),
    )
    assert probabilities(wheel, {"cup": 3}) == {"cup": 0.5, "p": 0.25, "thanks": 0.25}
    assert probabilities(wheel, {"cup": 0}) == {"cup": 0, "p": 0.25, "thanks": 0.75}


def test_definition_checks() -> None:
    check_definition(draw())
    with pytest.raises(ValidationFailed, match="NOTHING"):
        check_definition(draw(Prize("p", PrizeKind.POINTS, weight=1, points=1)))
    with pytest.raises(ValidationFailed, match="weights"):
        check_definition(draw(replace(NOTHING, weight=0)))
    with pytest.raises(ValidationFailed, match="prizeId"):
        check_definition(draw(NOTHING, NOTHING))
    with pytest.raises(ValidationFailed, match="endsAt"):
        check_definition(replace(draw(), ends_at=NOW - timedelta(days=2)))


def test_large_stock_is_sharded_small_stock_is_not() -> None:
    assert [prize_shard_count(n) for n in (0, 1, 19, 20, 35, 79, 80, 10_000)] == [1, 1, 1, 2, 3, 7, 8, 8]
    assert prize_shard_count(10**6) == MAX_PRIZE_SHARDS


def cup(stock: int | None, shards: int = 0) -> Prize:
    return Prize("cup", PrizeKind.PRODUCT, weight=1, sku="cup", stock=stock, shards=shards)


def test_restock_of_a_new_prize_sets_its_shards() -> None:
    stored, moves = restock(None, draw(cup(25), NOTHING), {})
    assert stored.prize("cup").shards == 2
    assert moves == [StockMove("cup", 0, 13, fresh=True), StockMove("cup", 1, 12, fresh=True)]


def test_restock_moves_only_the_difference() -> None:
    old = replace(draw(cup(25, shards=2), NOTHING), version=4)
    left = {"cup": [10, 5]}  # 10 awarded
    assert restock(old, draw(cup(25), NOTHING), left) == (replace(draw(cup(25, 2), NOTHING), version=4), [])
    stored, moves = restock(old, draw(cup(30), NOTHING), left)
    assert stored.prize("cup") == cup(30, 3)  # 30 units: a third shard
    assert moves == [StockMove("cup", 0, 2), StockMove("cup", 1, 2), StockMove("cup", 2, 1, fresh=True)]
    stored, moves = restock(old, draw(cup(18), NOTHING), left)
    assert stored.prize("cup").stock == 18 and moves == [StockMove("cup", 0, -7)]
    stored, moves = restock(old, draw(cup(12), NOTHING), left)
    assert moves == [StockMove("cup", 0, -10), StockMove("cup", 1, -3)]
    stored, moves = restock(old, draw(cup(3), NOTHING), left)  # below the 10 awarded
    assert stored.prize("cup").stock == 10 and moves == [StockMove("cup", 0, -10), StockMove("cup", 1, -5)]
    stored, moves = restock(old, draw(cup(None), NOTHING), left)
    assert stored.prize("cup").shards == 0 and moves == []


def test_shards_new_to_a_prize_are_set_not_added_to() -> None:
    """A prize removed from the draw and put back later may find units in shards it no longer used."""
    old = draw(cup(10, shards=1), NOTHING)
    stored, moves = restock(old, draw(cup(31), NOTHING), {"cup": [10]})
    assert stored.prize("cup").shards == 3
    assert moves == [
        StockMove("cup", 0, 7),
        StockMove("cup", 1, 7, fresh=True),
        StockMove("cup", 2, 7, fresh=True),
    ]
    stored, moves = restock(old, draw(cup(12), NOTHING), {"cup": [10]})  # +2 over 1 shard
    assert moves == [StockMove("cup", 0, 2)]


def test_choose_shard_only_among_shards_with_units() -> None:
    assert choose_shard([0, 0]) is None
    assert {choose_shard([0, 3, 0, 1]) for _ in range(200)} == {1, 3}


def test_spin_refusals_in_order() -> None:
    wheel = draw()
    with pytest.raises(AccountFrozen):
        spin(replace(wheel, ends_at=NOW), account(0, frozen=True), NOTHING, None, Rules(), NOW)
    with pytest.raises(DrawNotActive):
        spin(replace(wheel, ends_at=NOW), account(0), NOTHING, None, Rules(), NOW)
    with pytest.raises(DrawNotActive):
        spin(replace(wheel, starts_at=NOW + timedelta(seconds=1)), account(0), NOTHING, None, Rules(), NOW)
    with pytest.raises(InsufficientPoints):
        spin(wheel, account(9), NOTHING, None, Rules(), NOW)
    expired = Account("m", "2029-01-01", lots={"2030-06-14": 100})
    with pytest.raises(InsufficientPoints):  # points past expiry are not spent
        spin(wheel, expired, NOTHING, None, Rules(), NOW)


def test_a_points_prize_earns_and_a_product_prize_orders() -> None:
    points = Prize("p", PrizeKind.POINTS, weight=1, points=600)
    outcome = spin(draw(points, NOTHING), account(100), points, None, Rules(), NOW)
    assert [(e.type.value, e.source, e.delta) for e in outcome.change.entries] == [
        ("SPEND", "DRAW", -10),
        ("EARN", "DRAW", 600),
    ]
    assert outcome.change.account.balance == 690 and outcome.change.account.cap_used == 0
    assert (outcome.result.points_won, outcome.result.balance, outcome.order, outcome.unit) == (
        600,
        690,
        None,
        None,
    )

    prize = replace(cup(5, 1), name="Cup", product_type="PHYSICAL")
    won = spin(draw(prize, NOTHING, cost=0), account(0), prize, 0, Rules(), NOW)
    assert won.change.entries == [] and won.unit == ("cup", 0)
    assert won.order is not None and (won.order.status, won.order.points_spent) == (OrderStatus.CONFIRMED, 0)
    assert won.order.prize_ref == "d#cup#0" and won.result.order_id == won.order.order_id

    card = replace(prize, product_type="VIRTUAL")
    virtual = spin(draw(card, NOTHING), account(10), card, 0, Rules(), NOW)
    assert (
        virtual.order is not None
        and virtual.order.status is OrderStatus.COMPLETED
        and virtual.order.voucher_code
    )


def test_a_limited_prize_without_a_unit_wins_nothing() -> None:
    prize = replace(cup(5, 1), name="Cup", product_type="PHYSICAL")
    outcome = spin(draw(prize, NOTHING), account(100), prize, None, Rules(), NOW)
    assert (outcome.result.prize_id, outcome.result.kind, outcome.order, outcome.unit) == (
        "thanks",
        "NOTHING",
        None,
        None,
    )
    assert outcome.change.account.balance == 90  # the spin was still paid for
