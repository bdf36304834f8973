"""Who is nudged about what at time T: a pure function over plain data (no database, no Slack).

A contribution is an open, non-draft pull request whose author is neither one of the project's owners
(in any role) nor a bot. Its owners are the trusted committers, else the CODEOWNERS, else the admins.
It waits on the owners unless someone other than the author responded after the author's last update;
then it waits on the author.

Levels, in working days counted in each recipient's own timezone (`calendar`):
- at the SLA (the project's, else the global one): the owners asked to review it, else all owners;
- at `escalate_at` x SLA: all trusted committers (all owners when the project has none);
- at `channel_at` x SLA (in the default timezone): one message, once, in the project's chat channel;
- optionally, `author_nudge_days` after the owners answered: a gentle DM to the author.

Each person gets at most one DM a day (their local date), batching everything, and only inside their
working hours. "Not mine" drops that owner for that contribution, a snooze holds it back for that
owner, and "I'm on it" from anyone holds it back for everyone until it runs out.
"""

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from chatbot.nudges.calendar import (
    WorkCalendar,
    describe_working_days,
    is_working_time,
    local_date,
    working_days_between,
    zone,
)
from chatbot.slack.markup import mention

OWNER, ESCALATION, CHANNEL, AUTHOR = "owner", "escalation", "channel", "author"
DM_KINDS = (OWNER, ESCALATION, AUTHOR)
TRUSTED_COMMITTER, CODEOWNER, ADMIN = "trusted_committer", "codeowner", "admin"
OWNER_ROLES = (TRUSTED_COMMITTER, CODEOWNER, ADMIN)  # in order of precedence
WAITS_ON_OWNERS, WAITS_ON_AUTHOR = "owners", "author"
PENDING, SENT, FAILED = "pending", "sent", "failed"

_BOT_LOGIN = re.compile(r"\[bot\]$|[-_]bot$|^ghost$", re.IGNORECASE)
# A channel name or id that fits `Nudge.recipient` (40 characters; longer names are not posted to).
_CHANNEL = re.compile(r"^(#[a-z0-9][a-z0-9._-]{0,38}|[CG][A-Z0-9]{8,39})$")
_ROLE_NAMES = {TRUSTED_COMMITTER: "a trusted committer", CODEOWNER: "in CODEOWNERS", ADMIN: "an admin"}


# --- inputs --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Owner:
    login: str
    role: str  # trusted_committer | codeowner | admin


@dataclass(frozen=True)
class ProjectFacts:
    id: int
    name: str  # the full name, e.g. payments/ledger
    url: str = ""
    forge: str = "github"
    owners: tuple[Owner, ...] = ()
    sla_days: float | None = None  # the project's own (innersource.json); None: the global one
    chat_channel: str | None = None


@dataclass(frozen=True)
class ContributionFacts:
    id: int
    project_id: int
    number: int
    title: str
    url: str
    author: str
    opened_at: datetime
    draft: bool = False
    requested_reviewers: tuple[str, ...] = ()
    author_updated_at: datetime | None = None
    last_response_at: datetime | None = None  # by someone other than the author
    last_response_by: str | None = None


@dataclass(frozen=True)
class PersonFacts:
    """A forge login that maps to a Slack user."""

    slack_user_id: str
    timezone: str | None = None
    nudges_enabled: bool = True


@dataclass(frozen=True)
class OwnerSaid:
    """What one person answered about one contribution (the NudgeState row)."""

    contribution_id: int
    slack_user_id: str
    snoozed_until: datetime | None = None
    on_it_until: datetime | None = None
    not_mine: bool = False


@dataclass(frozen=True)
class SentNudge:
    recipient: str
    kind: str
    day_key: str
    contribution_ids: tuple[int, ...]
    at: datetime
    status: str = SENT


@dataclass(frozen=True)
class NudgeConfig:
    sla_days: float = 2.0
    calendar: WorkCalendar = field(default_factory=WorkCalendar)
    default_timezone: str = "UTC"
    bot_logins: frozenset[str] = frozenset()  # lower-case, beyond the [bot] / -bot conventions
    author_nudge_days: float | None = None  # None: authors are never nudged
    escalate_at: float = 2.0
    channel_at: float = 3.0


