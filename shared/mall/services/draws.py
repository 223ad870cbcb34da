"""Lucky draws: the admin's definition (stock moved with it), the draw as members see it, and spins.

A spin is a 双十一 burst like a flash sale, so it reads what it must and nothing more: the definition
comes from a per-container cache (it changes only by PUT), the prize is rolled before any read, and the
one read round trip fetches the account with a single random shard of that prize (all of its shards
only once that one is empty). Cost, prize, the unit taken, a product prize's order and the idempotency
record are one transaction; a shard's `left >= 1` condition is what keeps the stock from being
over-awarded however many spins race for it.
"""

from __future__ import annotations

import dataclasses
import secrets
import time
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

from mall import clock
from mall.data import audit, idempotency, products, rules_store
from mall.data import draws as store
from mall.data.retry import until_decided
from mall.domain.audit import Action, Actor, changed, entry, fields_of
from mall.domain.draws import (
    Draw,
    PrizeKind,
    SpinResult,
    check_definition,
    check_spin,
    choose_shard,
    pick,
    probabilities,
    restock,
    spin,
)
from mall.domain.rate_limits import Limited
from mall.errors import DrawNotFound, MemberNotFound, ProductNotFound
from mall.services import rate_limits
from mall.services.idempotent import once
from mall.settings import settings

SCOPE = "draw-spin"
_CACHED_DEFINITIONS = 256  # enough for every live draw; beyond it the cache starts over


@dataclass(frozen=True)
class DrawStanding:
    """A draw as shown: its definition, units left per limited prize, each prize's chance now."""

    draw: Draw
    left: dict[str, int]
    probabilities: dict[str, Fraction]


def _standing(draw: Draw, levels: dict[str, list[int]]) -> DrawStanding:
    left = {prize_id: sum(units) for prize_id, units in levels.items()}
    return DrawStanding(draw, left, probabilities(draw, left))


def _with_products(draw: Draw) -> Draw:
    """Product prizes carry the product's name and type (the order a win creates needs them)."""
    prizes = []
    for prize in draw.prizes:
        product = products.get_product(prize.sku) if prize.kind is PrizeKind.PRODUCT and prize.sku else None
        if prize.kind is PrizeKind.PRODUCT and product is None:
            raise ProductNotFound(f"prizes: no product {prize.sku}")
        prizes.append(
            replace(prize, name=product.name, product_type=product.type.value) if product else prize
        )
    return replace(draw, prizes=tuple(prizes))


def put_draw(requested: Draw, by: Actor) -> DrawStanding:
    """Create or replace a draw, audited. Stock moves by the difference to what the draw had (see
    `restock`)."""
    check_definition(requested)
    requested = _with_products(requested)

    def attempt() -> Draw:
        old = store.get(requested.draw_id)
        levels = store.stock_levels(old) if old else {}
        now = clock.now()
        draw, moves = restock(old, replace(requested, updated_at=now), levels)
        before, after = changed(_audited(old), _audited(draw)) if old else (None, _audited(draw))
        record = entry(Action.DRAW_PUT, by, f"draw:{draw.draw_id}", now, before=before, after=after)
        store.commit_definition(draw, moves, audit.record(record))
        return replace(draw, version=draw.version + 1)

    draw = until_decided(attempt)
    _definitions.pop(draw.draw_id, None)
    return _standing(draw, store.stock_levels(draw))


def _audited(draw: Draw) -> dict[str, Any]:
    """What an admin set (not the bookkeeping: version, update time)."""
    fields = fields_of(draw)
    return {k: v for k, v in fields.items() if k not in ("version", "updatedAt")}


_definitions: dict[str, tuple[float, Draw]] = {}


def definition(draw_id: str) -> Draw:
    """The draw's definition, read once per container and kept as long as the rules are (a PUT takes
    effect within that time everywhere, at once in the container that made it)."""
    cached = _definitions.get(draw_id)
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    draw = store.get(draw_id)
    if draw is None:
        raise DrawNotFound("no such draw")
    if len(_definitions) >= _CACHED_DEFINITIONS:
        _definitions.clear()
    _definitions[draw_id] = (time.monotonic() + settings().rules_cache_seconds, draw)
    return draw


def get_draw(draw_id: str) -> DrawStanding:
    """The definition (cached) and the stock now (an eventually consistent read: a view, not a decision)."""
    draw = definition(draw_id)
    return _standing(draw, store.stock_levels(draw, consistent=False))


def list_draws(limit: int, start: str | None) -> tuple[list[Draw], str | None]:
    return store.query_draws(limit, start)


@dataclass(frozen=True)
class SpinRequest:
    member_id: str
    draw_id: str
    idempotency_key: str

    @property
    def fingerprint(self) -> str:
        return idempotency.fingerprint({"drawId": self.draw_id})


def _result(doc: dict[str, Any]) -> SpinResult:
    # Stored documents leave out what was None.
    values: dict[str, Any] = {f.name: doc.get(f.name) for f in dataclasses.fields(SpinResult)}
    return SpinResult(**values)


def spin_once(request: SpinRequest) -> SpinResult:
    """One BatchGetItem (account and one shard of the rolled prize), one transaction."""
    draw = definition(request.draw_id)
    # Rolled once per request: a lost race decides again on fresh data but never rolls again, so
    # contention cannot bend the odds. Out of stock by then, the roll wins the NOTHING prize.
    picked = pick(draw)

    def attempt() -> SpinResult:
        guess = secrets.randbelow(picked.shards) if picked.limited and picked.shards else None
        reads = store.spin_reads(draw, request.member_id, picked, guess)
        if reads.account is None:
            raise MemberNotFound("no account")
        rules, now = rules_store.current(), clock.now()
        account = rate_limits.count(reads.account, Limited.SPINS, rules, now)
        with rate_limits.charged(account):
            check_spin(draw, account, rules, now)
            shard = guess
            if picked.limited and reads.units_in_shard <= 0:
                # That shard is empty (the prize is running out): look at all of them once.
                shard = choose_shard(store.stock_levels(draw, [picked])[picked.prize_id])
            outcome = spin(draw, account, picked, shard, rules, now)
            key, fingerprint = request.idempotency_key, request.fingerprint
            first = dataclasses.asdict(outcome.result)
            record = idempotency.record(SCOPE, request.member_id, key, fingerprint, first, now)
            store.commit_spin(draw.draw_id, outcome, rules.zone, record)
        return outcome.result

    key, fingerprint = request.idempotency_key, request.fingerprint
    return once(attempt, SCOPE, request.member_id, key, fingerprint, _result)
