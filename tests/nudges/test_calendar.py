"""Working days in a person's own timezone: weekends, holidays, working hours, DST."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from chatbot.nudges.calendar import (
    WorkCalendar,
    add_working_days,
    describe_working_days,
    is_working_time,
    working_days_between,
    zone,
)

UTC_ZONE = ZoneInfo("UTC")
BERLIN = ZoneInfo("Europe/Berlin")
WEEK = WorkCalendar()


def utc(month: int, day: int, hour: int = 0, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("start", "end", "tz", "calendar", "days"),
    [
        pytest.param(utc(11, 16, 10), utc(11, 17, 10), UTC_ZONE, WEEK, 1.0, id="Monday to Tuesday"),
        pytest.param(utc(11, 13, 16), utc(11, 16, 16), UTC_ZONE, WEEK, 1.0, id="over a weekend"),
        pytest.param(utc(11, 14, 9), utc(11, 16, 12), UTC_ZONE, WEEK, 0.5, id="opened on Saturday"),
        pytest.param(utc(11, 14, 9), utc(11, 15, 20), UTC_ZONE, WEEK, 0.0, id="all weekend"),
        pytest.param(
            utc(11, 13, 16),
            utc(11, 17, 16),
            UTC_ZONE,
            WorkCalendar(holidays=frozenset({date(2026, 11, 16)})),
            1.0,
            id="a holiday Monday",
        ),
        pytest.param(
            utc(11, 15, 10),
            utc(11, 16, 10),
            UTC_ZONE,
            WorkCalendar(workdays=frozenset({6, 0, 1, 2, 3})),
            1.0,
            id="a Sunday-to-Thursday week",
        ),
        # 23:00 UTC on Friday is already Saturday in Berlin: nothing counts until Monday there.
        pytest.param(utc(11, 13, 23), utc(11, 16, 11), BERLIN, WEEK, 0.5, id="the weekend in Berlin"),
        pytest.param(utc(11, 16, 10), utc(11, 16, 9), UTC_ZONE, WEEK, 0.0, id="end before start"),
    ],
)
def test_working_days_between(
    start: datetime, end: datetime, tz: ZoneInfo, calendar: WorkCalendar, days: float
) -> None:
    assert working_days_between(start, end, tz, calendar) == pytest.approx(days)


def test_a_dst_day_is_still_one_working_day() -> None:
    # CEST ends on Sunday 25 October 2026; the week around it has its usual five working days.
    start = datetime(2026, 10, 23, 12, 0, tzinfo=BERLIN)
    end = datetime(2026, 10, 30, 12, 0, tzinfo=BERLIN)
    assert working_days_between(start, end, BERLIN, WEEK) == pytest.approx(5.0)
    # Spring: CEST starts on Sunday 29 March 2026; Monday the 30th counts whole, not 23/24 or 25/24.
    assert working_days_between(
        datetime(2026, 3, 27, 0, 0, tzinfo=BERLIN), datetime(2026, 3, 31, 0, 0, tzinfo=BERLIN), BERLIN, WEEK
    ) == pytest.approx(2.0)


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        pytest.param(utc(11, 13, 16), 2, utc(11, 17, 16), id="Friday afternoon plus two: Tuesday"),
        pytest.param(utc(11, 14, 9), 1, utc(11, 17, 0), id="Saturday plus one: Tuesday 00:00"),
        pytest.param(utc(11, 16, 10), 0.5, utc(11, 16, 22), id="half a day"),
    ],
)
def test_add_working_days_is_the_inverse(start: datetime, days: float, due: datetime) -> None:
    assert add_working_days(start, days, UTC_ZONE, WEEK) == due
    assert working_days_between(start, due, UTC_ZONE, WEEK) == pytest.approx(days)


@pytest.mark.parametrize(
    ("at", "tz", "working"),
    [
        pytest.param(utc(11, 16, 8, 30), BERLIN, True, id="Monday 09:30 in Berlin"),
        pytest.param(utc(11, 16, 7, 59), BERLIN, False, id="Monday 08:59 in Berlin"),
        pytest.param(utc(11, 16, 17), BERLIN, False, id="Monday 18:00 in Berlin: the end is exclusive"),
        pytest.param(utc(11, 16, 2), ZoneInfo("Asia/Tokyo"), True, id="Monday 11:00 in Tokyo"),
        pytest.param(utc(11, 16, 2), ZoneInfo("America/Chicago"), False, id="Sunday 20:00 in Chicago"),
        pytest.param(utc(11, 14, 10), UTC_ZONE, False, id="Saturday 10:00"),
    ],
)
def test_is_working_time(at: datetime, tz: ZoneInfo, working: bool) -> None:
    assert is_working_time(at, tz, WEEK) is working


def test_configured_hours_and_an_unknown_timezone() -> None:
    early = WorkCalendar(start=time(7, 0), end=time(15, 0))
    assert is_working_time(utc(11, 16, 7), UTC_ZONE, early)
    assert not is_working_time(utc(11, 16, 15), UTC_ZONE, early)
    assert zone("Mars/Olympus_Mons", "Europe/Berlin") == BERLIN
    assert zone(None) == UTC_ZONE


@pytest.mark.parametrize(
    ("days", "text"),
    [(0.01, "under an hour"), (0.125, "3 hours"), (1.0, "1 working day"), (2.46, "2.5 working days")],
)
def test_describe_working_days(days: float, text: str) -> None:
    assert describe_working_days(days) == text
