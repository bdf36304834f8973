"""The Repository Activity Score, checked against values worked out by hand.

Formula (research/innersource-portal.md §1.4, the pattern's JavaScript `calculateScore`):

    s  = 50 + 5*forks + subscribers + stars/3 + open_issues/5
    s *= 1 + (100 - min(dU, 100)) / 100                      # dU = days since updated
    s *= 1 + min(max(avg13 - 3, 0), 7) / 7                   # avg13 = sum(last 13 weeks) / 13
    s += (1000 - min(dU, 365) * 2.74) * (365 - min(dC, 365)) / 365   # dC = days since created
    s += 50 if description or motivation is longer than 30 characters
    s += 100 if there are contribution guidelines
    s  = 3000 + 100 * ln(s) if s > 3000
    score = Math.round(s - 50)                               # halves round up
"""

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest

from chatbot.catalog.activity import ActivityInputs, activity_band, activity_score
from tests.conftest import FIXED_NOW

NOW = FIXED_NOW


def days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def old_repo(**changes: Any) -> ActivityInputs:
    """Created long ago and last updated 200 days ago: recency ×1 and no new-project boost."""
    base = ActivityInputs(
        forks=0, subscribers=0, stars=0, open_issues=0, created_at=days_ago(1000), updated_at=days_ago(200)
    )
    return replace(base, **changes)


def test_brand_new_active_repo_gets_the_new_project_boost() -> None:
    repo = ActivityInputs(
        forks=2,
        subscribers=3,
        stars=9,
        open_issues=5,
        created_at=days_ago(10),
        updated_at=NOW,
        participation=(0,) * 39 + (10,) * 13,
        description="A library that renews OAuth tokens for you.",  # 44 characters
        has_guidelines=True,
    )
    # s = 50 + 5*2 + 3 + 9/3 + 5/5          = 67
    # recency dU = 0:   × (1 + 100/100)     = 134
    # participation avg 130/13 = 10: × 2    = 268
    # boost (1000 - 0) * (365 - 10) / 365   = 972.6027...  -> 1240.6027...
    # description > 30: +50                 = 1290.6027...
    # guidelines: +100                      = 1390.6027...
    # round(1390.6027 - 50)                 = 1341
    assert activity_score(repo, NOW) == 1341
    assert activity_band(1341) == "Very high"


def test_old_quiet_repo_scores_low() -> None:
    repo = ActivityInputs(
        forks=1,
        subscribers=2,
        stars=30,
        open_issues=10,
        created_at=days_ago(2000),
        updated_at=days_ago(400),
        participation=(0,) * 39 + (2,) * 13,
        description="Old tool.",
    )
    # s = 50 + 5 + 2 + 30/3 + 10/5 = 69
    # recency dU = 400 > 100: × 1; participation avg 2 < 3: × 1
    # boost (1000 - 365*2.74) * (365 - 365) / 365 = 0; short description, no guidelines
    # round(69 - 50) = 19
    assert activity_score(repo, NOW) == 19
    assert activity_band(19) == "Very low"


def test_missing_dates_count_as_long_ago() -> None:
    repo = ActivityInputs(forks=0, subscribers=0, stars=0, open_issues=0, created_at=None, updated_at=None)
    # s = 50, no recency bonus, no boost: round(50 - 50) = 0
    assert activity_score(repo, NOW) == 0
    assert activity_band(0) == "None"


def test_very_active_repo_is_log_compressed_above_3000() -> None:
    repo = ActivityInputs(
        forks=200,
        subscribers=100,
        stars=600,
        open_issues=50,
        created_at=days_ago(1000),
        updated_at=NOW,
        participation=(10,) * 13,
        description="The platform everyone builds their services on.",
        has_guidelines=True,
    )
    # s = 50 + 1000 + 100 + 200 + 10 = 1360
    # recency × 2 = 2720; participation avg 10: × 2 = 5440; boost 0 (created > 365 days ago)
    # +50 description +100 guidelines = 5590 > 3000
    # 3000 + 100 * ln(5590) = 3000 + 100 * 8.62873 = 3862.87; round(3812.87) = 3813
    assert activity_score(repo, NOW) == 3813
    assert activity_band(3813) == "Extremely high"


def test_log_compression_is_discontinuous_at_3000() -> None:
    # s = 50 + 5*590 = 3000, not above 3000: round(3000 - 50) = 2950
    assert activity_score(old_repo(forks=590), NOW) == 2950
    # s = 50 + 5*590 + 1 = 3001 -> 3000 + 100 * ln(3001) = 3000 + 800.670 = 3800.670; round(3750.67) = 3751
    assert activity_score(old_repo(forks=590, subscribers=1), NOW) == 3751


@pytest.mark.parametrize(
    ("participation", "expected"),
    [
        # base s = 50 + 20 subscribers = 70, recency × 1, no boost
        pytest.param((), 20, id="no-participation-data"),  # 70 - 50
        pytest.param((2,) * 13, 20, id="avg-2-below-3"),  # × 1
        pytest.param((3,) * 13, 20, id="avg-3-exactly"),  # × (1 + 0/7)
        pytest.param((5,) * 13, 40, id="avg-5"),  # × (1 + 2/7): 70 * 9/7 = 90; 90 - 50
        pytest.param((10,) * 13, 90, id="avg-10"),  # × (1 + 7/7): 140; 140 - 50
        pytest.param((30,) * 13, 90, id="avg-30-capped-at-10"),  # min(27, 7)/7 = 1: × 2
        pytest.param((100,) * 39 + (0,) * 13, 20, id="only-last-13-weeks-count"),  # avg 0: × 1
        pytest.param((26,), 20, id="short-list-still-divided-by-13"),  # 26/13 = 2: × 1
    ],
)
def test_commit_participation_multiplier(participation: tuple[int, ...], expected: int) -> None:
    assert activity_score(old_repo(subscribers=20, participation=participation), NOW) == expected


def test_rounds_halves_up_like_javascript() -> None:
    repo = old_repo(subscribers=1, updated_at=days_ago(50))
    # s = 50 + 1 = 51; recency dU = 50: × (1 + 50/100) = 76.5; boost 0 (created 1000 days ago)
    # Math.round(76.5 - 50) = Math.round(26.5) = 27 (Python's round() would give 26)
    assert activity_score(repo, NOW) == 27


@pytest.mark.parametrize(
    ("description", "motivation", "expected"),
    [
        ("x" * 30, "", 0),  # 50 - 50: 30 characters is not "longer than 30"
        ("x" * 31, "", 50),  # +50
        ("", "y" * 31, 50),  # motivation counts too
        ("x" * 31, "y" * 31, 50),  # the bonus is given once
    ],
)
def test_description_bonus_needs_more_than_30_characters(
    description: str, motivation: str, expected: int
) -> None:
    assert activity_score(old_repo(description=description, motivation=motivation), NOW) == expected


def test_guidelines_add_100() -> None:
    # 50 + 100 = 150; round(150 - 50) = 100
    assert activity_score(old_repo(has_guidelines=True), NOW) == 100


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (4000, "Extremely high"),
        (2501, "Extremely high"),
        (2500, "Very high"),
        (1001, "Very high"),
        (1000, "High"),
        (301, "High"),
        (300, "Moderate"),
        (151, "Moderate"),
        (150, "Low"),
        (51, "Low"),
        (50, "Very low"),
        (6, "Very low"),
        (5, "None"),
        (0, "None"),
        (-7, "None"),
    ],
)
def test_activity_band_thresholds(score: int, band: str) -> None:
    assert activity_band(score) == band
