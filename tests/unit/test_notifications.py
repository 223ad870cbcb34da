"""The reminder rule as pure functions: which lots are reminded of today, and whether to push."""

from __future__ import annotations

from datetime import date

import pytest

from mall.domain.notifications import DueReminder, PushStatus, push_decision, reminder_window, reminders_due

LOTS = {"2027-11-16": 5, "2027-11-17": 10, "2027-11-24": 20, "2027-11-25": 40}


def test_window_starts_today_and_spans_reminder_days() -> None:
    assert reminder_window(date(2027, 11, 17), 7) == (date(2027, 11, 17), date(2027, 11, 24))
    assert reminder_window(date(2027, 12, 31), 1) == (date(2027, 12, 31), date(2028, 1, 1))


def test_lots_inside_the_window_both_ends_included_soonest_first() -> None:
    assert reminders_due(LOTS, date(2027, 11, 17), 7) == [
        DueReminder(date(2027, 11, 17), 10),
        DueReminder(date(2027, 11, 24), 20),
    ]


@pytest.mark.parametrize(
    ("today", "days", "expected"),
    [
        (date(2027, 11, 8), 7, []),  # nothing yet
        (date(2027, 11, 26), 7, []),  # every day has passed: nothing is sent after the expiry date
        (date(2027, 11, 25), 0, [DueReminder(date(2027, 11, 25), 40)]),  # reminderDays 0: the day itself
    ],
)
def test_window_edges(today: date, days: int, expected: list[DueReminder]) -> None:
    assert reminders_due(LOTS, today, days) == expected


def test_empty_lots_are_not_reminded() -> None:
    assert reminders_due({"2027-11-17": 0}, date(2027, 11, 17), 7) == []


@pytest.mark.parametrize(
    ("record_only", "openid", "template", "expected"),
    [
        (True, "o1", "t1", PushStatus.RECORDED),
        (True, None, None, PushStatus.RECORDED),
        (False, None, "t1", PushStatus.NO_OPENID),
        (False, "o1", None, PushStatus.NOT_CONFIGURED),
        (False, "o1", "t1", None),  # send it
    ],
)
def test_push_decision(record_only: bool, openid: str | None, template: str | None, expected: object) -> None:
    assert push_decision(record_only=record_only, openid=openid, template_id=template) == expected
