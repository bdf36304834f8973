"""The `/innersource` subcommands; `build_registry()` lists them in the order help shows them."""

from commands import digest, find, nudges, project, skills, subscribe
from commands.router import Registry


def build_registry() -> Registry:
    return Registry(
        [
            find.SUBCOMMAND,
            project.SUBCOMMAND,
            subscribe.SUBSCRIBE,
            subscribe.SUBSCRIPTIONS,
            subscribe.UNSUBSCRIBE,
            digest.SUBCOMMAND,
            nudges.STALE,
            nudges.NUDGES,
            nudges.LINK,
            nudges.UNLINK,
            skills.SUBCOMMAND,
        ]
    )
