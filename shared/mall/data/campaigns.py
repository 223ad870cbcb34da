"""Campaign items: `CONFIG` / `CAMPAIGN#<id>`, next to the rules document.

Earn and sign-in read the campaigns in force on every request, so they are kept where the rules are:
the rules' cached query of the `CONFIG` partition returns them too (no round trip of their own, not even
on a cache miss). Each item holds its campaign as a JSON `value` (what that query reads) and a `ttl` some
time after it ends, so ended campaigns leave the partition and the query stays small.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

from pynamodb.attributes import UnicodeAttribute

from mall.data import rules_store
from mall.data.dynamo import IntegerAttribute, Item
from mall.data.transaction import Transaction
from mall.domain.campaigns import Campaign, CampaignKind

PREFIX = "CAMPAIGN#"
KEEP_AFTER_END = timedelta(days=90)  # ended campaigns stay readable this long, then TTL removes them


class CampaignItem(Item):
    """`CONFIG` / `CAMPAIGN#<id>`: the campaign as JSON (`value`) and when DynamoDB may remove it."""

    value = UnicodeAttribute()
    ttl = IntegerAttribute()


def _document(campaign: Campaign) -> dict[str, Any]:
    return {
        "campaignId": campaign.campaign_id,
        "name": campaign.name,
        "multiplier": f"{campaign.multiplier.numerator}/{campaign.multiplier.denominator}",
        "startsAt": campaign.starts_at.isoformat(),
        "endsAt": campaign.ends_at.isoformat(),
        "kinds": sorted(k.value for k in campaign.kinds),
        "categories": sorted(campaign.categories) if campaign.categories is not None else None,
        "createdAt": campaign.created_at.isoformat() if campaign.created_at else None,
    }


def _campaign(doc: dict[str, Any]) -> Campaign:
    categories = doc.get("categories")
    created = doc.get("createdAt")
    return Campaign(
        campaign_id=str(doc["campaignId"]),
        name=str(doc["name"]),
        multiplier=Fraction(str(doc["multiplier"])),
        starts_at=datetime.fromisoformat(str(doc["startsAt"])),
        ends_at=datetime.fromisoformat(str(doc["endsAt"])),
        kinds=frozenset(CampaignKind(k) for k in doc["kinds"]),
        categories=frozenset(str(c) for c in categories) if categories is not None else None,
        created_at=datetime.fromisoformat(str(created)) if created else None,
    )


def create(campaign: Campaign, also: Transaction) -> None:
    """A new campaign (its id is new, so the put must not overwrite anything), with `also` (its audit
    entry)."""
    item = CampaignItem(
        rules_store.RULES_PK,
        PREFIX + campaign.campaign_id,
        value=json.dumps(_document(campaign), ensure_ascii=False),
        ttl=int((campaign.ends_at + KEEP_AFTER_END).timestamp()),
    )
    Transaction().put("campaign", item).extend(also).commit()
    rules_store.clear_cache()


def current() -> list[Campaign]:
    """Every stored campaign, from the rules' cached query (ended ones included until TTL takes them)."""
    documents = rules_store.config()
    return [
        _campaign(json.loads(str(value))) for key, value in documents.items() if str(key).startswith(PREFIX)
    ]
