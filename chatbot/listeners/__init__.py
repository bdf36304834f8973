"""Every Bolt listener, registered from one place. Each module has the same `register(app, deps, registry)`;
listeners are thin: payload in, a feature function, respond out."""

from typing import Any

from slack_bolt import App, BoltContext

from chatbot.handlers import Deps
from chatbot.listeners import commands, events, nudges
from commands.router import Registry


def register(app: App, deps: Deps, registry: Registry, *, slack_api: bool = True) -> None:
    """`slack_api=False` (the local console): handlers get no Web API client and use defaults."""

    def inject(context: BoltContext, next: Any) -> None:
        context["deps"] = deps
        context["registry"] = registry
        context["slack_api"] = slack_api
        next()

    app.use(inject)
    for module in (commands, events, nudges):
        module.register(app, deps, registry)
