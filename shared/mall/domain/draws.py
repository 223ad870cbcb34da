"""Lucky draws (积分抽奖): weighted prizes, each with its own stock, and a spin that costs points.

A spin picks a prize by weight with a cryptographic random source. A prize out of stock counts as
NOTHING: the spin still picks it by its weight and then wins the draw's NOTHING prize, so the chance of
each outcome is exactly what `probabilities` shows. A prize's stock is split over shards (each its own
item and partition key, like a flash sale's) once it is large, so a rush of winners has no hot item.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from fractions import Fraction

from mall.domain.account import Account, Change, credit, debit, ensure_active, settle_expired
from mall.domain.calendar import business_day, expiry_day, iso
from mall.domain.flash_sales import split_stock
from mall.domain.journey import active
from mall.domain.orders import Order, OrderStatus, new_order_id, voucher_code
from mall.domain.rules import Rules
from mall.errors import DrawNotActive, InsufficientPoints, ValidationFailed

MAX_PRIZES = 12
# A definition and the stock items it changes are written in one transaction (at most 100 items):
# 12 prizes × 8 shards + the definition fits. 8 items × ~1,000 writes/s each for one prize's winners.
MAX_PRIZE_SHARDS = 8
UNITS_PER_SHARD = 10  # a prize of fewer units empties too soon to be hot: one item is enough

RandBelow = Callable[[int], int]  # secrets.randbelow: a uniform integer in [0, n)


class PrizeKind(StrEnum):
    POINTS = "POINTS"
    PRODUCT = "PRODUCT"
    NOTHING = "NOTHING"


class DrawStatus(StrEnum):
    UPCOMING = "UPCOMING"
    ACTIVE = "ACTIVE"
    ENDED = "ENDED"


@dataclass(frozen=True)
class Prize:
    prize_id: str
    kind: PrizeKind
    weight: int
    points: int | None = None  # POINTS: the points won
    sku: str | None = None  # PRODUCT: the product won, with its name and type at the time of the PUT
    name: str | None = None
    product_type: str | None = None
    stock: int | None = None  # units this draw may award in all; None: unlimited
    shards: int = 0  # stock items the units are split over

    @property
    def limited(self) -> bool:
        return self.stock is not None


@dataclass(frozen=True)
class Draw:
    draw_id: str
    name: str
    cost_points: int
    starts_at: datetime
    ends_at: datetime
    prizes: tuple[Prize, ...]
    updated_at: datetime | None = None
    version: int = 0  # optimistic lock of the definition; 0: not stored yet

    def status(self, now: datetime) -> DrawStatus:
        if now < self.starts_at:
            return DrawStatus.UPCOMING
        return DrawStatus.ACTIVE if now < self.ends_at else DrawStatus.ENDED

    def active(self, now: datetime) -> bool:
        return self.starts_at <= now < self.ends_at

    def prize(self, prize_id: str) -> Prize | None:
        return next((p for p in self.prizes if p.prize_id == prize_id), None)

    @property
    def nothing(self) -> Prize:
        """Where a spin lands when the prize it picked is out of stock (every draw has one)."""
        return next(p for p in self.prizes if p.kind is PrizeKind.NOTHING)

    @property
    def limited_prizes(self) -> list[Prize]:
        return [p for p in self.prizes if p.limited]


def check_definition(draw: Draw) -> None:
    """What a definition must say beyond the shape of each field."""
    if draw.ends_at <= draw.starts_at:
        raise ValidationFailed("endsAt: must be after startsAt")
    ids = [p.prize_id for p in draw.prizes]
    if len(set(ids)) != len(ids):
        raise ValidationFailed("prizes: each prizeId at most once")
    if not any(p.kind is PrizeKind.NOTHING for p in draw.prizes):
        raise ValidationFailed(
            "prizes: needs a NOTHING prize (weight 0 is fine): a spin whose prize is out of stock wins it"
        )
    if sum(p.weight for p in draw.prizes) <= 0:
        raise ValidationFailed("prizes: the weights must not all be 0")


def prize_shard_count(stock: int) -> int:
    return max(1, min(MAX_PRIZE_SHARDS, stock // UNITS_PER_SHARD))


# --- the definition and its stock --------------------------------------------------------------------


@dataclass(frozen=True)
class StockMove:
    """One change to one stock shard of a prize."""

    prize_id: str
    shard: int
    units: int  # added (negative: taken, only while the shard still holds them)
    fresh: bool = False  # the shard is set to `units`, whatever it held (the prize is new to the draw)


def restock(
    old: Draw | None, requested: Draw, left: Mapping[str, Sequence[int]]
) -> tuple[Draw, list[StockMove]]:
    """The definition to store and the stock moves that go with it.

    A prize's `stock` is every unit the draw may award. For a prize the draw already had, a PUT moves
    the units still left by the difference (so the same PUT twice changes nothing, and editing the
    name leaves the stock alone); stock below what was already awarded stays at what was awarded.
    `left`: units left per shard of each limited prize of `old`."""
    prizes, moves = [], []
    for asked in requested.prizes:
        before = old.prize(asked.prize_id) if old else None
        if asked.stock is None:
            prizes.append(replace(asked, shards=0))
        elif before is None or before.stock is None:
            shards = prize_shard_count(asked.stock)
            units = split_stock(asked.stock, shards)
            moves += [StockMove(asked.prize_id, i, n, fresh=True) for i, n in enumerate(units)]
            prizes.append(replace(asked, shards=shards))
        else:
            stored = list(left.get(asked.prize_id, ()))
            levels = [stored[i] if i < len(stored) else 0 for i in range(before.shards)]
            awarded = before.stock - sum(levels)
            stock = max(asked.stock, awarded)
            shards = max(before.shards, prize_shard_count(stock))
            moves += _moves(asked.prize_id, stock - before.stock, levels, shards)
            prizes.append(replace(asked, stock=stock, shards=shards))
    version = old.version if old else 0
    return replace(requested, prizes=tuple(prizes), version=version), moves


def _moves(prize_id: str, delta: int, levels: list[int], shards: int) -> list[StockMove]:
    """`delta` units over `shards` shards, of which `levels` are in use. A shard new to the prize is set
    (it may hold units from a time the prize was removed from the draw), the others moved."""
    if delta > 0:
        added = split_stock(delta, shards)
        return [
            StockMove(prize_id, i, n, fresh=i >= len(levels))
            for i, n in enumerate(added)
            if n or i >= len(levels)
        ]
    moves, due = [], -delta
    for shard in sorted(range(len(levels)), key=lambda i: -levels[i]):  # fullest first
        take = min(due, levels[shard])
        if take:
            moves.append(StockMove(prize_id, shard, -take))
            due -= take
    return moves


def probabilities(draw: Draw, left: Mapping[str, int]) -> dict[str, Fraction]:
    """Each prize's chance now: a prize with no units left counts as NOTHING (its weight goes to the
    draw's NOTHING prize). `left`: units left of each limited prize."""
    total = sum(p.weight for p in draw.prizes)
    weights = {p.prize_id: p.weight for p in draw.prizes}
    for prize in draw.limited_prizes:
        if left.get(prize.prize_id, 0) <= 0:
            weights[draw.nothing.prize_id] += weights[prize.prize_id]
            weights[prize.prize_id] = 0
    return {prize_id: Fraction(weight, total) for prize_id, weight in weights.items()}


