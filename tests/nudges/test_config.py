"""The `[nudges]` table of innersource.toml: defaults, values, and problems that name the key."""

import tomllib
from datetime import date, time
from pathlib import Path

import pytest

from chatbot.nudges.config import NudgeSettings
from chatbot.settings import SettingsError, load_settings, parse_app_config


def test_defaults_without_a_nudges_table() -> None:
    nudges = parse_app_config({}).nudges
    assert nudges == NudgeSettings()
    assert (nudges.enabled, nudges.work_start, nudges.work_end) == (True, time(9), time(18))
    assert nudges.calendar.workdays == frozenset(range(5)) and nudges.author_nudge_days is None


def test_every_key_is_read(tmp_path: Path) -> None:
    config = tmp_path / "innersource.toml"
    config.write_text(
        """
[defaults]
review_sla_days = 3

[nudges]
enabled = true
working_hours = "08:30-17:00"
workdays = ["sun", "mon", "tue", "wed", "thu"]
holidays = ["2026-12-25", 2027-01-01]
mapping_file = "people.toml"
bot_logins = ["CI-Runner"]
author_nudge_days = 5
on_it_days = 3
interval_minutes = 10
"""
    )
    settings = load_settings(environ={"INNERSOURCE_CONFIG": str(config)}, dotenv_path=tmp_path / ".env")
    assert settings.app.review_sla_days == 3
    nudges = settings.app.nudges
    assert (nudges.work_start, nudges.work_end) == (time(8, 30), time(17, 0))
    assert nudges.workdays == frozenset({6, 0, 1, 2, 3})
    assert nudges.holidays == frozenset({date(2026, 12, 25), date(2027, 1, 1)})
    assert nudges.mapping_file == Path("people.toml")
    assert nudges.bot_logins == ("ci-runner",)
    assert (nudges.author_nudge_days, nudges.on_it_days, nudges.interval_minutes) == (5.0, 3.0, 10)


@pytest.mark.parametrize(
    ("toml", "mentions"),
    [
        ('working_hours = "18:00-09:00"', "[nudges] working_hours"),
        ('working_hours = "9-5"', '"09:00-18:00"'),
        ('workdays = ["monday", "funday"]', "[nudges] workdays"),
        ('holidays = ["Christmas"]', "[nudges] holidays"),
        ("enabled = 1", "[nudges] enabled"),
        ("bot_logins = 'ci'", "[nudges] bot_logins"),
        ("author_nudge_days = 0", "[nudges] author_nudge_days"),
        ("on_it_days = 100", "[nudges] on_it_days"),
        ("interval_minutes = 0", "[nudges] interval_minutes"),
        ("mapping_file = ''", "[nudges] mapping_file"),
        ("snooze = true", "unknown keys: snooze"),
    ],
)
def test_bad_values_name_the_key(toml: str, mentions: str) -> None:
    with pytest.raises(SettingsError) as raised:
        parse_app_config(tomllib.loads(f"[nudges]\n{toml}\n"))
    assert mentions in str(raised.value)


def test_nudges_must_be_a_table() -> None:
    with pytest.raises(SettingsError, match=r"\[nudges\] must be a table"):
        parse_app_config({"nudges": "on"})
