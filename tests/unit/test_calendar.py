"""Business days in the rules' time zone, expiry days and the end of a day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from mall.domain.calendar import business_day, end_of_day, expiry_day, iso, start_of_day
from mall.domain.rules import DEFAULT_RULES, Rules

SHANGHAI = ZoneInfo("Asia/Shanghai")
ANNUAL = Rules.model_validate({"expiry": {"mode": "ANNUAL"}})


@pytest.mark.parametrize(
    ("utc", "expected"),
    [
        (datetime(2026, 3, 1, 16, 30, tzinfo=UTC), date(2026, 3, 2)),
        (datetime(2026, 3, 1, 16, 0, tzinfo=UTC), date(2026, 3, 2)),
        (datetime(2026, 3, 1, 15, 59, 59, tzinfo=UTC), date(2026, 3, 1)),
        (datetime(2026, 3, 1, 0, 0, tzinfo=UTC), date(2026, 3, 1)),
        (datetime(2025, 12, 31, 16, 30, tzinfo=UTC), date(2026, 1, 1)),
    ],
)
def test_business_day_in_shanghai(utc: datetime, expected: date) -> None:
    assert business_day(utc, SHANGHAI) == expected


def test_business_day_depends_on_the_zone() -> None:
    instant = datetime(2026, 3, 1, 16, 30, tzinfo=UTC)
    assert business_day(instant, SHANGHAI) == date(2026, 3, 2)
    assert business_day(instant, ZoneInfo("UTC")) == date(2026, 3, 1)
    assert business_day(instant, ZoneInfo("America/New_York")) == date(2026, 3, 1)
    # The same instant written with another offset is the same business day.
    assert business_day(instant.astimezone(ZoneInfo("America/Los_Angeles")), SHANGHAI) == date(2026, 3, 2)


@pytest.mark.parametrize(
    ("earned", "expected"),
    [
        (date(2026, 3, 2), date(2027, 3, 2)),
        (date(2026, 1, 1), date(2027, 1, 1)),
        (date(2026, 12, 31), date(2027, 12, 31)),
        (date(2024, 2, 29), date(2025, 2, 28)),  # 365 days, not "same date next year"
        (date(2023, 3, 1), date(2024, 2, 29)),  # a leap day in between
    ],
)
def test_rolling_expiry_is_earn_day_plus_365_days(earned: date, expected: date) -> None:
    assert expiry_day(earned, DEFAULT_RULES) == expected
    assert expected - earned == timedelta(days=365)


@pytest.mark.parametrize("days", [1, 7, 30, 3650])
def test_rolling_expiry_uses_the_configured_days(days: int) -> None:
    rules = Rules.model_validate({"expiry": {"mode": "ROLLING", "days": days}})
    assert expiry_day(date(2026, 3, 2), rules) == date(2026, 3, 2) + timedelta(days=days)


@pytest.mark.parametrize(
    "earned",
    [date(2026, 1, 1), date(2026, 2, 28), date(2026, 6, 15), date(2026, 12, 30), date(2026, 12, 31)],
)
def test_annual_expiry_is_end_of_next_year(earned: date) -> None:
    assert expiry_day(earned, ANNUAL) == date(2027, 12, 31)


def test_annual_expiry_leap_day() -> None:
    assert expiry_day(date(2024, 2, 29), ANNUAL) == date(2025, 12, 31)


def test_end_of_day_is_last_second_with_shanghai_offset() -> None:
    end = end_of_day(date(2027, 3, 2), SHANGHAI)
    assert iso(end) == "2027-03-02T23:59:59+08:00"
    assert end.utcoffset() == timedelta(hours=8)
    assert end.astimezone(UTC) == datetime(2027, 3, 2, 15, 59, 59, tzinfo=UTC)
    assert business_day(end, SHANGHAI) == date(2027, 3, 2)
    assert business_day(end + timedelta(seconds=1), SHANGHAI) == date(2027, 3, 3)


def test_start_of_day_is_midnight_in_the_zone() -> None:
    start = start_of_day(date(2027, 3, 2), SHANGHAI)
    assert iso(start) == "2027-03-02T00:00:00+08:00"
    assert end_of_day(date(2027, 3, 2), SHANGHAI) - start == timedelta(hours=23, minutes=59, seconds=59)
    assert business_day(start - timedelta(seconds=1), SHANGHAI) == date(2027, 3, 1)


def test_points_earned_late_utc_evening_expire_a_year_after_the_shanghai_day() -> None:
    earned_at = datetime(2026, 3, 1, 16, 30, tzinfo=UTC)
    day = business_day(earned_at, DEFAULT_RULES.zone)
    assert iso(end_of_day(expiry_day(day, DEFAULT_RULES), DEFAULT_RULES.zone)) == "2027-03-02T23:59:59+08:00"
