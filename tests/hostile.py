"""Hostile text, and a check that nothing in a Slack payload became a mention, a broadcast or a link.

`CORPUS` is what a forge, a portal file, `innersource.json`, an issue title, a person's name or a user's
typed text could hold. `live_markup` reads a recorded payload the way Slack would and lists every live
mention, broadcast, user group, date or link in it that the test did not allow; it shares no code with
the guard it checks.
"""

import re
import unicodedata
from collections.abc import Collection, Iterator
from typing import Any
from urllib.parse import urlsplit

EVIL_HOST = "evil.example"

BROADCASTS = [
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<!here|here>",
    "<!channel|@channel>",
    "<!subteam^S0EVIL>",
    "<!subteam^S0EVIL|@security-team>",
    "<!date^1700000000^{date_short}|soon>",
    "@channel",
    "@here please",
    "hey @everyone!",
    "@Channel look",
    "\uff20channel",
    "@\uff43\uff48\uff41\uff4e\uff4e\uff45\uff4c",
    "@\u200bchannel",
    "@\u200dhere",
    "@\ufeffeveryone",
    "@\u2060\u200beveryone",
    "@\u00adhere",
]
MENTIONS = [
    "<@U0EVIL>",
    "<@U0EVIL|the boss>",
    "<@W0EVIL>",
    "<#C0EVIL>",
    "<#C0EVIL|general>",
    "<!subteam^S0EVIL|@team>",
]
LINKS = [
    f"<https://{EVIL_HOST}|Click here for docs>",
    f"<https://{EVIL_HOST}>",
    f"<http://{EVIL_HOST}/login|https://git.northwind.example/identity/authkit-python>",
    f"<mailto:ceo@{EVIL_HOST}|mail the CEO>",
    f"<mailto:x@{EVIL_HOST}>",
    "<javascript:alert(1)|docs>",
    f"<https://{EVIL_HOST}/|github.com/acme/payments-sdk>",
    f"[docs](https://{EVIL_HOST})",
    "github.com/acme/payments",
]
PRE_ESCAPED = [
    "&lt;!channel&gt;",
    "&lt;@U0EVIL&gt;",
    "&amp;lt;!here&amp;gt;",
    "&#60;!channel&#62;",
    f"&lt;https://{EVIL_HOST}|x&gt;",
    "\\u003c!channel\\u003e",
]
MARKUP = [
    "*bold* _it_ ~strike~ `code` ```block```",
    "> quote\n> more",
    "`<!channel>`",
    "```<!here>```",
    "*<!everyone>*",
    "_<@U0EVIL>_",
    "~<#C0EVIL>~",
    "<<!channel>>",
    "<!channel",
    "!channel>",
    "<|!channel>",
    "<!chan\u200bnel>",
    "|<!here>|",
    "a|b<c>d",
    "<>",
    "<<<>>>",
]
ODD_TEXT = [
    "\u202eexe.evil\u202c",
    "abc\u2066def\u2069",
    "\x00NUL\x00",
    "bell\x07 and esc\x1b[31m red",
    "tab\tnew\nline\r\n",
    "\x7f\x85\x9f",
    ("<!channel> @here " * 250)[:4000],
    "x" * 4000,
    "\U0001f680\U0001f525 emoji :tada: :skull:",
    "認証ライブラリ 中文 한국어",
    "مرحبا <!here>",
    "\U0001d54c\U0001d55f\U0001d55a\U0001d554\U0001d560\U0001d555\U0001d556",
    "e\u0301\u0301\u0301 zalgo",
    "' OR 1=1 --",
    '"quoted" NEAR(a b) AND NOT c*',
    "$(rm -rf /) `id` | cat && ls; echo",
    '{"json": true}',
    "%s %d {0} {user}",
]
CORPUS: list[str] = BROADCASTS + MENTIONS + LINKS + PRE_ESCAPED + MARKUP + ODD_TEXT

_TOKEN = re.compile(r"<([^<>]*)>")
_HIDDEN = re.compile("[\u00ad\u034f\u180e\u200b-\u200f\u2061-\u2064\ufeff]")
_BROADCAST_WORD = re.compile(r"[@\ufe6b](here|channel|everyone)(?![^\W_])", re.IGNORECASE)
_DATE = re.compile(r"^!date\^\d+\^[^|]*\|[^|]*$")
_LOOKS_LIKE_ADDRESS = re.compile(r"(?i)\b[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}/\S*")
# Values Slack never shows: ids, button values, callback ids, prefilled inputs (shown as typed, never parsed).
NOT_SHOWN = frozenset(
    {
        "action_id",
        "block_id",
        "callback_id",
        "channel",
        "hash",
        "initial_value",
        "metadata",
        "private_metadata",
        "response_type",
        "team_id",
        "thread_ts",
        "trigger_id",
        "ts",
        "type",
        "style",
        "user",
        "users",
        "value",
        "view_id",
        "_key",
        "token",
    }
)


def shown_strings(payload: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(path, string) for every string in `payload` that Slack could show; `url` values too."""
    if isinstance(payload, dict):
        for key, value in payload.items():
            if key not in NOT_SHOWN:
                yield from shown_strings(value, f"{path}.{key}" if path else str(key))
    elif isinstance(payload, list):
        for i, value in enumerate(payload):
            yield from shown_strings(value, f"{path}[{i}]")
    elif isinstance(payload, str):
        yield path, payload


def live_markup(payload: Any, *, users: Collection[str], channels: Collection[str]) -> list[str]:
    """Everything in `payload` Slack would turn into a mention, broadcast, user group, date or link,
    other than mentions of `users`, `channels` and links to the catalog's own http(s) pages."""
    found: list[str] = []
    for path, text in shown_strings(payload):
        if path.endswith("url"):
            if not _safe_target(text):
                found.append(f"{path}: button/image URL {text[:80]!r}")
            continue
        for token in _TOKEN.findall(text):
            problem = _token_problem(token, users, channels)
            if problem:
                found.append(f"{path}: {problem} in {text[:120]!r}")
        visible = _HIDDEN.sub("", unicodedata.normalize("NFKC", text))
        for match in _BROADCAST_WORD.finditer(visible):
            found.append(f"{path}: live {match.group(0)!r} in {text[:120]!r}")
    return found


def _token_problem(token: str, users: Collection[str], channels: Collection[str]) -> str | None:
    if token.startswith("!"):
        return None if _DATE.match(token) and EVIL_HOST not in token else f"special <{token[:60]}>"
    if token.startswith("@"):
        return None if token[1:] in users else f"mention <{token[:60]}>"
    if token.startswith("#"):
        return None if token[1:] in channels else f"channel <{token[:60]}>"
    target, _, label = token.partition("|")
    if not _safe_target(target):
        return f"link <{token[:80]}>"
    said = _LOOKS_LIKE_ADDRESS.search(label)
    if said and said.group(0).rstrip("/").lower() not in target.lower():
        return f"link whose label names another place <{token[:120]}>"
    return None


def _safe_target(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and EVIL_HOST not in parts.netloc and " " not in url
