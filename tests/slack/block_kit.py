"""Block Kit limits, checked the way Slack would refuse a payload (docs.slack.dev/reference/block-kit)."""

import re
from collections.abc import Sequence
from typing import Any

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
BROADCAST = re.compile(r"<!(channel|here|everyone)>|(?<![\w\u2060])@(channel|here|everyone)\b", re.IGNORECASE)


def problems_in_blocks(blocks: Sequence[dict[str, Any]], *, max_blocks: int) -> list[str]:
    found: list[str] = []
    if len(blocks) > max_blocks:
        found.append(f"{len(blocks)} blocks (at most {max_blocks})")
    block_ids = [b["block_id"] for b in blocks if "block_id" in b]
    if len(block_ids) != len(set(block_ids)):
        found.append(f"duplicate block_id in {block_ids}")
    for index, block in enumerate(blocks):
        found.extend(f"block {index} ({block.get('type')}): {p}" for p in _block_problems(block))
    return found


def problems_in_view(view: dict[str, Any]) -> list[str]:
    found = problems_in_blocks(view.get("blocks", []), max_blocks=VIEW_BLOCKS)
    if view.get("type") not in ("home", "modal"):
        found.append(f"view type {view.get('type')!r}")
    for key in ("title", "submit", "close"):
        if key in view:
            found.extend(_text_problems(view[key], 24, key, plain_only=True))
    if view.get("type") == "modal" and "title" not in view:
        found.append("a modal needs a title")
    if len(str(view.get("private_metadata", ""))) > 3000:
        found.append("private_metadata over 3000")
    if len(str(view.get("callback_id", ""))) > 255:
        found.append("callback_id over 255")
    return found


def _text_problems(text: Any, limit: int, where: str, *, plain_only: bool = False) -> list[str]:
    if not isinstance(text, dict) or text.get("type") not in ("plain_text", "mrkdwn"):
        return [f"{where}: not a text object"]
    if plain_only and text["type"] != "plain_text":
        return [f"{where}: must be plain_text"]
    value = text.get("text", "")
    out = []
    if not value:
        out.append(f"{where}: empty text")
    if len(value) > limit:
        out.append(f"{where}: {len(value)} characters (at most {limit})")
    if text["type"] == "mrkdwn" and BROADCAST.search(value):
        out.append(f"{where}: an unescaped broadcast mention")
    return out


def _element_problems(element: dict[str, Any], where: str) -> list[str]:
    out: list[str] = []
    kind = element.get("type")
    if kind == "button":
        out += _text_problems(element.get("text"), 75, f"{where} button text", plain_only=True)
        if len(str(element.get("value", ""))) > 2000:
            out.append(f"{where}: button value over 2000")
        if len(str(element.get("url", ""))) > 3000:
            out.append(f"{where}: button url over 3000")
    if "action_id" in element and not 0 < len(element["action_id"]) <= 255:
        out.append(f"{where}: action_id length")
    for option in element.get("options", []):
        out += _text_problems(option.get("text"), 75, f"{where} option", plain_only=True)
        if len(str(option.get("value", ""))) > 150:
            out.append(f"{where}: option value over 150")
    if len(element.get("options", [])) > 100:
        out.append(f"{where}: over 100 options")
    return out


def _block_problems(block: dict[str, Any]) -> list[str]:
    kind = block.get("type")
    out: list[str] = []
    if len(str(block.get("block_id", ""))) > 255:
        out.append("block_id over 255")
    if kind == "section":
        if "text" not in block and "fields" not in block:
            out.append("a section needs text or fields")
        if "text" in block:
            out += _text_problems(block["text"], 3000, "text")
        fields = block.get("fields", [])
        if len(fields) > 10:
            out.append(f"{len(fields)} fields (at most 10)")
        for field in fields:
            out += _text_problems(field, 2000, "field")
        if "accessory" in block:
            out += _element_problems(block["accessory"], "accessory")
    elif kind == "header":
        out += _text_problems(block.get("text"), 150, "header", plain_only=True)
    elif kind == "context":
        elements = block.get("elements", [])
        if not 0 < len(elements) <= 10:
            out.append(f"{len(elements)} context elements (1 to 10)")
        for element in elements:
            out += _text_problems(element, 2000, "context element")
    elif kind == "actions":
        elements = block.get("elements", [])
        if not 0 < len(elements) <= 25:
            out.append(f"{len(elements)} actions elements (1 to 25)")
        for element in elements:
            out += _element_problems(element, "actions")
    elif kind == "input":
        out += _text_problems(block.get("label"), 2000, "label", plain_only=True)
        if "hint" in block:
            out += _text_problems(block["hint"], 2000, "hint", plain_only=True)
        out += _element_problems(block.get("element", {}), "input")
    elif kind != "divider":
        out.append(f"unexpected block type {kind!r}")
    return out


def assert_valid_view(view: dict[str, Any]) -> None:
    problems = problems_in_view(view)
    assert not problems, "\n".join(problems)


def assert_valid_message(blocks: Sequence[dict[str, Any]]) -> None:
    problems = problems_in_blocks(blocks, max_blocks=MESSAGE_BLOCKS)
    assert not problems, "\n".join(problems)