@dataclass(frozen=True)
class Facts:
    projects: Mapping[int, ProjectFacts]
    contributions: Sequence[ContributionFacts]
    people: Mapping[tuple[str, str], PersonFacts]  # (forge, lower-case login) -> Slack user
    said: Sequence[OwnerSaid] = ()
    sent: Sequence[SentNudge] = ()  # the recent nudges (a few days back is enough)


# --- outputs -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Waiting:
    """A contribution and whose turn it is."""

    contribution: ContributionFacts
    project: ProjectFacts
    owners: tuple[Owner, ...]  # the effective owners
    waits_on: str  # owners | author
    since: datetime  # when that turn began
    sla_days: float

    def waited(self, until: datetime, tz: ZoneInfo, calendar: WorkCalendar) -> float:
        return working_days_between(self.since, until, tz, calendar)


@dataclass(frozen=True)
class Item:
    contribution: ContributionFacts
    project: ProjectFacts
    level: str  # owner | escalation | channel | author
    waited_days: float  # in the recipient's timezone
    sla_days: float
    why: str


@dataclass(frozen=True)
class Plan:
    """One message to send now: a person's daily DM, or one post in a project channel."""

    recipient: str  # Slack user id, or the channel
    kind: str  # owner | escalation | author | channel
    day_key: str  # the recipient's local date
    timezone: str
    items: tuple[Item, ...]

    @property
    def contribution_ids(self) -> list[int]:
        return [item.contribution.id for item in self.items]


@dataclass(frozen=True)
class Held:
    """Someone who would be nudged about something, but not now, and why."""

    recipient: str
    item: Item
    reason: str


@dataclass(frozen=True)
class Unreachable:
    """An owner to nudge who has no Slack identity: shown, never silently dropped."""

    login: str
    forge: str
    item: Item


@dataclass(frozen=True)
class Decision:
    plans: tuple[Plan, ...] = ()
    held: tuple[Held, ...] = ()
    unreachable: tuple[Unreachable, ...] = ()


# --- the decision --------------------------------------------------------------------------------------


def is_bot(login: str, extra: Iterable[str] = ()) -> bool:
    return bool(_BOT_LOGIN.search(login)) or login.lower() in {e.lower() for e in extra}


def effective_owners(project: ProjectFacts, bots: Iterable[str] = ()) -> tuple[Owner, ...]:
    """Trusted committers, else CODEOWNERS, else admins; bots are never owners."""
    extra = frozenset(bots)
    for role in OWNER_ROLES:
        owners = tuple(o for o in project.owners if o.role == role and not is_bot(o.login, extra))
        if owners:
            return owners
    return ()


def waiting(facts: Facts, config: NudgeConfig) -> list[Waiting]:
    """Every contribution (external, non-draft, not from a bot) and whose turn it is."""
    found: list[Waiting] = []
    for c in facts.contributions:
        project = facts.projects.get(c.project_id)
        if project is None or c.draft or is_bot(c.author, config.bot_logins):
            continue
        if c.author.lower() in {o.login.lower() for o in project.owners}:
            continue  # an owner's own pull request is not a contribution
        owners = effective_owners(project, config.bot_logins)
        since = max(t for t in (c.opened_at, c.author_updated_at) if t is not None)
        responder = (c.last_response_by or "").lower()
        answered = (
            c.last_response_at is not None
            and c.last_response_at >= since
            and responder != c.author.lower()
            and not is_bot(responder, config.bot_logins)
        )
        sla = project.sla_days if project.sla_days and project.sla_days > 0 else config.sla_days
        if answered:
            assert c.last_response_at is not None
            found.append(Waiting(c, project, owners, WAITS_ON_AUTHOR, c.last_response_at, sla))
        else:
            found.append(Waiting(c, project, owners, WAITS_ON_OWNERS, since, sla))
    return found


def decide(facts: Facts, config: NudgeConfig, now: datetime) -> Decision:
    """Who gets which nudge now; who would but not now (and why); owners nobody can reach."""
    state = _State(facts, config, now)
    for w in waiting(facts, config):
        if w.waits_on == WAITS_ON_AUTHOR:
            state.consider_author(w)
        else:
            state.consider_owners(w)
            state.consider_channel(w)
    return state.decision()


