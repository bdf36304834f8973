"""mrkdwn the app writes on purpose, and escaping for everything else.

Slack turns `<…>` sequences into mentions, broadcasts, dates and links. The app writes them only through
the builders here (`mention`, `channel_mention`, `link`, `date_token`); each token a builder makes is
remembered, so that the outbound guard (chatbot/slack/guard.py) can tell it from a `<…>` that arrived
inside untrusted text and slipped past `escape()`. See docs/decisions/0012-outbound-guard.md.
"""

import re
import threading
import unicodedata
from collections import OrderedDict
from urllib.parse import urlsplit

MAX_URL = 3000
MAX_REMEMBERED = 200_000  # tokens; a digest or a Home holds a few hundred, and they leave within seconds

_USER_ID = re.compile(r"^[UW][A-Z0-9]{1,30}$")
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{1,30}$")
_TOKEN = re.compile(r"<[^<>]*>")
_HTTP_URL = re.compile(r"^https?://[^\s<>|]+$")
# An at sign (also full-width or small), hidden characters, then a word: a broadcast when the word reads
# here, channel or everyone (also in full-width letters).
_HIDDEN = "\u00ad\u034f\u180e\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff"
_AT_WORD = re.compile(f"[@\uff20\ufe6b]([{_HIDDEN}]*)(\\w{{0,12}})")
_BROADCAST_WORDS = ("here", "channel", "everyone")
NEUTRAL_AT = "@\u2060"  # a word joiner after the at sign: Slack shows "@here" and broadcasts nothing
# Bidirectional overrides and isolates can make text read differently from what it is; C0/C1 controls
# (but newline and tab) and NUL have no business in a message.
_INVISIBLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# Something a reader takes for a web address: "github.com/acme/payments", "www.example.org", "https://…".
_URL_LIKE = re.compile(
    r"(?i)(?:\b[a-z][a-z0-9+.-]*://|\bwww\.|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}(?:[/:]|\b))"
)


class _Remembered:
    """A bounded, thread-safe set of the tokens builders made, most recent kept."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._tokens: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, token: str) -> str:
        with self._lock:
            self._tokens[token] = None
            self._tokens.move_to_end(token)
            while len(self._tokens) > self._limit:
                self._tokens.popitem(last=False)
        return token

    def __contains__(self, token: object) -> bool:
        with self._lock:
            return token in self._tokens


_BUILT = _Remembered(MAX_REMEMBERED)


def is_built(token: str) -> bool:
    """True when `token` (a whole `<…>` sequence) was made by one of the builders here."""
    return token in _BUILT


def remember_markup(payload: object) -> None:
    """Accept the `<…>` tokens in a message the app itself posted, as Slack echoes it back in a signed
    request (a button press on it), so that sending it again keeps its mentions and links."""
    if isinstance(payload, dict):
        for value in payload.values():
            remember_markup(value)
    elif isinstance(payload, list):
        for value in payload:
            remember_markup(value)
    elif isinstance(payload, str):
        for token in _TOKEN.findall(payload):
            _BUILT.add(token)


def clean(text: str) -> str:
    """Drop control characters (newline and tab stay) and bidirectional overrides."""
    return _INVISIBLE.sub("", text)


def escape(text: str | None) -> str:
    """Make untrusted text inert in mrkdwn: `& < >` escaped, `@here`/`@channel`/`@everyone` broken,
    control characters and bidirectional overrides dropped."""
    if not text:
        return ""
    text = clean(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return break_broadcasts(text)


def break_broadcasts(text: str) -> str:
    """`@here`, `@channel`, `@everyone` in any spelling (full-width, hidden characters) made inert."""
    return _AT_WORD.sub(_at_word, text)


def _at_word(match: re.Match[str]) -> str:
    hidden, word = match.group(1), match.group(2)
    folded = unicodedata.normalize("NFKC", word).casefold()
    if not any(folded.startswith(w) and not folded[len(w) : len(w) + 1].isalnum() for w in _BROADCAST_WORDS):
        return match.group(0)
    if match.group(0).startswith(NEUTRAL_AT) and hidden == "\u2060":
        return match.group(0)  # broken already
    return NEUTRAL_AT + word


def plain_echo(text: str) -> str:
    """Untrusted text for a plain_text field (modal errors): Slack parses no markup there, and the text
    stays inert wherever it is shown: angle brackets become ‹ ›, broadcasts are broken."""
    return break_broadcasts(clean(text).replace("<", "\u2039").replace(">", "\u203a"))


def is_http_url(url: str | None) -> bool:
    return bool(url) and len(url or "") <= MAX_URL and bool(_HTTP_URL.match(url or ""))


def link(url: str | None, label: str) -> str:
    """A mrkdwn link whose label is escaped; only http(s) URLs become links.

    A label that reads like a web address but names another place than `url` would mislead (a project
    titled "github.com/acme/payments" linking elsewhere): the link then shows where it really goes.
    """
    if not url or not is_http_url(url):
        return escape(label)
    if looks_like_url(label) and not _same_place(label, url):
        label = shown_url(url)
    return _BUILT.add(f"<{url}|{escape(label)}>")


def looks_like_url(text: str) -> bool:
    return bool(_URL_LIKE.search(unicodedata.normalize("NFKC", text)))


def shown_url(url: str) -> str:
    """How a URL reads without its scheme: host and path."""
    parts = urlsplit(url)
    return (parts.netloc + parts.path).rstrip("/") or url


def _same_place(label: str, url: str) -> bool:
    wanted = shown_url(url).lower()
    said = unicodedata.normalize("NFKC", label).strip().lower()
    said = re.sub(r"^[a-z][a-z0-9+.-]*://", "", said).rstrip("/")
    return said == wanted or said == wanted.removeprefix("www.")


def mention(user_id: str) -> str:
    """`<@U…>`: a person the app means to mention (a Slack id, never a name someone typed)."""
    if not _USER_ID.match(user_id):
        return escape(user_id)
    return _BUILT.add(f"<@{user_id}>")


def channel_mention(channel_id: str) -> str:
    """`<#C…>`: a channel the app means to name."""
    if not _CHANNEL_ID.match(channel_id):
        return escape(channel_id)
    return _BUILT.add(f"<#{channel_id}>")


def date_token(epoch_seconds: int, format_: str, fallback: str) -> str:
    """`<!date^…>`: a time each reader sees in their own time zone; `fallback` for old clients."""
    safe_format = format_.replace("<", "").replace(">", "").replace("|", "")
    return _BUILT.add(f"<!date^{int(epoch_seconds)}^{safe_format}|{escape(fallback)}>")
