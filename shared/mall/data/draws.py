"""Lucky-draw items: the definition, each limited prize's stock shards, and the writes of a spin.

- definition: `DRAW#<id>` / `META` (versioned; on GSI1 under `DRAWS` by start for the list);
- prize stock: `DRAW#<id>#PRIZE#<prizeId>#SHARD#<nn>` / `STOCK`, `left`: one partition key per shard,
  or the shards would share one partition's write limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from pynamodb.attributes import UnicodeAttribute, VersionAttribute

from mall.data import accounts, dynamo
from mall.data.accounts import write_change
from mall.data.dynamo import DocumentAttribute, IntegerAttribute, Item, Key, Raw
from mall.data.order_items import new_order
from mall.data.transaction import Transaction, lost_race
from mall.domain.account import Account
from mall.domain.draws import Draw, Prize, PrizeKind, Spin, StockMove


class DrawItem(Item):
    """`DRAW#<id>` / `META`: the definition, prizes included; `version` guards concurrent PUTs."""

    gsi1_pk = UnicodeAttribute(attr_name="GSI1PK")
    gsi1_sk = UnicodeAttribute(attr_name="GSI1SK")
    draw_id = UnicodeAttribute(attr_name="drawId")
    name = UnicodeAttribute()
    cost_points = IntegerAttribute(attr_name="costPoints")
    starts_at = UnicodeAttribute(attr_name="startsAt")
    ends_at = UnicodeAttribute(attr_name="endsAt")
    updated_at = UnicodeAttribute(attr_name="updatedAt", null=True)
    prizes = DocumentAttribute()  # {"items": [prize, ...]}
    version = VersionAttribute()


class PrizeShardItem(Item):
    """`DRAW#<id>#PRIZE#<prizeId>#SHARD#<nn>` / `STOCK`: units of the prize left in this shard."""

    left = IntegerAttribute(default=0)


def draw_key(draw_id: str) -> Key:
    return f"DRAW#{draw_id}", "META"


def shard_key(draw_id: str, prize_id: str, shard: int) -> Key:
    return f"DRAW#{draw_id}#PRIZE#{prize_id}#SHARD#{shard:02d}", "STOCK"


_PRIZE_FIELDS = ("prize_id", "kind", "weight", "points", "sku", "name", "product_type", "stock", "shards")
_CAMEL = {"prize_id": "prizeId", "product_type": "productType"}


def _prize_doc(prize: Prize) -> dict[str, Any]:
    return {_CAMEL.get(f, f): getattr(prize, f) for f in _PRIZE_FIELDS} | {"kind": prize.kind.value}


def _prize(doc: dict[str, Any]) -> Prize:
    values: dict[str, Any] = {
        f: doc.get(_CAMEL.get(f, f)) for f in _PRIZE_FIELDS
    }  # None values are not stored
    return Prize(**(values | {"kind": PrizeKind(doc["kind"]), "shards": int(doc.get("shards") or 0)}))


def _utc(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="seconds")


def to_draw(item: DrawItem) -> Draw:
    return Draw(
        draw_id=item.draw_id,
        name=item.name,
        cost_points=item.cost_points,
        starts_at=datetime.fromisoformat(item.starts_at),
        ends_at=datetime.fromisoformat(item.ends_at),
        prizes=tuple(_prize(p) for p in item.prizes["items"]),
        updated_at=datetime.fromisoformat(item.updated_at) if item.updated_at else None,
        version=item.version or 0,
    )


def _draw_item(draw: Draw) -> DrawItem:
    item = DrawItem(
        *draw_key(draw.draw_id),
        gsi1_pk="DRAWS",
        gsi1_sk=f"{_utc(draw.starts_at)}#{draw.draw_id}",
        draw_id=draw.draw_id,
        name=draw.name,
        cost_points=draw.cost_points,
        starts_at=draw.starts_at.isoformat(timespec="seconds"),
        ends_at=draw.ends_at.isoformat(timespec="seconds"),
        updated_at=draw.updated_at.isoformat(timespec="seconds") if draw.updated_at else None,
        prizes={"items": [_prize_doc(p) for p in draw.prizes]},
    )
    if draw.version:  # 0: not stored yet, so the put asks that no version exists
        item.version = draw.version
    return item


def get(draw_id: str) -> Draw | None:
    item = dynamo.get(DrawItem, draw_key(draw_id))
    return to_draw(item) if item else None


def _levels(draw: Draw, prizes: list[Prize], found: dict[Key, Raw]) -> dict[str, list[int]]:
    levels = {}
    for prize in prizes:
        shards = (
            dynamo.decode(PrizeShardItem, found.get(shard_key(draw.draw_id, prize.prize_id, i)))
            for i in range(prize.shards)
        )
        levels[prize.prize_id] = [shard.left if shard else 0 for shard in shards]
    return levels


def stock_levels(
    draw: Draw, prizes: list[Prize] | None = None, *, consistent: bool = True
) -> dict[str, list[int]]:
    """Units left per shard of each limited prize (or of `prizes`), one BatchGetItem per 100 shards."""
    wanted = [p for p in (draw.limited_prizes if prizes is None else prizes) if p.limited]
    keys = [shard_key(draw.draw_id, p.prize_id, i) for p in wanted for i in range(p.shards)]
    found = dynamo.batch_get(keys, consistent=consistent) if keys else {}
    return _levels(draw, wanted, found)


def commit_definition(draw: Draw, moves: list[StockMove], also: Transaction) -> None:
    """The definition (only if nobody changed it since it was read), its stock moves and `also` (its
    audit entry), in one transaction. `LostRace` if another PUT won or a spin took units this one meant
    to take."""
    tx = Transaction().put("draw", _draw_item(draw), on_fail=lost_race)
    for move in moves:
        shard = PrizeShardItem(*shard_key(draw.draw_id, move.prize_id, move.shard))
        # Set a shard new to the prize; move one in use (taking only units it still holds).
        action: Any = (
            PrizeShardItem.left.set(move.units) if move.fresh else PrizeShardItem.left.add(move.units)
        )
        condition = PrizeShardItem.left >= -move.units if move.units < 0 and not move.fresh else None
        tx.update(f"shard {move.prize_id}#{move.shard}", shard, [action], condition=condition)
    tx.extend(also).commit()


@dataclass(frozen=True)
class SpinReads:
    """What a spin decides on: the account, and the units left in the one shard it looked at."""

    account: Account | None
    units_in_shard: int


def spin_reads(draw: Draw, member_id: str, prize: Prize, shard: int | None) -> SpinReads:
    """One BatchGetItem: the account and, for a limited prize, one of its shards."""
    account = accounts.account_key(member_id)
    stock = shard_key(draw.draw_id, prize.prize_id, shard) if shard is not None else None
    found = dynamo.batch_get([account, *([stock] if stock else [])])
    units = dynamo.decode(PrizeShardItem, found.get(stock)) if stock else None
    return SpinReads(accounts.decode(found.get(account)), units.left if units else 0)


def commit_spin(draw_id: str, spin: Spin, zone: ZoneInfo, record: Transaction) -> None:
    """The cost and a points prize (account and ledger), the unit a prize takes (`left >= 1`), a product
    prize's order and the idempotency record, all or nothing. `LostRace` if the account moved or the
    shard emptied meanwhile; `Replayed` for a duplicate."""
    also = Transaction()
    if spin.unit is not None:
        prize_id, shard = spin.unit
        unit = PrizeShardItem(*shard_key(draw_id, prize_id, shard))
        also.update("prize", unit, [PrizeShardItem.left.add(-1)], condition=PrizeShardItem.left >= 1)
    if spin.order is not None:
        also.extend(new_order(spin.order))
    write_change(spin.change, zone, also.extend(record))


def give_back(prize_ref: str) -> Transaction:
    """A cancelled prize order's unit back in its shard (`prize_ref`: "<drawId>#<prizeId>#<shard>")."""
    draw_id, prize_id, shard = prize_ref.split("#")
    unit = PrizeShardItem(*shard_key(draw_id, prize_id, int(shard)))
    return Transaction().update("prize", unit, [PrizeShardItem.left.add(1)])


def query_draws(limit: int, start: str | None) -> tuple[list[Draw], str | None]:
    """Latest start first through GSI1."""
    raws, position = dynamo.newest_first("DRAWS", limit, start, index="GSI1", keys=("GSI1PK", "GSI1SK"))
    return [to_draw(DrawItem.from_raw_data(raw)) for raw in raws], position
