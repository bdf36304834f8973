"""The `[onboarding]` table of innersource.toml. Validation messages name the key and show a good value."""

from collections.abc import Mapping
from dataclasses import dataclass

MAX_WELCOME_TEXT = 2000


@dataclass(frozen=True)
class OnboardingSettings:
    welcome: bool = True  # DM newcomers on team_join
    welcome_text: str | None = None  # mrkdwn; `{user}` becomes a mention of the newcomer
    checklist: bool = True  # the four getting-started steps in the welcome, ticked off as they are done


def parse_onboarding(raw: object, problems: list[str]) -> OnboardingSettings:
    """Read `[onboarding]`; problems are appended (each naming its key) and defaults used in their place."""
    if raw is None:
        return OnboardingSettings()
    if not isinstance(raw, Mapping):
        problems.append("[onboarding] must be a table")
        return OnboardingSettings()
    default = OnboardingSettings()
    welcome, checklist = raw.get("welcome", True), raw.get("checklist", True)
    if not isinstance(welcome, bool):
        problems.append("[onboarding] welcome must be true or false")
        welcome = default.welcome
    if not isinstance(checklist, bool):
        problems.append("[onboarding] checklist must be true or false")
        checklist = default.checklist
    text = raw.get("welcome_text")
    if text is not None and (not isinstance(text, str) or not text.strip()):
        problems.append('[onboarding] welcome_text must be a non-empty string, e.g. "Welcome, {user}!"')
        text = None
    elif isinstance(text, str) and len(text) > MAX_WELCOME_TEXT:
        problems.append(f"[onboarding] welcome_text must be at most {MAX_WELCOME_TEXT} characters")
        text = None
    unknown = sorted(set(raw) - {"welcome", "welcome_text", "checklist"})
    if unknown:
        problems.append(
            f"[onboarding] has unknown keys: {', '.join(unknown)} (known: welcome, welcome_text, checklist)"
        )
    return OnboardingSettings(
        welcome=welcome, welcome_text=text.strip() if text else None, checklist=checklist
    )
