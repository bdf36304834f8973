"""Working-day arithmetic in a person's own timezone: weekends, holidays, working hours.

Pure functions over plain data. A working day counts whole (all 24 local hours), so "2 working days"
from Friday 16:00 ends on Tuesday 16:00, and a contribution opened on Saturday starts its clock at Monday
00:00. Days are cut at local midnight with zoneinfo and measured in real elapsed time, so a DST change
neither adds nor loses an hour. See docs/decisions/0009-nudge-sla-working-days.md.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # as date.weekday() counts
MAX_DAYS_SCANNED = 3660  # ten years: anything older is "very long" and not worth walking day by day


@dataclass(frozen=True)
class WorkCalendar:
    workdays: frozenset[int] = frozenset(range(5))  # Monday = 0
    holidays: frozenset[date] = frozenset()
    start: time = time(9, 0)
    end: time = time(18, 0)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() in self.workdays and day not in self.holidays


def zone(name: str | None, fallback: str = "UTC") -> ZoneInfo:
    """The named IANA zone; the fallback for an empty or unknown name (a Slack profile can be odd)."""
    for candidate in (name, fallback, "UTC"):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ValueError, KeyError):  # ZoneInfoNotFoundError is a KeyError
                continue
    return ZoneInfo("UTC")


def local_date(at: datetime, tz: ZoneInfo) -> date:
    return at.astimezone(tz).date()


def is_working_time(at: datetime, tz: ZoneInfo, calendar: WorkCalendar) -> bool:
    """A working day in `tz`, between the calendar's start (inclusive) and end (exclusive) local time."""
    local = at.astimezone(tz)
    return calendar.is_working_day(local.date()) and calendar.start <= local.time() < calendar.end


def working_days_between(start: datetime, end: datetime, tz: ZoneInfo, calendar: WorkCalendar) -> float:
    """Working days elapsed from `start` to `end`, as seen in `tz`: the share of each local working day
    that lies between them, summed. Weekends and holidays count nothing; 0 when `end` is not later."""
    if end <= start:
        return 0.0
    if (end - start).days > MAX_DAYS_SCANNED:
        start = end - timedelta(days=MAX_DAYS_SCANNED)
    total = 0.0
    for day, day_start, day_end in _days(start, end, tz):
        if not calendar.is_working_day(day):
            continue
        overlap = min(end, day_end) - max(start, day_start)
        total += overlap / (day_end - day_start)
    return total


def add_working_days(start: datetime, days: float, tz: ZoneInfo, calendar: WorkCalendar) -> datetime:
    """The instant at which `days` working days have elapsed since `start` (the inverse of
    `working_days_between`). With no working day in sight (a calendar without workdays), ten years on."""
    left = max(days, 0.0)
    cursor = start.astimezone(UTC)
    for _ in range(MAX_DAYS_SCANNED):
        day, day_start, day_end = _day_of(cursor, tz)
        if calendar.is_working_day(day):
            available = (day_end - cursor) / (day_end - day_start)
            if left <= available:
                return cursor + (day_end - day_start) * left
            left -= available
        cursor = day_end
    return cursor


def describe_working_days(days: float) -> str:
    """A friendly length: "3 hours" under a day, then "1.5 working days"."""
    if days < 1:
        hours = round(days * 24)
        return "under an hour" if hours < 1 else f"{hours} hour{'s' if hours != 1 else ''}"
    rounded = round(days, 1)
    shown = f"{rounded:g}"
    return f"{shown} working day{'s' if shown != '1' else ''}"


def _day_of(at: datetime, tz: ZoneInfo) -> tuple[date, datetime, datetime]:
    """The local date of `at` in `tz`, with its first and last instant (UTC; the next day's midnight)."""
    day = at.astimezone(tz).date()
    return day, _midnight(day, tz), _midnight(day + timedelta(days=1), tz)


def _days(start: datetime, end: datetime, tz: ZoneInfo) -> Iterator[tuple[date, datetime, datetime]]:
    day, day_start, day_end = _day_of(start, tz)
    while day_start < end:
        yield day, day_start, day_end
        day = day + timedelta(days=1)
        day_start, day_end = day_end, _midnight(day + timedelta(days=1), tz)


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    # In UTC, so that subtracting two of them measures real time (same-zone aware datetimes subtract
    # as wall-clock times, which would make a DST day 24 hours long).
    return datetime.combine(day, time(0), tz).astimezone(UTC)
