"""Parse what people type after `/innersource find` into words and filters. Pure; never raises.

find auth library lang:python topic:sso has:good-first-issue sort:stars
"""

import dataclasses
import re
import unicodedata
from dataclasses import dataclass, field

FILLER_WORDS = frozenset(
    """
    a an the and or for me my some any find search show give get list looking look need want wanted
    please pls i we us our to of in on with that which who can could would is are be something
    anything thing things tool tools library libraries lib libs project projects repo repos repository
    repositories package packages module modules stuff help
    """.split()
)
# Never worth searching for, even when nothing else was typed.
STOP_WORDS = frozenset(
    "a an the and or for me my to of in on with i we us our is are be some any please pls".split()
)
SORTS = ("relevance", "activity", "stars", "new", "name")
SORT_ALIASES = {"active": "activity", "newest": "new", "recent": "new", "popular": "stars", "star": "stars"}
HAS_VALUES = {
    "help-wanted": "help wanted",
    "helpwanted": "help wanted",
    "help": "help wanted",
    "good-first-issue": "good first issue",
    "good-first-issues": "good first issue",
    "goodfirstissue": "good first issue",
    "good-first": "good first issue",
    "first-issue": "good first issue",
}
FILTER_KEYS = {
    "lang": "language",
    "language": "language",
    "topic": "topic",
    "tag": "topic",
    "org": "org",
    "owner": "org",
    "team": "org",
    "source": "source",
    "from": "source",
    "has": "has",
    "sort": "sort",
    "is": "is",
}
MAX_TERMS = 8
MAX_TERM_LENGTH = 40
WORD = re.compile(r"[^\W_]+(?:[+#]+|(?:[.'][^\W_]+)*)", re.UNICODE)
# An unknown key:value that reads as a filter: letters, a colon, a letter. Not a URL (https://),
# a time or port (10:30, localhost:8080), std::vector or c++: those stay words.
FILTER_LIKE = re.compile(r"[a-z]+:[\"']?[^\W\d_]", re.UNICODE)
FILTER_NAMES = "lang:, topic:, org:, source:, has:, is:, sort:"


@dataclass
class SearchQuery:
    terms: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    orgs: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)  # has:help-wanted -> "help wanted"
    sort: str = "relevance"
    include_archived: bool = False
    problems: list[str] = field(default_factory=list)  # filters we could not use, said back to the user
    words: list[str] = field(default_factory=list)  # every word as typed, filler words too

    @property
    def has_filters(self) -> bool:
        return bool(self.languages or self.topics or self.orgs or self.sources or self.labels)

    @property
    def is_empty(self) -> bool:
        return not self.terms and not self.has_filters

    def describe_filters(self) -> str:
        parts = [f"lang:{v}" for v in self.languages] + [f"topic:{v}" for v in self.topics]
        parts += [f"org:{v}" for v in self.orgs] + [f"source:{v}" for v in self.sources]
        parts += ["has:" + v.replace(" ", "-") for v in self.labels]
        if self.sort != "relevance":
            parts.append(f"sort:{self.sort}")
        if self.include_archived:
            parts.append("is:archived")
        return " ".join(parts)

    def text(self) -> str:
        return " ".join([*self.terms, self.describe_filters()]).strip()


def parse_query(raw: str) -> SearchQuery:
    query = SearchQuery()
    text = unicodedata.normalize("NFKC", raw).lower()
    words: list[str] = []
    for token in text.split():
        key, sep, value = token.partition(":")
        if sep and key in FILTER_KEYS and value.strip("\"'"):
            _apply_filter(query, FILTER_KEYS[key], value.strip("\"'"))
            continue
        if FILTER_LIKE.match(token):
            query.problems.append(f"{token} (filters are {FILTER_NAMES})")
            continue
        words.extend(_words(token))
    return with_words(query, words)


def with_words(query: SearchQuery, words: list[str]) -> SearchQuery:
    """The query as if these words had been typed with its filters: the words it searches are chosen
    the same way (typo correction goes through here)."""
    meaningful = [w for w in words if w not in FILLER_WORDS]
    # "find a library" is all filler: then the words are what the person means.
    chosen = meaningful or ([w for w in words if w not in STOP_WORDS] if not query.has_filters else [])
    terms = list(dict.fromkeys(w[:MAX_TERM_LENGTH] for w in chosen))[:MAX_TERMS]
    return dataclasses.replace(query, words=words, terms=terms)


def _words(token: str) -> list[str]:
    # Keeps c++, c#, node.js and o'reilly whole; drops FTS operators and punctuation.
    return [w.replace("'", "") for w in WORD.findall(token)]


def _apply_filter(query: SearchQuery, kind: str, value: str) -> None:
    values = [v for v in value.split(",") if v]
    if kind == "language":
        query.languages += values
    elif kind == "topic":
        query.topics += values
    elif kind == "org":
        query.orgs += values
    elif kind == "source":
        query.sources += values
    elif kind == "has":
        for v in values:
            label = HAS_VALUES.get(v.replace("_", "-"))
            if label:
                query.labels.append(label)
            else:
                query.problems.append(f"has:{v} (try has:help-wanted or has:good-first-issue)")
    elif kind == "sort":
        sort = SORT_ALIASES.get(value, value)
        if sort in SORTS:
            query.sort = sort
        else:
            query.problems.append(f"sort:{value} (try sort:activity, sort:stars, sort:new or sort:name)")
    elif kind == "is":
        if value in ("archived", "all"):
            query.include_archived = True
        else:
            query.problems.append(f"is:{value} (try is:archived)")
