from datetime import UTC, datetime

import pytest

from digests.schedule import Schedule, ScheduleError, next_run, parse_subscribe, period_key, previous_run


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "frequency", "weekday", "day", "at", "filters"),
    [
        ("", "weekly", "mon", 1, "09:00", ""),
        ("daily", "daily", "mon", 1, "09:00", ""),
        ("weekly on friday at 16:30 lang:python", "weekly", "fri", 1, "16:30", "lang:python"),
        ("on Fridays at 4pm topic:auth sso", "weekly", "fri", 1, "16:00", "topic:auth sso"),
        ("every tuesday", "weekly", "tue", 1, "09:00", ""),
        ("monthly on 31st at 8:05", "monthly", "mon", 31, "08:05", ""),
        ("on 15", "monthly", "mon", 15, "09:00", ""),
        ("at 12am", "weekly", "mon", 1, "00:00", ""),
    ],
)
def test_parse_subscribe(text: str, frequency: str, weekday: str, day: int, at: str, filters: str) -> None:
    request = parse_subscribe(text, timezone="Europe/Berlin")
    schedule = request.schedule
    assert (schedule.frequency, schedule.weekday, schedule.day_of_month, schedule.time_of_day) == (
        frequency,
        weekday,
        day,
        at,
    )
    assert schedule.timezone == "Europe/Berlin"
    assert request.filters == filters


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("at 25:00", "not a time of day"),
        ("at teatime", "don't understand the time"),
        ("at 13pm", "1 to 12"),
        ("on someday", "don't understand `on someday`"),
        ("weekly on 3", "takes a weekday"),
        ("monthly on friday", "day of the month"),
        ("daily on monday", "every day"),
        ("weekly " + "lang:python " * 42, "503 characters long; at most 500 fit"),
    ],
)
def test_bad_schedules_are_explained(text: str, message: str) -> None:
    with pytest.raises(ScheduleError, match=message):
        parse_subscribe(text, timezone="UTC")


def test_unknown_timezone_falls_back_to_utc() -> None:
    assert parse_subscribe("", timezone="Mars/Olympus").schedule.timezone == "UTC"


def test_weekly_stays_at_local_time_across_dst() -> None:
    schedule = Schedule("weekly", "mon", 1, "09:00", "Europe/Berlin")
    assert next_run(schedule, utc(2026, 3, 20)) == utc(2026, 3, 23, 8)  # CET, UTC+1
    assert next_run(schedule, utc(2026, 3, 24)) == utc(2026, 3, 30, 7)  # CEST, UTC+2
    assert next_run(schedule, utc(2026, 10, 20)) == utc(2026, 10, 26, 8)  # back to CET


def test_monthly_on_the_31st_uses_the_last_day_of_short_months() -> None:
    schedule = Schedule("monthly", "mon", 31, "09:00", "America/New_York")
    runs = [next_run(schedule, utc(2026, 1, 31, 15))]
    for _ in range(3):
        runs.append(next_run(schedule, runs[-1]))
    assert [period_key(schedule, r) for r in runs] == ["2026-02-28", "2026-03-31", "2026-04-30", "2026-05-31"]


def test_a_time_skipped_by_dst_moves_forward() -> None:
    schedule = Schedule("daily", "mon", 1, "02:30", "Europe/Berlin")
    assert next_run(schedule, utc(2026, 3, 28, 12)) == utc(2026, 3, 29, 1, 30)  # 03:30 CEST


def test_next_run_is_strictly_after() -> None:
    schedule = Schedule("daily", "mon", 1, "09:00", "UTC")
    assert next_run(schedule, utc(2026, 11, 16, 9)) == utc(2026, 11, 17, 9)
    assert previous_run(schedule, utc(2026, 11, 16, 9)) == utc(2026, 11, 16, 9)
    assert previous_run(schedule, utc(2026, 11, 16, 8, 59)) == utc(2026, 11, 15, 9)


def test_describe() -> None:
    assert (
        Schedule("weekly", "fri", 1, "16:00", "Asia/Tokyo").describe() == "every Friday at 16:00 (Asia/Tokyo)"
    )
    assert "last day" in Schedule("monthly", "mon", 30, "09:00", "UTC").describe()
