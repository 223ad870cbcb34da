"""Statistics as the admin sees them."""

from __future__ import annotations

from mall.api.wire.common import WireModel
from mall.services.stats import DailyStats


class DayStatsView(WireModel):
    date: str
    issued: int
    redeemed: int
    expired: int
    refunded: int
    sign_ins: int
    orders: int
    reversed: int


class StatsView(WireModel):
    days: list[DayStatsView]
    outstanding: int

    @classmethod
    def of(cls, stats: DailyStats) -> StatsView:
        days = [DayStatsView(date=day.isoformat(), **vars(counters)) for day, counters in stats.days]
        return cls(days=days, outstanding=stats.outstanding)
