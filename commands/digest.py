"""`/innersource digest preview|now`: see or post this channel's next digest."""

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session, col, select

from chatbot.handlers import CommandContext, Reply, UsageError
from chatbot.models import Subscription
from chatbot.outbox import RetryBudget, without_retries
from chatbot.slack import blocks
from commands.router import Subcommand
from digests.compose import compose_digest
from digests.deliver import ERROR, Delivered, deliver_now, window_start
from digests.render import render_digest

logger = logging.getLogger(__name__)


def digest_command(ctx: CommandContext, args: str) -> Reply:
    action = args.strip().lower()
    if action not in ("preview", "now"):
        raise UsageError("Say `preview` (only you see it) or `now` (posts it in this channel).")
    with Session(ctx.deps.engine) as session:
        subscriptions = list(
            session.exec(
                select(Subscription)
                .where(col(Subscription.channel_id) == ctx.channel_id)
                .order_by(col(Subscription.id))
            )
        )
    if not subscriptions:
        text = "This channel has no digest subscription yet. Start one with `/innersource subscribe`."
        return Reply(text=text, blocks=blocks.notice(text))
    if action == "preview":
        return preview(ctx, subscriptions)
    return post_now(ctx, subscriptions)


def preview(ctx: CommandContext, subscriptions: list[Subscription]) -> Reply:
    now = ctx.deps.clock()
    rendered: list[blocks.Block] = []
    texts: list[str] = []
    with Session(ctx.deps.engine) as session:
        for subscription in subscriptions:
            since = window_start(session, subscription, now)
            digest = compose_digest(
                session,
                subscription.filters,
                since,
                now,
                with_stats=ctx.deps.settings.app.digest_contribution_stats,
            )
            result = render_digest(digest, quiet_note=True)  # a preview always answers
            if result is None:
                continue
            text, digest_blocks = result
            label = f"#{subscription.id}" + (
                f" · `{blocks.escape(subscription.filters)}`" if subscription.filters else ""
            )
            rendered.append(
                blocks.context(f":eyes: Preview of subscription {label} — only you can see this.")
            )
            rendered.extend(digest_blocks)
            texts.append(text)
    return Reply(text="\n\n".join(texts) or "Nothing new yet.", blocks=blocks.fit(rendered))


def post_now(ctx: CommandContext, subscriptions: list[Subscription]) -> Reply:
    client = ctx.slack.client
    if client is None:
        raise UsageError("Posting needs a Slack connection; here, try `/innersource digest preview`.")
    deps, now = ctx.deps, ctx.deps.clock()

    def post() -> None:
        problems: list[tuple[Subscription, str]] = []
        for subscription in subscriptions:
            assert subscription.id is not None
            try:
                delivered = deliver_now(
                    deps.engine,
                    without_retries(client),  # the outbox retries, and never resends a lost answer
                    subscription.id,
                    now=now,
                    sleep=deps.sleep,
                    with_stats=deps.settings.app.digest_contribution_stats,
                    budget=RetryBudget(seconds=deps.settings.app.digest_retry_minutes * 60),
                )
            except Exception:  # e.g. the database went away: say so rather than stay silent
                logger.exception("on-demand digest for subscription %s failed", subscription.id)
                delivered = Delivered(ERROR, "something went wrong on my side")
            logger.info("on-demand digest for subscription %s: %s", subscription.id, delivered.outcome)
            if delivered.problem:
                problems.append((subscription, delivered.problem))
        if problems:
            tell_asker(client, ctx.channel_id, ctx.user_id, failure_message(problems, len(subscriptions)))

    # Composing and posting can take minutes (rate limits, retries): off the request path, after the ack.
    deps.run_in_background(post)
    text = "Posting this channel's digest now. The scheduled one still comes on time."
    return Reply(text=text, blocks=blocks.notice(f":newspaper: {text}"))


def failure_message(problems: list[tuple[Subscription, str]], asked: int) -> str:
    lines = []
    for subscription, problem in problems:
        which = "this channel's digest" if asked == 1 else f"the digest of subscription #{subscription.id}"
        lines.append(f":warning: I couldn't post {which}: {problem}.")
    return "\n".join(lines)


def tell_asker(client: WebClient, channel_id: str, user_id: str, text: str) -> None:
    """Only to them, in the channel; in a DM when Slack won't show it there. Best effort."""
    try:
        client.chat_postEphemeral(channel=channel_id, user=user_id, text=text, blocks=blocks.notice(text))
        return
    except (SlackApiError, OSError) as exc:
        logger.info("could not tell %s in %s: %s", user_id, channel_id, type(exc).__name__)
    try:
        dm = client.conversations_open(users=user_id)["channel"]["id"]
        client.chat_postMessage(channel=str(dm), text=text, blocks=blocks.notice(text))
    except (SlackApiError, OSError, KeyError, TypeError) as exc:
        logger.warning("could not tell %s that the digest failed: %s", user_id, type(exc).__name__)


SUBCOMMAND = Subcommand(
    name="digest",
    summary="See what this channel's next digest would contain (`preview`, only you), or post it `now`.",
    usage="digest preview|now",
    examples=("digest preview", "digest now"),
    handler=digest_command,
)