def is_postable_channel(channel: str | None) -> bool:
    """A Slack channel we can post to: `#name` or an id. URLs and other chat systems are not."""
    return bool(channel) and bool(_CHANNEL.match(channel or ""))


class _State:
    def __init__(self, facts: Facts, config: NudgeConfig, now: datetime) -> None:
        self.facts, self.config, self.now = facts, config, now
        self.default_tz = zone(config.default_timezone)
        self.said = {(s.contribution_id, s.slack_user_id): s for s in facts.said}
        self.on_it: dict[int, OwnerSaid] = {}
        for said in facts.said:
            if said.on_it_until is not None and said.on_it_until > now:
                self.on_it.setdefault(said.contribution_id, said)
        live = [s for s in facts.sent if s.status in (PENDING, SENT)]
        self.announced = {cid for s in live if s.kind == CHANNEL for cid in s.contribution_ids}
        self.author_nudged: dict[int, datetime] = {}
        for nudge in live:
            if nudge.kind == AUTHOR:
                for cid in nudge.contribution_ids:
                    self.author_nudged[cid] = max(nudge.at, self.author_nudged.get(cid, nudge.at))
        self.messages_on = {(s.recipient, s.day_key) for s in facts.sent}  # any status: once a day
        self.dms_on = {(s.recipient, s.day_key) for s in facts.sent if s.kind in DM_KINDS}
        self.items: dict[str, dict[int, Item]] = {}  # recipient -> contribution id -> item
        self.zones: dict[str, ZoneInfo] = {}
        self.channels: set[str] = set()
        self.held: list[Held] = []
        self.unreachable: list[Unreachable] = []

    # -- who would be told about what

    def consider_owners(self, w: Waiting) -> None:
        c, project = w.contribution, w.project
        owners = {o.login.lower(): o for o in w.owners}
        asked = [owners[r.lower()] for r in c.requested_reviewers if r.lower() in owners]
        first = {o.login.lower() for o in asked or w.owners}
        # Escalation widens to all effective owners: the trusted committers whenever the project has any.
        for login in (o.login for o in w.owners):
            person = self.facts.people.get((project.forge, login.lower()))
            tz = zone(person.timezone if person else None, self.config.default_timezone)
            waited = w.waited(self.now, tz, self.config.calendar)
            level = None
            if waited >= self.config.escalate_at * w.sla_days:
                level = ESCALATION
            elif login.lower() in first and waited >= w.sla_days:
                level = OWNER
            if level is None:
                continue
            role = owners[login.lower()].role
            item = Item(c, project, level, waited, w.sla_days, _why(level, waited, w.sla_days, role, asked))
            if person is None:
                self.unreachable.append(Unreachable(login, project.forge, item))
                continue
            reason = self._holds(c.id, person)
            if reason:
                self.held.append(Held(person.slack_user_id, item, reason))
                continue
            self._add(person.slack_user_id, tz, item)

    def consider_channel(self, w: Waiting) -> None:
        channel = w.project.chat_channel
        if not is_postable_channel(channel) or w.contribution.id in self.announced:
            return
        assert channel is not None
        waited = w.waited(self.now, self.default_tz, self.config.calendar)
        if waited < self.config.channel_at * w.sla_days:
            return
        item = Item(w.contribution, w.project, CHANNEL, waited, w.sla_days, _why(CHANNEL, waited, w.sla_days))
        on_it = self.on_it.get(w.contribution.id)
        if on_it is not None:
            self.held.append(Held(channel, item, _on_it_reason(on_it)))
            return
        self.channels.add(channel)
        self._add(channel, self.default_tz, item)

    def consider_author(self, w: Waiting) -> None:
        days = self.config.author_nudge_days
        if not days:
            return
        c = w.contribution
        nudged = self.author_nudged.get(c.id)
        if nudged is not None and nudged >= w.since:
            return  # told once since the owners' last answer
        person = self.facts.people.get((w.project.forge, c.author.lower()))
        if person is None:
            return
        tz = zone(person.timezone, self.config.default_timezone)
        waited = w.waited(self.now, tz, self.config.calendar)
        if waited < days:
            return
        item = Item(c, w.project, AUTHOR, waited, w.sla_days, _why(AUTHOR, waited, w.sla_days))
        if not person.nudges_enabled:
            self.held.append(Held(person.slack_user_id, item, "turned nudges off"))
            return
        self._add(person.slack_user_id, tz, item)

    def _holds(self, contribution_id: int, person: PersonFacts) -> str | None:
        said = self.said.get((contribution_id, person.slack_user_id))
        if said is not None and said.not_mine:
            return "said it is not theirs"
        on_it = self.on_it.get(contribution_id)
        if on_it is not None:
            return _on_it_reason(on_it)
        if said is not None and said.snoozed_until is not None and said.snoozed_until > self.now:
            tz = zone(person.timezone, self.config.default_timezone)
            return f"snoozed it until {_at(said.snoozed_until, tz)}"
        if not person.nudges_enabled:
            return "turned nudges off"
        return None

    def _add(self, recipient: str, tz: ZoneInfo, item: Item) -> None:
        mine = self.items.setdefault(recipient, {})
        self.zones[recipient] = tz
        known = mine.get(item.contribution.id)
        if known is None or _rank(item.level) > _rank(known.level):
            mine[item.contribution.id] = item

    # -- when

    def decision(self) -> Decision:
        plans: list[Plan] = []
        for recipient, by_id in self.items.items():
            tz = self.zones[recipient]
            items = tuple(sorted(by_id.values(), key=lambda i: (-_rank(i.level), -i.waited_days)))
            day_key = local_date(self.now, tz).isoformat()
            is_channel = recipient in self.channels
            reason = None
            if (recipient, day_key) in (self.messages_on if is_channel else self.dms_on):
                reason = "already got a nudge today" if not is_channel else "the channel got one today"
            elif not self.config.calendar.is_working_day(local_date(self.now, tz)):
                reason = f"not a working day there ({_at(self.now, tz)})"
            elif not is_working_time(self.now, tz, self.config.calendar):
                reason = f"outside working hours ({_at(self.now, tz)})"
            if reason:
                self.held.extend(Held(recipient, item, reason) for item in items)
                continue
            kind = CHANNEL if is_channel else _dm_kind(items)
            plans.append(Plan(recipient, kind, day_key, tz.key, items))
        plans.sort(key=lambda p: (p.kind == CHANNEL, p.recipient))
        return Decision(tuple(plans), tuple(self.held), tuple(self.unreachable))


