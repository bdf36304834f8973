"""`/innersource subscribe | subscriptions | unsubscribe`: channels choose their digests."""

from datetime import datetime

from sqlmodel import Session, col, select

from chatbot.catalog.query import parse_query
from chatbot.handlers import CommandContext, Reply, UsageError
from chatbot.models import Subscription
from chatbot.slack import blocks
from commands.router import Subcommand
from digests import views as subscription_views
from digests.schedule import Schedule, ScheduleError, next_run, parse_subscribe, subscription_schedule
from digests.views import SubscriptionAction

MAX_SUBSCRIPTIONS_PER_CHANNEL = 10
MAX_SUBSCRIPTION_ID = 2**31 - 1
INVITE_HELP = (
    "I can't post in this private channel yet. Invite me first: type `/invite @innersource` here "
    "(or open the channel details > Integrations > Add apps), then run the command again."
)


def subscribe_command(ctx: CommandContext, args: str) -> Reply:
    if not ctx.channel_id or ctx.channel_id.startswith("D"):
        raise UsageError("Digests are for channels: run this in the channel that should get them.")
    channel = ctx.slack.channel(ctx.channel_id)
    if channel is not None and channel.is_private and not channel.is_member:
        return Reply(text=INVITE_HELP, blocks=blocks.notice(f":lock: {INVITE_HELP}"))
    if channel is not None and channel.is_archived:
        raise UsageError("This channel is archived, so it can't get digests.")
    refusal = _refusal(ctx, ctx.channel_id)
    if refusal is not None:
        return _notice(refusal)
    timezone = ctx.slack.user_timezone(ctx.user_id) or ctx.deps.settings.app.default_timezone
    try:
        request = parse_subscribe(args, timezone=timezone, default_time=ctx.deps.settings.app.digest_time)
    except ScheduleError as exc:
        raise UsageError(str(exc)) from None
    query = parse_query(request.filters)
    if query.problems:
        raise UsageError("I can't use " + ", ".join(f"`{p}`" for p in query.problems) + ".")

    schedule = request.schedule
    now = ctx.deps.clock()
    with Session(ctx.deps.engine) as session:
        existing = session.exec(
            select(Subscription).where(col(Subscription.channel_id) == ctx.channel_id)
        ).all()
        if len(existing) >= MAX_SUBSCRIPTIONS_PER_CHANNEL:
            raise UsageError(
                f"This channel already has {len(existing)} subscriptions; remove one first "
                "(`/innersource subscriptions`)."
            )
        for other in existing:
            if subscription_schedule(other) == schedule and other.filters == request.filters:
                first = next_run(schedule, now)
                return Reply(
                    text="This channel already has exactly that subscription.",
                    blocks=blocks.notice(
                        f"This channel already gets that digest ({blocks.escape(schedule.describe())}); "
                        f"the next one comes {_when(first, schedule)}."
                    ),
                )
        subscription = Subscription(
            team_id=ctx.team_id,
            channel_id=ctx.channel_id,
            created_by=ctx.user_id,
            frequency=schedule.frequency,
            weekday=schedule.weekday,
            day_of_month=schedule.day_of_month if schedule.frequency == "monthly" else None,
            time_of_day=schedule.time_of_day,
            timezone=schedule.timezone,
            filters=request.filters,
            created_at=now,
            updated_at=now,
        )
        session.add(subscription)
        session.commit()
        session.refresh(subscription)
    ctx.deps.subscriptions_changed()
    first = next_run(schedule, now)
    what = f"new projects and help-wanted issues{_matching(request.filters)}"
    text = (
        f"{blocks.mention(ctx.user_id)} subscribed this channel to a digest of {what}, "
        f"{schedule.describe()}. "
        f"The first one comes {_when(first, schedule)}."
    )
    assert subscription.id is not None
    return Reply(
        step="subscribe",
        text=text,
        blocks=[
            blocks.section(
                f":newspaper: {blocks.mention(ctx.user_id)} subscribed this channel to a digest of "
                f"{what}, "
                f"*{blocks.escape(schedule.describe())}*.\nThe first one comes {_when(first, schedule)}."
            ),
            blocks.actions(
                f"subscription:{subscription.id}",
                blocks.action_button(
                    "Unsubscribe", SubscriptionAction.UNSUBSCRIBE, str(subscription.id), style="danger"
                ),
            ),
        ],
        response_type="in_channel",
    )


