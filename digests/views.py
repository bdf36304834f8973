"""The subscription edit modal."""

from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from chatbot.slack.blocks import (
    Block,
    plain,
)


class SubscriptionAction(StrEnum):
    """The buttons of subscription replies and listings; EDIT is also the edit form's callback id."""

    UNSUBSCRIBE = "unsubscribe"
    EDIT = "edit_subscription"


FREQUENCY_OPTIONS = (("daily", "Daily"), ("weekly", "Weekly"), ("monthly", "Monthly"))
WEEKDAY_OPTIONS = (
    ("mon", "Monday"),
    ("tue", "Tuesday"),
    ("wed", "Wednesday"),
    ("thu", "Thursday"),
    ("fri", "Friday"),
    ("sat", "Saturday"),
    ("sun", "Sunday"),
)


def _option(value: str, label: str) -> dict[str, Any]:
    return {"text": plain(label), "value": value}


def _select(action_id: str, options: Sequence[tuple[str, str]], initial: str) -> dict[str, Any]:
    choices = [_option(v, label) for v, label in options]
    chosen = next((c for c in choices if c["value"] == initial), choices[0])
    return {"type": "static_select", "action_id": action_id, "options": choices, "initial_option": chosen}


def _input(block_id: str, label: str, element: dict[str, Any], hint: str | None = None) -> Block:
    block: Block = {"type": "input", "block_id": block_id, "label": plain(label), "element": element}
    if hint:
        block["hint"] = plain(hint, 150)
    return block


def subscription_edit_modal(
    subscription_id: int,
    frequency: str,
    weekday: str,
    day_of_month: int,
    time_of_day: str,
    filters: str,
    tz: str,
) -> dict[str, Any]:
    """A modal to change one subscription; `private_metadata` carries its id."""
    return {
        "type": "modal",
        "callback_id": SubscriptionAction.EDIT,
        "private_metadata": str(subscription_id),
        "title": plain("Edit digest", 24),
        "submit": plain("Save", 24),
        "close": plain("Cancel", 24),
        "blocks": [
            _input("frequency", "How often", _select("value", FREQUENCY_OPTIONS, frequency)),
            _input("weekday", "Weekday (weekly digests)", _select("value", WEEKDAY_OPTIONS, weekday)),
            _input(
                "day",
                "Day of the month (monthly digests)",
                {"type": "plain_text_input", "action_id": "value", "initial_value": str(day_of_month)},
                "1 to 31; on the 29th to 31st shorter months get it on their last day.",
            ),
            _input(
                "time",
                f"Time ({tz})",
                {"type": "timepicker", "action_id": "value", "initial_time": time_of_day},
            ),
            {
                "type": "input",
                "block_id": "filters",
                "optional": True,
                "label": plain("Filters, as in find"),
                "hint": plain("e.g. lang:python topic:auth has:good-first-issue", 150),
                "element": {
                    "type": "plain_text_input",
                    "action_id": "value",
                    "initial_value": filters[:3000],
                    "max_length": 500,
                },
            },
        ],
    }
