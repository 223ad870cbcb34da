"""Business days in the rules' time zone, and when points earned on a day expire."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from mall.domain.rules import AnnualExpiry, Rules


def business_day(at: datetime, zone: ZoneInfo) -> date:
    return at.astimezone(zone).date()


def expiry_day(earned_on: date, rules: Rules) -> date:
    """Last business day on which points earned on `earned_on` can still be spent."""
    if isinstance(rules.expiry, AnnualExpiry):
        return date(earned_on.year + 1, 12, 31)
    return earned_on + timedelta(days=rules.expiry.days)


def end_of_day(day: date, zone: ZoneInfo) -> datetime:
    """The last second of a business day, as shown to clients (`expiresAt`)."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=zone)


def start_of_day(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=zone)


def iso(at: datetime) -> str:
    return at.isoformat(timespec="seconds")