def subscriptions_command(ctx: CommandContext, args: str) -> Reply:
    in_dm = not ctx.channel_id or ctx.channel_id.startswith("D")
    with Session(ctx.deps.engine) as session:
        statement = select(Subscription).order_by(col(Subscription.id))
        if in_dm:
            statement = statement.where(col(Subscription.created_by) == ctx.user_id)
        else:
            statement = statement.where(col(Subscription.channel_id) == ctx.channel_id)
        found = session.exec(statement).all()
    where = "you created" if in_dm else "in this channel"
    if not found:
        hint = "Run `/innersource subscribe` in a channel to get weekly digests there."
        return Reply(
            text=f"No subscriptions {where}. {hint}",
            blocks=blocks.notice(f"No subscriptions {where}. {hint}"),
        )
    now = ctx.deps.clock()
    lines: list[blocks.Block] = [blocks.section(f"*Digest subscriptions {where}*")]
    for sub in found:
        assert sub.id is not None
        schedule = subscription_schedule(sub)
        state = (
            f" · :double_vertical_bar: paused: {blocks.escape(sub.paused_reason or 'paused')}"
            if sub.paused
            else ""
        )
        channel = f"{blocks.channel_mention(sub.channel_id)} · " if in_dm else ""
        lines.append(
            blocks.section(
                f"`#{sub.id}` {channel}{blocks.escape(schedule.describe())}"
                f"{_matching(sub.filters)}"
                f"\nNext: {_when(next_run(schedule, now), schedule)} · "
                f"by {blocks.mention(sub.created_by)}{state}",
            )
        )
        lines.append(
            blocks.actions(
                f"subscription:{sub.id}",
                blocks.action_button("Edit", SubscriptionAction.EDIT, str(sub.id)),
                blocks.action_button("Remove", SubscriptionAction.UNSUBSCRIBE, str(sub.id), style="danger"),
            )
        )
    return Reply(text=f"{len(found)} digest subscriptions {where}.", blocks=blocks.fit(lines))


def unsubscribe_command(ctx: CommandContext, args: str) -> Reply:
    target = args.strip().lstrip("#").lower()
    if not target:
        raise UsageError("Which one? Give its number from `/innersource subscriptions`, or `all`.")
    if target == "all":
        if not ctx.channel_id or ctx.channel_id.startswith("D"):
            raise UsageError("`unsubscribe all` works in the channel whose digests should stop.")
        channel_id, chosen = ctx.channel_id, col(Subscription.channel_id) == ctx.channel_id
    else:
        if not (target.isascii() and target.isdigit()):
            raise UsageError(f"`{blocks.one_line(target, 40)}` is not a subscription number.")
        one = _subscription(ctx, int(target))
        if one is None:
            raise UsageError(f"There is no subscription #{target}.")
        channel_id, chosen = one.channel_id, col(Subscription.id) == one.id
    refusal = _refusal(ctx, channel_id)
    if refusal is not None:
        return _notice(refusal)
    with Session(ctx.deps.engine) as session:
        found = list(session.exec(select(Subscription).where(chosen)))
        for subscription in found:
            session.delete(subscription)
        session.commit()
    if not found:
        return Reply(
            text="This channel has no subscriptions.",
            blocks=blocks.notice("This channel has no subscriptions."),
        )
    ctx.deps.subscriptions_changed()
    ids = ", ".join(f"#{s.id}" for s in found)
    text = f"{blocks.mention(ctx.user_id)} removed digest subscription {ids}."
    return Reply(text=text, blocks=blocks.notice(f":wastebasket: {text}"), response_type="in_channel")


def edit_modal(ctx: CommandContext, subscription_id: int) -> dict[str, object] | str:
    """The Edit modal for one subscription, or what to tell the person instead."""
    sub = _subscription(ctx, subscription_id)
    if sub is None or sub.id is None:
        return "That subscription is gone: see `/innersource subscriptions`."
    refusal = _refusal(ctx, sub.channel_id)
    if refusal is not None:
        return refusal
    return subscription_views.subscription_edit_modal(
        sub.id, sub.frequency, sub.weekday, sub.day_of_month or 1, sub.time_of_day, sub.filters, sub.timezone
    )


