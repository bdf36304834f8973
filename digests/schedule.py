"""When a subscription's digests are due: parsing `/innersource subscribe ...`, next run times, periods.

Pure functions over plain data. Times are computed in the subscription's own timezone with zoneinfo, so
"Monday 09:00" stays 09:00 local across DST changes; a monthly digest on the 29th–31st falls on the last
day of shorter months. The same `next_run` drives APScheduler (`DigestTrigger`), previews and tests.
"""

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

if TYPE_CHECKING:
    from chatbot.models import Subscription

FREQUENCIES = ("daily", "weekly", "monthly")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # Monday first, as date.weekday() counts
WEEKDAY_NAMES = {
    **{d: d for d in WEEKDAYS},
    **{name.lower(): WEEKDAYS[i] for i, name in enumerate(calendar.day_name)},
    "tues": "tue",
    "thur": "thu",
    "thurs": "thu",
}
TIME = re.compile(r"^(\d{1,2})(?::(\d{2}))?\s*(am|pm)?$")
MAX_FILTERS_LENGTH = 500  # as much as the Edit modal's filters field takes


class ScheduleError(ValueError):
    """Bad schedule words; the message is written for the person who typed them."""


@dataclass(frozen=True)
class Schedule:
    frequency: str = "weekly"
    weekday: str = "mon"
    day_of_month: int = 1
    time_of_day: str = "09:00"
    timezone: str = "UTC"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def describe(self) -> str:
        when = {
            "daily": "every day",
            "weekly": f"every {calendar.day_name[WEEKDAYS.index(self.weekday)]}",
            "monthly": f"on day {self.day_of_month} of every month"
            + (" (or its last day)" if self.day_of_month > 28 else ""),
        }[self.frequency]
        return f"{when} at {self.time_of_day} ({self.timezone})"


@dataclass(frozen=True)
class SubscribeRequest:
    schedule: Schedule
    filters: str  # the find-style filters and words, as typed (normalised spacing)


def subscription_schedule(subscription: "Subscription") -> Schedule:
    return Schedule(
        frequency=subscription.frequency,
        weekday=subscription.weekday,
        day_of_month=subscription.day_of_month or 1,
        time_of_day=subscription.time_of_day,
        timezone=subscription.timezone,
    )


def parse_subscribe(text: str, *, timezone: str, default_time: str = "09:00") -> SubscribeRequest:
    """`[daily|weekly|monthly] [on <weekday>|on <day>] [at <HH:MM>] [filters...]`, in any order."""
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        timezone = "UTC"
    frequency: str | None = None
    weekday: str | None = None
    day: int | None = None
    at = default_time
    rest: list[str] = []
    words = text.split()
    i = 0
    while i < len(words):
        word = words[i].lower()
        following = words[i + 1].lower() if i + 1 < len(words) else None
        if word in FREQUENCIES:
            frequency = word
        elif word in ("every", "each"):
            pass
        elif word == "on" and following is not None:
            weekday, day = _on(following, weekday, day)
            i += 1
        elif word in WEEKDAY_NAMES or word.rstrip("s") in WEEKDAY_NAMES:
            weekday = WEEKDAY_NAMES.get(word) or WEEKDAY_NAMES[word.rstrip("s")]
        elif word == "at" and following is not None:
            at = parse_time(
                following
                if i + 2 >= len(words) or words[i + 2].lower() not in ("am", "pm")
                else following + words[i + 2].lower()
            )
            i += 2 if i + 2 < len(words) and words[i + 2].lower() in ("am", "pm") else 1
        else:
            rest.append(words[i])
        i += 1
    if frequency is None:
        frequency = "monthly" if day is not None else "weekly"
    if frequency == "monthly" and weekday is not None and day is None:
        raise ScheduleError("A monthly digest takes a day of the month, e.g. `monthly on 1`.")
    if frequency == "weekly" and day is not None:
        raise ScheduleError("A weekly digest takes a weekday, e.g. `weekly on friday`.")
    if frequency == "daily" and (weekday is not None or day is not None):
        raise ScheduleError("A daily digest comes every day; leave out `on ...`.")
    schedule = Schedule(
        frequency=frequency,
        weekday=weekday or "mon",
        day_of_month=day or 1,
        time_of_day=at,
        timezone=timezone,
    )
    filters = " ".join(rest)
    if len(filters) > MAX_FILTERS_LENGTH:
        raise ScheduleError(
            f"Those filters are {len(filters)} characters long; "
            f"at most {MAX_FILTERS_LENGTH} fit in a subscription."
        )
    return SubscribeRequest(schedule=schedule, filters=filters)


