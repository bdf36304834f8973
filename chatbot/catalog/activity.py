"""The Repository Activity Score of the InnerSource Commons pattern, ported from its JavaScript.

The PyPI package `repo-activity-score` diverges from the pattern (operator precedence, bool added as
a count), so this follows the pattern's `calculateScore(repo)` instead.
"""

import math
from dataclasses import dataclass
from datetime import datetime

ACTIVITY_BANDS: tuple[tuple[int, str], ...] = (
    (2500, "Extremely high"),
    (1000, "Very high"),
    (300, "High"),
    (150, "Moderate"),
    (50, "Low"),
    (5, "Very low"),
)


@dataclass(frozen=True)
class ActivityInputs:
    forks: int
    subscribers: int
    stars: int
    open_issues: int
    created_at: datetime | None
    updated_at: datetime | None
    participation: tuple[int, ...] = ()
    description: str = ""
    motivation: str = ""
    has_guidelines: bool = False


def activity_score(repo: ActivityInputs, now: datetime) -> int:
    score = 50.0
    score += 5 * repo.forks + repo.subscribers + repo.stars / 3 + repo.open_issues / 5

    days_updated = _days_between(repo.updated_at, now)
    days_created = _days_between(repo.created_at, now)
    score *= 1 + (100 - min(days_updated, 100)) / 100

    if repo.participation:
        last_weeks = repo.participation[-13:]
        average = sum(last_weeks) / 13
        score *= 1 + min(max(average - 3, 0), 7) / 7

    score += (1000 - min(days_updated, 365) * 2.74) * (365 - min(days_created, 365)) / 365

    if len(repo.description) > 30 or len(repo.motivation) > 30:
        score += 50
    if repo.has_guidelines:
        score += 100
    if score > 3000:
        score = 3000 + math.log(score) * 100
    # JavaScript's Math.round rounds halves up, Python's round() to even.
    return math.floor(score - 50 + 0.5)


def activity_band(score: int) -> str:
    for threshold, label in ACTIVITY_BANDS:
        if score > threshold:
            return label
    return "None"


def _days_between(then: datetime | None, now: datetime) -> float:
    # A missing date counts as long ago: no recency bonus, no "new project" boost.
    if then is None:
        return 10_000.0
    return max((now - then).total_seconds() / 86_400, 0.0)