# --- a spin --------------------------------------------------------------------------------------------


def pick(draw: Draw, randbelow: RandBelow = secrets.randbelow) -> Prize:
    """A prize by weight: prize i with probability weight_i / Σ weights (stock is looked at later)."""
    roll = randbelow(sum(p.weight for p in draw.prizes))
    for prize in draw.prizes:
        if roll < prize.weight:
            return prize
        roll -= prize.weight
    raise AssertionError("a roll below the total weight lands on a prize")


def choose_shard(levels: Sequence[int], randbelow: RandBelow = secrets.randbelow) -> int | None:
    """A random shard that still has units (so concurrent winners spread over them), or None."""
    open_shards = [i for i, units in enumerate(levels) if units > 0]
    return open_shards[randbelow(len(open_shards))] if open_shards else None


def new_spin_id(at: datetime) -> str:
    return f"sp{int(at.timestamp() * 1000):013d}{secrets.token_hex(5)}"


@dataclass(frozen=True)
class SpinResult:
    """What a spin answers; stored with its idempotency record, so a replay answers exactly this."""

    spin_id: str
    draw_id: str
    prize_id: str
    kind: str
    points: int | None
    sku: str | None
    points_spent: int
    points_won: int
    order_id: str | None
    balance: int
    created_at: str


