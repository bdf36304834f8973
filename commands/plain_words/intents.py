"""What someone means when they write to the bot in plain words: keyword and pattern rules, no model.

`classify(text)` turns a message into an `Intent`: a kind and its argument. The rules are tried in
order and the first match wins; anything they do not recognise becomes `help`, with the text as the
argument so that the answer can say what it did not understand. Typos in the rules' own keywords
("contibute", "innersoruce", "isues") are forgiven; the argument is always taken as typed.
"""

import difflib
import html
import re
from dataclasses import dataclass
from typing import Literal

from chatbot.handlers import normalise_text
from chatbot.onboarding.skills import split_skills

IntentKind = Literal[
    "help",
    "hello",
    "thanks",
    "checklist",
    "about",
    "contribute",
    "search",
    "recommend",
    "owner",
    "set_skills",
    "show_skills",
    "clear_skills",
]


@dataclass(frozen=True)
class Intent:
    kind: IntentKind
    argument: str = ""
    skills: tuple[str, ...] = ()


KEYWORDS = (
    "contribute",
    "contributing",
    "contribution",
    "contributions",
    "contributor",
    "innersource",
    "maintains",
    "maintainer",
    "maintainers",
    "owner",
    "owners",
    "skills",
    "issues",
    "project",
    "projects",
    "search",
    "recommend",
    "first",
    "wanted",
    "hello",
    "thanks",
    "committer",
    "committers",
    "trusted",
    "warranty",
    "beginner",
    "repository",
    "repositories",
    "checklist",
    "started",
)
MAX_WORDS = 60
TYPO_CUTOFF = 0.84  # one wrong letter in a 7-letter word passes; "power" does not become "owner"

# Rewrites of the whole text before it is split into words.
PHRASES = (
    (re.compile(r"\binner[\s-]+source\b"), "innersource"),
    (re.compile(r"\bgood[\s-]+first[\s-]+issues?\b"), "good first issues"),
    (re.compile(r"\bgfis?\b"), "good first issues"),
    (re.compile(r"\bhelp[\s-]+wanted\b"), "help wanted"),
    (re.compile(r"\bwhat'?s\b"), "what is"),
    (re.compile(r"\bwho'?s\b"), "who is"),
    (re.compile(r"\bi'?m\b"), "i am"),
    (re.compile(r"\bcan'?t\b"), "can not"),
    (re.compile(r"\b(do|does|is|are)n'?t\b"), r"\1 not"),
)
SLACK_MARKUP = re.compile(r"<([@#!][^>]*)>")
SLACK_LINK = re.compile(r"<([^<>|]+)\|([^<>]+)>|<([^<>|]+)>")
FORMATTING = re.compile(r"[*~`\"“”‘’«»()\[\]{}]")
EDGE_PUNCTUATION = ",.;:!?'"

POLITE = r"(?:please |pls |plz |can you |could you |would you |will you |hey |hi |ok |so )*"
TAIL = r"(?: please| pls| plz| thanks| thank you)*"
PROJECT_WORDS = r"(?:projects?|repos?|repositories|repository)"
ISSUE_WORDS = r"(?:issues?|tasks?|tickets?|bugs?)"
ENTRY_LEVEL = (
    r"(?:good first|first[- ]timer|first|starter|beginner|beginners|newcomer|easy|simple|help wanted)"
)

Rule = tuple[IntentKind, re.Pattern[str]]


def _rule(kind: IntentKind, pattern: str) -> Rule:
    return kind, re.compile(pattern)


