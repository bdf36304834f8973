"""The `[nudges]` table of innersource.toml. Validation messages name the key and show a good value."""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from chatbot.nudges.calendar import WEEKDAYS, WorkCalendar

_HOURS = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)\s*-\s*([01]\d|2[0-4]):([0-5]\d)$")


@dataclass(frozen=True)
class NudgeSettings:
    enabled: bool = True
    work_start: time = time(9, 0)
    work_end: time = time(18, 0)
    workdays: frozenset[int] = frozenset(range(5))
    holidays: frozenset[date] = frozenset()
    mapping_file: Path | None = None
    bot_logins: tuple[str, ...] = ()
    author_nudge_days: float | None = None  # None: never nudge authors
    on_it_days: float = 5.0  # working days that "I'm on it" holds nudges back
    interval_minutes: int = 15
    escalate_at: float = 2.0  # multiples of the SLA
    channel_at: float = 3.0

    @property
    def calendar(self) -> WorkCalendar:
        return WorkCalendar(self.workdays, self.holidays, self.work_start, self.work_end)


def parse_nudges(raw: object, problems: list[str]) -> NudgeSettings:
    """Read `[nudges]`; problems are appended (each naming its key) and defaults used in their place."""
    if raw is None:
        return NudgeSettings()
    if not isinstance(raw, Mapping):
        problems.append("[nudges] must be a table")
        return NudgeSettings()
    default = NudgeSettings()
    values: dict[str, Any] = {}

    enabled = raw.get("enabled", True)
    if isinstance(enabled, bool):
        values["enabled"] = enabled
    else:
        problems.append("[nudges] enabled must be true or false")

    hours = raw.get("working_hours", "09:00-18:00")
    match = _HOURS.match(hours) if isinstance(hours, str) else None
    start = end = None
    if match:
        start = time(int(match[1]), int(match[2]))
        end = time(23, 59, 59) if match[3] == "24" else time(int(match[3]), int(match[4]))
    if start is None or end is None or start >= end:
        problems.append('[nudges] working_hours must be "HH:MM-HH:MM", start first, e.g. "09:00-18:00"')
    else:
        values["work_start"], values["work_end"] = start, end

    workdays = raw.get("workdays", list(WEEKDAYS[:5]))
    names = [str(d).lower()[:3] for d in workdays] if isinstance(workdays, list) else []
    if not names or any(n not in WEEKDAYS for n in names):
        problems.append('[nudges] workdays must be a list of weekdays, e.g. ["mon", "tue", "wed", "thu"]')
    else:
        values["workdays"] = frozenset(WEEKDAYS.index(n) for n in names)

    holidays = raw.get("holidays", [])
    parsed = _dates(holidays)
    if parsed is None:
        problems.append('[nudges] holidays must be a list of dates, e.g. ["2026-12-25", "2027-01-01"]')
    else:
        values["holidays"] = frozenset(parsed)

    mapping = raw.get("mapping_file")
    if mapping is not None:
        if isinstance(mapping, str) and mapping.strip():
            values["mapping_file"] = Path(mapping)
        else:
            problems.append('[nudges] mapping_file must be a path, e.g. "people.toml"')

    bots = raw.get("bot_logins", [])
    if isinstance(bots, list) and all(isinstance(b, str) and b for b in bots):
        values["bot_logins"] = tuple(b.lower() for b in bots)
    else:
        problems.append('[nudges] bot_logins must be a list of logins, e.g. ["ci-runner"]')

    author = raw.get("author_nudge_days")
    if author is not None:
        if _number(author) and 0 < author <= 60:
            values["author_nudge_days"] = float(author)
        else:
            problems.append("[nudges] author_nudge_days must be a number of working days from 1 to 60")

    for key, low, high, unit in (
        ("on_it_days", 0.5, 60, "working days"),
        ("escalate_at", 1, 20, "times the SLA"),
        ("channel_at", 1, 30, "times the SLA"),
    ):
        value = raw.get(key, getattr(default, key))
        if _number(value) and low <= value <= high:
            values[key] = float(value)
        else:
            problems.append(f"[nudges] {key} must be a number of {unit} from {low:g} to {high:g}")

    interval = raw.get("interval_minutes", default.interval_minutes)
    if isinstance(interval, int) and not isinstance(interval, bool) and 1 <= interval <= 240:
        values["interval_minutes"] = interval
    else:
        problems.append("[nudges] interval_minutes must be a whole number of minutes from 1 to 240")

    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        known = ", ".join(sorted(_KEYS))
        problems.append(f"[nudges] has unknown keys: {', '.join(unknown)} (known: {known})")
    return NudgeSettings(**values)


_KEYS = {
    "enabled",
    "working_hours",
    "workdays",
    "holidays",
    "mapping_file",
    "bot_logins",
    "author_nudge_days",
    "on_it_days",
    "escalate_at",
    "channel_at",
    "interval_minutes",
}


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _dates(value: object) -> list[date] | None:
    if not isinstance(value, list):
        return None
    found: list[date] = []
    for item in value:
        if isinstance(item, date):
            found.append(item.date() if isinstance(item, datetime) else item)
            continue
        try:
            found.append(date.fromisoformat(str(item)))
        except ValueError:
            return None
    return found
