"""The local console: Slack payloads through the real Bolt app, replies rendered for a terminal."""

import json
import re
import time
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlencode

from slack_bolt import App, BoltRequest

EMOJI = {
    ":raised_hand:": "✋",
    ":seedling:": "🌱",
    ":warning:": "⚠️",
    ":information_source:": "ℹ️",
    ":file_cabinet:": "🗄",
    ":mag:": "🔍",
    ":wave:": "👋",
    ":white_check_mark:": "✅",
    ":sparkles:": "✨",
    ":newspaper:": "📰",
    ":eyes:": "👀",
    ":lock:": "🔒",
    ":wastebasket:": "🗑",
    ":double_vertical_bar:": "⏸",
}
BOLD, DIM, RESET = "\033[1m", "\033[2m", "\033[0m"


class LocalSlack:
    """Runs `/innersource ...` as Slack would send it, through the same app and handlers."""

    def __init__(self, app: App, *, user_id: str = "ULOCAL", channel_id: str = "CLOCAL") -> None:
        self.app = app
        self.user_id = user_id
        self.channel_id = channel_id
        self._counter = 0

    def command(self, text: str) -> dict[str, Any]:
        self._counter += 1
        text = re.sub(r"^\s*/innersource\b", "", text).strip()
        body = urlencode(
            {
                "token": "local",
                "team_id": "TLOCAL",
                "team_domain": "local",
                "channel_id": self.channel_id,
                "channel_name": "console",
                "user_id": self.user_id,
                "user_name": "you",
                "command": "/innersource",
                "text": text,
                "response_url": f"http://127.0.0.1:9/commands/local/{self._counter}",
                "trigger_id": f"{self._counter}.local",
                "api_app_id": "ALOCAL",
            }
        )
        headers: dict[str, str | Sequence[str]] = {
            "content-type": ["application/x-www-form-urlencoded"],
            "x-slack-request-timestamp": [str(int(time.time()))],
        }
        response = self.app.dispatch(BoltRequest(body=body, headers=headers))
        if response.status != 200:
            return {"text": f"(the app answered HTTP {response.status}: {response.body})"}
        if not response.body:
            return {"text": "(acknowledged; the reply will come separately)"}
        try:
            message: dict[str, Any] = json.loads(response.body)
        except json.JSONDecodeError:
            return {"text": response.body}
        return message


def render_message(message: dict[str, Any], *, color: bool = False) -> str:
    blocks = message.get("blocks") or []
    if not blocks:
        return render_mrkdwn(str(message.get("text", "")), color=color)
    lines: list[str] = []
    for block in blocks:
        lines.extend(_render_block(block, color))
    return "\n".join(lines).rstrip()


def _render_block(block: dict[str, Any], color: bool) -> list[str]:
    kind = block.get("type")
    if kind == "header":
        title = block["text"]["text"]
        return [_style(title, BOLD, color), "=" * min(len(title), 72)]
    if kind == "section":
        out = [render_mrkdwn(block.get("text", {}).get("text", ""), color=color)]
        for field in block.get("fields", []):
            out.append(render_mrkdwn(field.get("text", ""), color=color))
        return out
    if kind == "context":
        parts = [
            render_mrkdwn(e.get("text", ""), color=color) for e in block.get("elements", []) if "text" in e
        ]
        return [_style("   " + "  |  ".join(p for p in parts if p), DIM, color)]
    if kind == "divider":
        return ["─" * 60]
    if kind == "actions":
        labels = []
        for element in block.get("elements", []):
            label = element.get("text", {}).get("text", "")
            labels.append(f"[{label}]" + (f" {element['url']}" if element.get("url") else ""))
        return ["   " + "  ".join(labels)]
    return []


def render_mrkdwn(text: str, *, color: bool = False) -> str:
    def link(match: re.Match[str]) -> str:
        target, _, label = match.group(1).partition("|")
        if target.startswith("@"):
            return "@" + target[1:]
        if target.startswith("#"):
            return "#" + (label or target[1:])
        if target.startswith("!date^"):
            return label or target
        if target.startswith("!"):
            return "@" + target[1:].split("^")[0]
        return f"{label} ({target})" if label else target

    text = re.sub(r"<([^<>]+)>", link, text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").replace("\u2060", "")
    for code, symbol in EMOJI.items():
        text = text.replace(code, symbol)
    bold: Callable[[re.Match[str]], str] = lambda m: _style(m.group(1), BOLD, color)  # noqa: E731
    return re.sub(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])", bold, text)


def _style(text: str, code: str, color: bool) -> str:
    return f"{code}{text}{RESET}" if color else text