RULES: tuple[Rule, ...] = (
    _rule(
        "hello",
        rf"^{POLITE}(?:hi|hello|hey|hiya|howdy|yo|hallo|moin|good (?:morning|afternoon|evening))"
        r"(?: there| all| everyone| bot| innersource)*$",
    ),
    _rule("thanks", r"^(?:(?:thanks|thank you|thx|ty|cheers)(?: .{0,30})?|great|cool|perfect|nice|awesome)$"),
    _rule(
        "help",
        rf"^{POLITE}(?:help|help me|menu|commands|usage|options|examples|what can you do|what do you do"
        r"|how does this work|how do you work|who are you|what are you|what can i (?:ask|say|do)"
        rf"|how do i use you|how do i use this|\?+){TAIL}$",
    ),
    _rule(
        "checklist",
        rf"^{POLITE}(?:start|restart|checklist|my checklist|show (?:me )?(?:my )?checklist|onboarding"
        r"|(?:how do i |where do i |how to |let'?s )?(?:get )?started|getting started|where do i start"
        rf"|how do i start|what next|what now|next steps?){TAIL}$",
    ),
    _rule(
        "clear_skills",
        rf"^{POLITE}(?:(?:clear|reset|remove|delete|forget|wipe) (?:all )?(?:of )?(?:my )?skills"
        rf"|skills? (?:clear|reset|none))$",
    ),
    _rule(
        "show_skills",
        rf"^{POLITE}(?:(?:(?:show|list|see|view|tell) (?:me )?)?(?:my )?skills|what are my skills"
        r"|which skills do i have|what skills do i have|what skills do you have for me)$",
    ),
    _rule(
        "set_skills",
        rf"^{POLITE}(?:set|update|change|save|store|make) (?:my )?skills?"
        r" (?:to |as |are |is |= ?|: ?)?(?P<arg>.+)$",
    ),
    _rule("set_skills", r"^(?:my )?skills? (?:are |is |= ?|: ?|to )?(?P<arg>.+)$"),
    _rule(
        "owner",
        rf"^{POLITE}(?:who|whom) (?:owns|own|maintains|maintain|runs|run|looks after|is responsible for"
        r"|are responsible for|is in charge of|reviews|do i (?:talk|speak|ask|write) to about"
        r"|should i (?:talk|speak|ask|write) to about|can i ask about|to (?:talk|speak) to about)"
        rf" (?:the )?(?P<arg>.+?)(?: {PROJECT_WORDS})?{TAIL}$",
    ),
    _rule(
        "owner",
        rf"^{POLITE}(?:who (?:is|are) )?(?:the )?(?:owners?|maintainers?|trusted committers?|committers?"
        r"|contacts?|codeowners?|people|team|experts?) (?:of|for|on|behind|at)"
        rf" (?:the )?(?P<arg>.+?)(?: {PROJECT_WORDS})?{TAIL}$",
    ),
    _rule("owner", r"^(?P<arg>[^ ]+) (?:owners?|maintainers?|trusted committers?|contacts?)$"),
    _rule(
        "recommend",
        rf"^(?:(?P<pre>.+?) )?{ENTRY_LEVEL} {ISSUE_WORDS}"
        rf"(?: (?:for|in|with|using|on|about|matching|around|that use) (?P<arg>.+?))?{TAIL}$",
    ),
    _rule(
        "recommend",
        rf"^{POLITE}(?:recommend|suggest)(?: me| something)?(?: (?:an?|some|any))?(?: {ISSUE_WORDS})?"
        rf"(?: (?:for|in|with|using|on) (?P<arg>.+?))?{TAIL}$",
    ),
    _rule(
        "recommend",
        rf"^{POLITE}(?:what|which issues?|where) (?:can|could|should|might) i (?:work on|help with|pick up|do"
        rf"|pick|take|contribute to|help)(?: (?:in|with|using|for) (?P<arg>.+?))?{TAIL}$",
    ),
    _rule(
        "search",
        rf"^{POLITE}(?:find|search|search for|look for|looking for|look up|lookup|show|list|get|need"
        r"|i need|i want|i am looking for|we need|we are looking for|is there|are there|any|do we have"
        r"|do you know|do you know of|know)(?: me| us)?(?: (?:a|an|some|any|the|all))?"
        rf" (?P<arg>.+?)(?: {PROJECT_WORDS})?{TAIL}$",
    ),
    _rule("search", rf"^(?P<arg>.+?) {PROJECT_WORDS}$"),
    _rule("search", rf"^{PROJECT_WORDS} (?:for|about|on|with|using|in|that|to|doing) (?P<arg>.+)$"),
    _rule(
        "contribute",
        r"\b(?:contribute|contributing|contribution|contributions|contributor|trusted|committers?"
        r"|warranty|fork|forks|forking|pull requests?|merge requests?|prs?|mrs?|how (?:can|do) i help"
        r"|where (?:can|do) i help|how to help|want to help)\b",
    ),
    _rule("about", r"\binnersource\b|^what is this(?: app| bot)?$|^explain$"),
)

