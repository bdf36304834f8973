import pytest

from chatbot.onboarding.config import OnboardingSettings
from chatbot.settings import SettingsError, parse_app_config


def test_onboarding_is_on_by_default() -> None:
    assert parse_app_config({}).onboarding == OnboardingSettings(
        welcome=True, welcome_text=None, checklist=True
    )


def test_onboarding_options_from_toml() -> None:
    config = parse_app_config(
        {"onboarding": {"welcome": False, "welcome_text": "  Hej {user}!  ", "checklist": False}}
    )
    assert config.onboarding == OnboardingSettings(welcome=False, welcome_text="Hej {user}!", checklist=False)


@pytest.mark.parametrize(
    ("onboarding", "mentions"),
    [
        ({"welcome": "yes"}, "[onboarding] welcome must be true or false"),
        ({"checklist": 1}, "[onboarding] checklist must be true or false"),
        ({"welcome_text": ""}, "[onboarding] welcome_text must be a non-empty string"),
        ({"welcome_text": "x" * 2001}, "[onboarding] welcome_text must be at most 2000 characters"),
        ({"welcom": True}, "[onboarding] has unknown keys: welcom"),
        ("on", "[onboarding] must be a table"),
    ],
)
def test_bad_onboarding_values_name_the_key(onboarding: object, mentions: str) -> None:
    with pytest.raises(SettingsError) as raised:
        parse_app_config({"onboarding": onboarding})
    assert mentions in str(raised.value)
