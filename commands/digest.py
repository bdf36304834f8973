"""`/innersource digest preview|now`: see or post this channel's next digest."""

import logging

from sqlmodel import Session, col, select

from chatbot.models import Subscription
from chatbot.slack import blocks
from commands.router import CommandContext, Reply, Subcommand, UsageError
from digests.compose import compose_digest
from digests.deliver import deliver_one, window_start
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
    now = ctx.deps.clock()
    engine = ctx.deps.engine

    def post() -> None:
        for subscription in subscriptions:
            assert subscription.id is not None
            outcome = deliver_one(
                engine, client, subscription.id, now, now=now, on_demand=True, quiet_note=True
            )
            logger.info("on-demand digest for subscription %s: %s", subscription.id, outcome)

    # Composing and posting can take seconds (rate limits): off the request path, after the ack.
    ctx.deps.run_in_background(post)
    text = "Posting this channel's digest now. The scheduled one still comes on time."
    return Reply(text=text, blocks=blocks.notice(f":newspaper: {text}"))


SUBCOMMAND = Subcommand(
    name="digest",
    summary="See what this channel's next digest would contain (`preview`, only you), or post it `now`.",
    usage="digest preview|now",
    examples=("digest preview", "digest now"),
    handler=digest_command,
)
