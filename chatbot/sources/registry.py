"""Build the configured sources from `innersource.toml` and the environment."""

import os
from collections.abc import Mapping

from chatbot.settings import SettingsError, SourceConfig
from chatbot.sources.base import DEFAULT_HELP_WANTED_LABELS, Source

TOKEN_HELP = {
    "github": "a GitHub token with read access to the organisation's repositories (repo, read:org)",
    "gitlab": "a GitLab personal or group access token with the read_api scope",
    "gitee": "a Gitee personal access token (projects, issues, pull_requests)",
}


def build_sources(
    configs: tuple[SourceConfig, ...], environ: Mapping[str, str] | None = None
) -> list[Source]:
    env = os.environ if environ is None else environ
    problems: list[str] = []
    sources: list[Source] = []
    for config in configs:
        try:
            sources.append(build_source(config, env))
        except SettingsError as exc:
            problems.extend(exc.problems)
    if problems:
        raise SettingsError(problems)
    return sources


def build_source(config: SourceConfig, env: Mapping[str, str]) -> Source:
    options = config.options
    labels = tuple(options.get("labels") or DEFAULT_HELP_WANTED_LABELS)
    topic = options.get("topic") or None
    if config.kind == "portal":
        from chatbot.sources.portal import PortalSource

        path = options.get("path") or options.get("url")
        if not path:
            raise SettingsError(
                [f'source {config.name}: a portal source needs path = "repos.json path or URL"']
            )
        return PortalSource(config.name, str(path))

    token_env = str(options.get("token_env") or f"{config.kind.upper()}_TOKEN")
    token = env.get(token_env)
    if not token:
        raise SettingsError(
            [
                f"source {config.name}: set {token_env} to {TOKEN_HELP[config.kind]} "
                "(the variable's name is token_env in innersource.toml)"
            ]
        )
    if config.kind == "github":
        from chatbot.sources.github import GitHubSource

        org = _required(config, "org")
        api_url = str(options.get("api_url") or "https://api.github.com")
        return GitHubSource(config.name, org, token, api_url=api_url, topic=topic, labels=labels)
    if config.kind == "gitlab":
        from chatbot.sources.gitlab import GitLabSource

        group = _required(config, "group")
        url = str(options.get("url") or options.get("api_url") or "https://gitlab.com")
        return GitLabSource(config.name, group, token, url=url, topic=topic, labels=labels)
    if config.kind == "gitee":
        from chatbot.sources.gitee import GiteeSource

        org = _required(config, "org")
        url = str(options.get("url") or options.get("api_url") or "https://gitee.com/api")
        return GiteeSource(config.name, org, token, url=url, topic=topic, labels=labels)
    raise SettingsError([f"source {config.name}: unknown kind {config.kind}"])


def _required(config: SourceConfig, key: str) -> str:
    value = config.options.get(key)
    if not value or not isinstance(value, str):
        raise SettingsError([f"source {config.name}: `{key}` is required for a {config.kind} source"])
    return value
