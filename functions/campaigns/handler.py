"""Campaigns: the admin's POST /admin/campaigns and GET /campaigns (active and upcoming)."""

from __future__ import annotations

from mall import clock
from mall.api.access import ADMIN, ANY_ROLE, Caller, Routes
from mall.api.app import entrypoint, make_app
from mall.api.cursor import paged
from mall.api.wire.campaigns import CampaignBody, CampaignView
from mall.api.wire.common import Cursor, Limit, Page
from mall.observability import logger
from mall.services.campaigns import create_campaign, listed

routes = Routes()


@routes.get(
    "/campaigns", allow=ANY_ROLE, summary="Active and upcoming campaigns, soonest first", tags=["campaigns"]
)
def get_campaigns(who: Caller, limit: Limit = 20, cursor: Cursor = None) -> Page[CampaignView]:
    found, next_cursor = paged(who.subject, "campaigns", cursor, lambda at: listed(limit, at))
    now = clock.now()
    return Page[CampaignView](items=[CampaignView.of(c, now) for c in found], next_cursor=next_cursor)


@routes.post(
    "/admin/campaigns", allow=ADMIN, summary="Schedule a points campaign", tags=["admin"], status_code=201
)
def post_campaign(body: CampaignBody, who: Caller) -> CampaignView:
    window = (body.starts_at, body.ends_at)
    campaign = create_campaign(
        body.name, body.exact_multiplier, *window, body.kinds, body.only_categories, who.actor
    )
    logger.info("campaign created", extra={"campaignId": campaign.campaign_id, "admin": who.subject})
    return CampaignView.of(campaign, clock.now())


lambda_handler = entrypoint(make_app(routes))
