"""Lucky draws: the admin's definition, the draw with each prize's chance now, and a spin's answer."""

from __future__ import annotations

from datetime import datetime
from typing import Self

from pydantic import Field, model_validator

from mall.api.wire.common import ID_PATTERN, Instant, WireModel
from mall.domain.calendar import iso
from mall.domain.catalog import SKU_PATTERN
from mall.domain.draws import MAX_PRIZES, Draw, Prize, PrizeKind, SpinResult
from mall.services.draws import DrawStanding


class PrizeBody(WireModel):
    prize_id: str = Field(pattern=ID_PATTERN)
    kind: PrizeKind
    points: int | None = Field(default=None, ge=1, le=10_000_000, strict=True, description="POINTS only")
    sku: str | None = Field(default=None, pattern=SKU_PATTERN, description="PRODUCT only")
    weight: int = Field(ge=0, le=1_000_000, strict=True, description="chance = weight / Σ weights")
    stock: int | None = Field(
        default=None,
        ge=0,
        le=1_000_000,
        strict=True,
        description="units this draw may award in all (required for PRODUCT; absent: unlimited points)",
    )

    @model_validator(mode="after")
    def _fits_its_kind(self) -> Self:
        wanted = {
            PrizeKind.POINTS: ({"points"}, {"sku"}),
            PrizeKind.PRODUCT: ({"sku", "stock"}, {"points"}),
            PrizeKind.NOTHING: (set(), {"points", "sku", "stock"}),
        }[self.kind]
        for name in sorted(wanted[0]):
            if getattr(self, name) is None:
                raise ValueError(f"{name} is required for a {self.kind.value} prize")
        for name in sorted(wanted[1]):
            if getattr(self, name) is not None:
                raise ValueError(f"{name} is not for a {self.kind.value} prize")
        return self

    def prize(self) -> Prize:
        return Prize(
            prize_id=self.prize_id,
            kind=self.kind,
            weight=self.weight,
            points=self.points,
            sku=self.sku,
            stock=self.stock,
        )


class DrawBody(WireModel):
    name: str = Field(min_length=1, max_length=64)
    cost_points: int = Field(ge=0, le=100_000_000, strict=True)
    starts_at: Instant
    ends_at: Instant
    prizes: list[PrizeBody] = Field(
        min_length=1, max_length=MAX_PRIZES, description="one NOTHING prize at least (weight may be 0)"
    )

    def draw(self, draw_id: str) -> Draw:
        return Draw(
            draw_id=draw_id,
            name=self.name,
            cost_points=self.cost_points,
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            prizes=tuple(p.prize() for p in self.prizes),
        )


class PrizeView(WireModel):
    prize_id: str
    kind: PrizeKind
    points: int | None
    sku: str | None
    name: str | None
    weight: int
    stock: int | None
    stock_left: int | None
    probability: float = Field(description="chance of this prize now, 0 to 1 (out of stock: 0)")


class DrawSummaryView(WireModel):
    draw_id: str
    name: str
    cost_points: int
    starts_at: str
    ends_at: str
    status: str

    @classmethod
    def of(cls, draw: Draw, now: datetime) -> DrawSummaryView:
        return cls(
            draw_id=draw.draw_id,
            name=draw.name,
            cost_points=draw.cost_points,
            starts_at=iso(draw.starts_at),
            ends_at=iso(draw.ends_at),
            status=draw.status(now).value,
        )


class DrawView(DrawSummaryView):
    prizes: list[PrizeView]

    @classmethod
    def of_standing(cls, standing: DrawStanding, now: datetime) -> DrawView:
        summary = DrawSummaryView.of(standing.draw, now)
        prizes = [
            PrizeView(
                prize_id=p.prize_id,
                kind=p.kind,
                points=p.points,
                sku=p.sku,
                name=p.name,
                weight=p.weight,
                stock=p.stock,
                stock_left=standing.left.get(p.prize_id, 0) if p.limited else None,
                probability=float(standing.probabilities[p.prize_id]),
            )
            for p in standing.draw.prizes
        ]
        return cls(**summary.model_dump(), prizes=prizes)


class SpinPrizeView(WireModel):
    prize_id: str
    kind: PrizeKind
    points: int | None
    sku: str | None


class SpinView(WireModel):
    spin_id: str
    prize: SpinPrizeView
    points_spent: int
    points_won: int
    order_id: str | None
    balance: int
    created_at: str

    @classmethod
    def of(cls, r: SpinResult) -> SpinView:
        return cls(
            spin_id=r.spin_id,
            prize=SpinPrizeView(prize_id=r.prize_id, kind=PrizeKind(r.kind), points=r.points, sku=r.sku),
            points_spent=r.points_spent,
            points_won=r.points_won,
            order_id=r.order_id,
            balance=r.balance,
            created_at=r.created_at,
        )
