"""Campaigns: the admin's campaign body and campaigns as listed."""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction
from typing import Annotated

from pydantic import Field, field_validator

from mall.api.wire.common import Instant, WireModel
from mall.domain.calendar import iso
from mall.domain.campaigns import Campaign, CampaignKind
from mall.domain.catalog import CATEGORY_PATTERN


class CampaignBody(WireModel):
    name: str = Field(min_length=1, max_length=64)
    multiplier: float = Field(
        ge=1, le=100, strict=True, description="points × multiplier, e.g. 2 for 积分翻倍"
    )
    starts_at: Instant
    ends_at: Instant
    kinds: list[CampaignKind] = Field(
        min_length=1,
        max_length=len(CampaignKind),
        description="what it multiplies (REDEMPTION: lowers prices)",
    )
    categories: list[Annotated[str, Field(pattern=CATEGORY_PATTERN)]] | None = Field(
        default=None,
        max_length=100,
        description="narrows PURCHASE and REDEMPTION; all when absent or empty",
    )

    @field_validator("kinds")
    @classmethod
    def _distinct(cls, kinds: list[CampaignKind]) -> list[CampaignKind]:
        if len(set(kinds)) != len(kinds):
            raise ValueError("each kind at most once")
        return kinds

    @property
    def only_categories(self) -> list[str] | None:
        return self.categories or None  # none listed: every category

    @property
    def exact_multiplier(self) -> Fraction:
        # From the decimal text the client sent (1.1 is 11/10), not the binary float's approximation.
        return Fraction(repr(self.multiplier))


class CampaignView(WireModel):
    campaign_id: str
    name: str
    multiplier: float
    starts_at: str
    ends_at: str
    kinds: list[CampaignKind]
    categories: list[str] | None
    status: str

    @classmethod
    def of(cls, campaign: Campaign, now: datetime) -> CampaignView:
        return cls(
            campaign_id=campaign.campaign_id,
            name=campaign.name,
            multiplier=float(campaign.multiplier),
            starts_at=iso(campaign.starts_at),
            ends_at=iso(campaign.ends_at),
            kinds=sorted(campaign.kinds),
            categories=sorted(campaign.categories) if campaign.categories is not None else None,
            status=campaign.status(now).value,
        )