# Words around an entry-level phrase that say nothing about skills ("show me any good first issues").
FILLER = frozenset(
    "show me find list get give any some are there is i a an the do you have what recommend please can "
    "could where see open my for with in projects project repos repo who need want looking look all "
    "new latest fresh".split()
)
GENERIC_SEARCH = frozenset(
    "project projects repo repos repository repositories something stuff anything it them one".split()
)


def classify(text: str) -> Intent:
    words = tokens(text[: MAX_WORDS * 20])
    if not words:
        return Intent("help")
    if len(words) > MAX_WORDS:  # an essay, not a request
        return Intent("help", argument=" ".join(words))
    keys = [_keyword(w) for w in words]
    line = " ".join(keys)
    for kind, pattern in RULES:
        match = pattern.search(line)
        if match is None:
            continue
        intent = _intent(kind, match, words, line)
        if intent is not None:
            return intent
    return Intent("help", argument=" ".join(words))


def tokens(text: str) -> list[str]:
    """Lower-case words, Slack markup resolved (links become their label, mentions disappear)."""
    text = SLACK_MARKUP.sub(" ", text)
    text = SLACK_LINK.sub(lambda m: m.group(2) or m.group(3) or "", text)
    text = html.unescape(text)
    text = normalise_text(text).lower()
    text = FORMATTING.sub(" ", text)
    for pattern, replacement in PHRASES:
        text = pattern.sub(replacement, text)
    words = (w.rstrip(".!?;:") if len(w) > 1 else w for w in text.split())
    return [w for w in words if w.strip(EDGE_PUNCTUATION) or w == "?"]


def _keyword(word: str) -> str:
    bare = word.strip(EDGE_PUNCTUATION) or word
    if bare in KEYWORDS or len(bare) < 5 or not bare.isalpha():
        return bare
    close = difflib.get_close_matches(bare, KEYWORDS, n=1, cutoff=TYPO_CUTOFF)
    return close[0] if close else bare


def _original(match: re.Match[str], group: str, words: list[str], line: str) -> str:
    """The words as typed under `group` of a match on the keyword line (same words, same order)."""
    if match.group(group) is None:
        return ""
    start, end = match.span(group)
    first, last = line[:start].count(" "), line[:end].count(" ")
    return " ".join(words[first : last + 1]).strip(" " + EDGE_PUNCTUATION)


def _intent(kind: IntentKind, match: re.Match[str], words: list[str], line: str) -> Intent | None:
    names = match.re.groupindex
    argument = _original(match, "arg", words, line) if "arg" in names else ""
    if kind == "recommend":
        wanted = argument
        if not wanted and "pre" in names:
            before = _original(match, "pre", words, line)
            wanted = " ".join(w for w in before.split() if w.strip(EDGE_PUNCTUATION) not in FILLER)
        return Intent("recommend", skills=tuple(split_skills(wanted)))
    if kind == "search":
        if argument.startswith("to "):  # "i want to help ...": not a search
            return None
        if argument.startswith("for "):
            argument = argument[4:]
        if not argument or argument in GENERIC_SEARCH or _keyword(argument) in GENERIC_SEARCH:
            return Intent("search")
        return Intent("search", argument)
    if kind == "owner":
        name = argument.strip("'\"`@#")
        return Intent("owner", name) if name else None
    return Intent(kind, argument)