def _on(word: str, weekday: str | None, day: int | None) -> tuple[str | None, int | None]:
    if word in WEEKDAY_NAMES or word.rstrip("s") in WEEKDAY_NAMES:
        return WEEKDAY_NAMES.get(word) or WEEKDAY_NAMES[word.rstrip("s")], day
    match = re.fullmatch(r"(\d{1,2})(st|nd|rd|th)?", word)
    if match and 1 <= int(match.group(1)) <= 31:
        return weekday, int(match.group(1))
    raise ScheduleError(
        f"I don't understand `on {word}`: use a weekday (`on friday`) or a day of the month (`on 15`)."
    )


def parse_time(word: str) -> str:
    match = TIME.match(word.strip().lower())
    if not match:
        raise ScheduleError(f"I don't understand the time `{word}`: use HH:MM, e.g. `at 09:30` or `at 4pm`.")
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if match.group(3):
        if not 1 <= hour <= 12:
            raise ScheduleError(f"`{word}` is not a time: with am/pm the hour is 1 to 12.")
        hour = hour % 12 + (12 if match.group(3) == "pm" else 0)
    if hour > 23 or minute > 59:
        raise ScheduleError(f"`{word}` is not a time of day: use 00:00 to 23:59.")
    return f"{hour:02d}:{minute:02d}"


def next_run(schedule: Schedule, after: datetime) -> datetime:
    """The first scheduled instant strictly after `after`, as aware UTC."""
    zone = schedule.zone
    local_after = after.astimezone(zone)
    hour, minute = (int(x) for x in schedule.time_of_day.split(":"))
    day = local_after.date()
    for _ in range(400):
        if _is_due_on(schedule, day):
            candidate = _local_instant(day, time(hour, minute), zone)
            if candidate > after:
                return candidate.astimezone(UTC)
        day += timedelta(days=1)
    raise AssertionError("no run within 400 days")  # every schedule has one within a month


def previous_run(schedule: Schedule, at_or_before: datetime) -> datetime | None:
    """The last scheduled instant at or before the given time (within the last 400 days)."""
    zone = schedule.zone
    hour, minute = (int(x) for x in schedule.time_of_day.split(":"))
    day = at_or_before.astimezone(zone).date()
    for _ in range(400):
        if _is_due_on(schedule, day):
            candidate = _local_instant(day, time(hour, minute), zone)
            if candidate <= at_or_before:
                return candidate.astimezone(UTC)
        day -= timedelta(days=1)
    return None


def period_key(schedule: Schedule, run_at: datetime) -> str:
    """One key per scheduled run: the local date it was due (unique for daily, weekly and monthly)."""
    return run_at.astimezone(schedule.zone).date().isoformat()


def _is_due_on(schedule: Schedule, day: date) -> bool:
    if schedule.frequency == "daily":
        return True
    if schedule.frequency == "weekly":
        return WEEKDAYS[day.weekday()] == schedule.weekday
    last = calendar.monthrange(day.year, day.month)[1]
    return day.day == min(schedule.day_of_month, last)


def _local_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """Local wall time → instant. A time skipped by a DST jump moves forward by the gap; a repeated one
    takes its first occurrence."""
    naive = datetime.combine(day, at)
    first = naive.replace(tzinfo=zone, fold=0)
    # A nonexistent local time does not round-trip; shift it by the gap.
    roundtrip = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    if roundtrip != naive:
        return (first.astimezone(UTC) + (naive - roundtrip)).astimezone(zone) if roundtrip < naive else first
    return first
