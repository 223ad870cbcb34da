"""Campaigns: an admin schedules a multiplier window; earn and sign-in read the ones in force (cached)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime
from fractions import Fraction

from mall import clock
from mall.data import audit
from mall.data import campaigns as store
from mall.domain.audit import Action, Actor, entry, fields_of
from mall.domain.campaigns import Campaign, CampaignKind, current_and_upcoming, new_campaign_id
from mall.errors import ValidationFailed


def create_campaign(
    name: str,
    multiplier: Fraction,
    starts_at: datetime,
    ends_at: datetime,
    kinds: Collection[CampaignKind],
    categories: Collection[str] | None,
    by: Actor,
) -> Campaign:
    """Schedule a campaign, audited."""
    now = clock.now()
    if ends_at <= starts_at:
        raise ValidationFailed("endsAt: must be after startsAt")
    if ends_at <= now:
        raise ValidationFailed("endsAt: must be in the future")
    campaign = Campaign(
        campaign_id=new_campaign_id(now),
        name=name,
        multiplier=multiplier,
        starts_at=starts_at,
        ends_at=ends_at,
        kinds=frozenset(kinds),
        categories=frozenset(categories) if categories is not None else None,
        created_at=now,
    )
    record = entry(
        Action.CAMPAIGN_CREATED, by, f"campaign:{campaign.campaign_id}", now, after=fields_of(campaign)
    )
    store.create(campaign, audit.record(record))
    return campaign


def in_force() -> list[Campaign]:
    """The stored campaigns (from the rules' cache): what earn and sign-in multiply by."""
    return store.current()


def _position(campaign: Campaign) -> str:
    return f"{campaign.starts_at.astimezone(UTC).isoformat()}#{campaign.campaign_id}"


def listed(limit: int, start: str | None) -> tuple[list[Campaign], str | None]:
    """Active and upcoming campaigns, soonest start first, one page after `start`."""
    live = [
        c for c in current_and_upcoming(store.current(), clock.now()) if start is None or _position(c) > start
    ]
    page = live[:limit]
    return page, (_position(page[-1]) if len(live) > limit else None)