def _rank(level: str) -> int:
    return {AUTHOR: 0, OWNER: 1, ESCALATION: 2, CHANNEL: 3}[level]


def _dm_kind(items: Sequence[Item]) -> str:
    levels = {i.level for i in items}
    return OWNER if OWNER in levels else ESCALATION if ESCALATION in levels else AUTHOR


def _why(level: str, waited: float, sla: float, role: str = "", asked: Sequence[Owner] = ()) -> str:
    """Plain, kind words: how long against the project's own goal, and why this person is asked."""
    waiting = f"waiting {describe_working_days(waited)} for a first response"
    goal = f"the goal is {describe_working_days(sla)}"
    if level == OWNER:
        whose = "you were asked to review it" if asked else f"you are {_ROLE_NAMES.get(role, 'an owner')}"
        return f"{waiting} ({goal}); {whose}"
    if level == ESCALATION:
        who = "one of its trusted committers" if role == TRUSTED_COMMITTER else "one of its owners"
        past = f"well past the goal of {describe_working_days(sla)}"
        return f"{waiting}, {past}; as {who}, could you help find a reviewer?"
    if level == CHANNEL:
        return f"{waiting} ({goal})"
    return f"the owners answered {describe_working_days(waited)} ago; it waits on your update"


def _on_it_reason(said: OwnerSaid) -> str:
    assert said.on_it_until is not None
    return f"{mention(said.slack_user_id)} is on it (until {said.on_it_until:%Y-%m-%d})"


def _at(at: datetime, tz: ZoneInfo) -> str:
    return f"{at.astimezone(tz):%a %H:%M} {tz.key}"