def apply_edit(ctx: CommandContext, subscription_id: int, values: dict[str, str]) -> dict[str, str]:
    """Save the modal's values; returns errors by block id (empty when saved), as Slack's modal wants."""
    sub = _subscription(ctx, subscription_id)
    if sub is None:
        return {"frequency": "This subscription is gone."}
    refusal = _refusal(ctx, sub.channel_id, channel="that channel")
    if refusal is not None:
        return {"frequency": refusal}
    errors: dict[str, str] = {}
    day = values.get("day", "1").strip() or "1"
    if not day.isdigit() or not 1 <= int(day) <= 31:
        errors["day"] = "A day of the month is a number from 1 to 31."
    filters = " ".join(values.get("filters", "").split())
    problems = parse_query(filters).problems
    if problems:
        errors["filters"] = "I can't use " + ", ".join(problems)
    frequency = values.get("frequency", "weekly")
    weekday = values.get("weekday", "mon")
    time_of_day = values.get("time", "09:00")
    if frequency not in ("daily", "weekly", "monthly") or len(time_of_day) != 5:
        errors["frequency"] = "Choose daily, weekly or monthly."
    if errors:
        return errors
    with Session(ctx.deps.engine) as session:
        sub = session.get(Subscription, subscription_id)
        if sub is None:
            return {"frequency": "This subscription is gone."}
        sub.frequency, sub.weekday, sub.time_of_day, sub.filters = frequency, weekday, time_of_day, filters
        sub.day_of_month = int(day) if frequency == "monthly" else None
        sub.updated_at = ctx.deps.clock()
        session.add(sub)
        session.commit()
    ctx.deps.subscriptions_changed()
    return {}


def _notice(text: str) -> Reply:
    return Reply(text=text, blocks=blocks.notice(text))


def change_refusal(channel: str, *, member: bool | None, slack_api: bool) -> str | None:
    """Why a person who is not an admin may not change `channel`'s digests; None when they may.

    `member` is None when Slack could not tell; without any Slack API (the local console) that is a yes.
    """
    if member or (member is None and not slack_api):
        return None
    if member is None:
        return (
            f"I couldn't check with Slack whether you are in {channel}, so I changed nothing. Please try "
            "again in a minute (if I was removed from that channel, invite me back, or ask the app's admins)."
        )
    return f"Only members of {channel} or the app's admins can change its digests."


def _refusal(ctx: CommandContext, channel_id: str, *, channel: str | None = None) -> str | None:
    if ctx.is_admin:
        return None
    member = ctx.slack.is_member(channel_id, ctx.user_id)
    return change_refusal(
        channel or blocks.channel_mention(channel_id), member=member, slack_api=ctx.slack.client is not None
    )


def _subscription(ctx: CommandContext, subscription_id: int) -> Subscription | None:
    if not 0 < subscription_id <= MAX_SUBSCRIPTION_ID:
        return None
    with Session(ctx.deps.engine) as session:
        return session.get(Subscription, subscription_id)


def _matching(filters: str) -> str:
    return f" matching `{blocks.escape(filters)}`" if filters else ""


def _when(instant: datetime, schedule: Schedule) -> str:
    local = instant.astimezone(schedule.zone)
    return f"{local:%A %d %B at %H:%M} ({schedule.timezone})"


SUBSCRIBE = Subcommand(
    name="subscribe",
    summary=(
        "Subscribe this channel to a digest of new projects and help-wanted issues: daily, weekly "
        "(default: Monday 09:00 in your timezone) or monthly, with find's filters."
    ),
    usage="subscribe [daily|weekly|monthly] [on <day>] [at <HH:MM>] [filters]",
    examples=(
        "subscribe",
        "subscribe weekly on friday at 10:00 lang:python",
        "subscribe monthly on 1 topic:payments",
    ),
    handler=subscribe_command,
)
SUBSCRIPTIONS = Subcommand(
    name="subscriptions",
    summary="List this channel's digest subscriptions (in a DM with the bot: the ones you created).",
    usage="subscriptions",
    examples=("subscriptions",),
    handler=subscriptions_command,
)
UNSUBSCRIBE = Subcommand(
    name="unsubscribe",
    summary="Stop a digest subscription (its number from `subscriptions`), or all of this channel's.",
    usage="unsubscribe <number>|all",
    examples=("unsubscribe 3", "unsubscribe all"),
    handler=unsubscribe_command,
)