@dataclass(frozen=True)
class Spin:
    change: Change  # the cost (SPEND) and a points prize (EARN), both source DRAW
    result: SpinResult
    order: Order | None  # a product prize's order
    unit: tuple[str, int] | None  # (prizeId, shard) of the unit a limited prize took


def check_spin(draw: Draw, account: Account, rules: Rules, at: datetime) -> None:
    """May the member spin now? The refusals, in the order a member meets them."""
    ensure_active(account)
    if not draw.active(at):
        raise DrawNotActive("the draw is not running")
    if settle_expired(account, business_day(at, rules.zone), at).account.balance < draw.cost_points:
        raise InsufficientPoints(f"a spin costs {draw.cost_points} points")


def spin(draw: Draw, account: Account, picked: Prize, shard: int | None, rules: Rules, at: datetime) -> Spin:
    """Pay for a spin and win `picked`, or NOTHING when it is limited and no unit was found (`shard`)."""
    check_spin(draw, account, rules, at)
    won = draw.nothing if picked.limited and shard is None else picked
    today = business_day(at, rules.zone)
    change = settle_expired(account, today, at)
    spin_id = new_spin_id(at)
    ref = f"SPIN#{spin_id}"
    debit(change, draw.cost_points, at, today, source="DRAW", ref=ref, note=draw.name)
    active(change, today)  # spending points: the member is not dormant
    won_points = (won.points or 0) if won.kind is PrizeKind.POINTS else 0
    if won_points:
        expires = expiry_day(today, rules)
        credit(
            change,
            won_points,
            expires,
            at,
            today,
            source="DRAW",
            ref=ref,
            note=f"{draw.name}: {won.prize_id}",
        )
    order = (
        _prize_order(draw, won, account.member_id, shard, at, rules)
        if won.kind is PrizeKind.PRODUCT
        else None
    )
    result = SpinResult(
        spin_id=spin_id,
        draw_id=draw.draw_id,
        prize_id=won.prize_id,
        kind=won.kind.value,
        points=won.points,
        sku=won.sku,
        points_spent=draw.cost_points,
        points_won=won_points,
        order_id=order.order_id if order else None,
        balance=change.account.balance,
        created_at=iso(at.astimezone(rules.zone)),
    )
    unit = (won.prize_id, shard) if won.limited and shard is not None else None
    return Spin(change, result, order, unit)


def _prize_order(
    draw: Draw, prize: Prize, member_id: str, shard: int | None, at: datetime, rules: Rules
) -> Order:
    """A product prize: an order at no points, CONFIRMED (COMPLETED with a voucher if virtual)."""
    virtual = prize.product_type == "VIRTUAL"
    return Order(
        order_id=new_order_id(at),
        member_id=member_id,
        sku=prize.sku or "",
        name=prize.name or prize.sku or "",
        product_type=prize.product_type or "PHYSICAL",
        quantity=1,
        points_spent=0,
        cash_due_fen=0,
        status=OrderStatus.COMPLETED if virtual else OrderStatus.CONFIRMED,
        created_at=at.astimezone(rules.zone),
        voucher_code=voucher_code() if virtual else None,
        prize_ref=f"{draw.draw_id}#{prize.prize_id}#{shard}",
    )
