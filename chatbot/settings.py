"""Configuration: environment variables (and `.env`) plus an optional `innersource.toml`.

Secrets never appear in `repr()` or in error messages.
"""

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

from chatbot.nudges.config import NudgeSettings, parse_nudges
from chatbot.onboarding.config import OnboardingSettings, parse_onboarding

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_THREADS = 4  # per process: more threads only fight over the GIL (benchmarks/find_http.py)
SOURCE_KINDS = ("github", "gitlab", "gitee", "portal")
SLACK_APPS_PAGE = "https://api.slack.com/apps"


class SettingsError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(f"- {p}" for p in problems))


@dataclass(frozen=True)
class SourceConfig:
    kind: str
    name: str
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AppConfig:
    """What `innersource.toml` holds."""

    admins: tuple[str, ...] = ()
    guide_url: str | None = None
    default_timezone: str = "UTC"
    digest_time: str = "09:00"
    review_sla_days: float = 2.0
    sync_interval_minutes: int = 60
    digest_quiet_note: bool = False
    digest_grace_hours: float = 12.0
    digest_retry_minutes: float = 10.0  # how long one digest keeps trying through Slack's errors
    digest_contribution_stats: bool = False
    sources: tuple[SourceConfig, ...] = ()
    nudges: NudgeSettings = field(default_factory=NudgeSettings)
    onboarding: OnboardingSettings = field(default_factory=OnboardingSettings)


@dataclass(frozen=True)
class Settings:
    bot_token: str | None = field(default=None, repr=False)
    signing_secret: str | None = field(default=None, repr=False)
    app_token: str | None = field(default=None, repr=False)
    github_webhook_secret: str | None = field(default=None, repr=False)
    slack_api_url: str = DEFAULT_SLACK_API_URL
    database_url: str = "sqlite:///data/innersource.db"
    data_dir: Path = Path("data")
    config_path: Path | None = None
    host: str = "0.0.0.0"
    port: int = 3000
    threads: int = DEFAULT_THREADS
    workers: int = 1
    search_in_memory: bool = True  # rank from an in-memory copy of the search index (both databases)
    log_level: str = "INFO"
    app: AppConfig = field(default_factory=AppConfig)

    @property
    def socket_mode(self) -> bool:
        return bool(self.app_token)

    @property
    def uses_default_database(self) -> bool:
        return self.database_url == default_database_url(self.data_dir)

    def require_slack(self) -> None:
        """Check what `serve` needs; the messages say what is missing and where to get it."""
        problems: list[str] = []
        if not self.bot_token:
            problems.append(
                "SLACK_BOT_TOKEN is not set. Copy the Bot User OAuth Token (xoxb-...) from "
                f"{SLACK_APPS_PAGE} > your app > OAuth & Permissions (install the app first)."
            )
        elif not self.bot_token.startswith("xoxb-"):
            problems.append("SLACK_BOT_TOKEN must be a bot token starting with xoxb- (OAuth & Permissions).")
        if self.app_token is not None and not self.app_token.startswith("xapp-"):
            problems.append(
                "SLACK_APP_TOKEN must be an app-level token starting with xapp-: "
                f"{SLACK_APPS_PAGE} > your app > Basic Information > App-Level Tokens, "
                "with the connections:write scope."
            )
        if not self.socket_mode and not self.signing_secret:
            problems.append(
                "SLACK_SIGNING_SECRET is not set (needed in HTTP mode). Copy the Signing Secret from "
                f"{SLACK_APPS_PAGE} > your app > Basic Information > App Credentials, "
                "or set SLACK_APP_TOKEN to use Socket Mode instead."
            )
        if problems:
            raise SettingsError(problems)


def default_database_url(data_dir: Path) -> str:
    return f"sqlite:///{data_dir / 'innersource.db'}"


def load_settings(environ: Mapping[str, str] | None = None, *, dotenv_path: Path | None = None) -> Settings:
    """Read settings from `environ` (default: the process environment) over `.env` in the working dir."""
    env: dict[str, str] = {}
    dotenv_file = dotenv_path if dotenv_path is not None else Path(".env")
    if environ is None and dotenv_file.is_file():
        env.update({k: v for k, v in dotenv_values(dotenv_file).items() if v is not None})
    env.update(os.environ if environ is None else environ)

    problems: list[str] = []
    data_dir = Path(env.get("INNERSOURCE_DATA_DIR") or "data")
    port = _int(env, "PORT", 3000, problems)
    threads = _int(env, "INNERSOURCE_THREADS", DEFAULT_THREADS, problems)
    workers = _int(env, "INNERSOURCE_WORKERS", 1, problems)
    in_memory = (env.get("INNERSOURCE_SEARCH_IN_MEMORY") or "on").strip().lower()
    if in_memory not in ("on", "off"):
        problems.append("INNERSOURCE_SEARCH_IN_MEMORY must be on or off")
    if threads < 1:
        problems.append("INNERSOURCE_THREADS must be at least 1")
    if workers < 1:
        problems.append(
            "INNERSOURCE_WORKERS must be at least 1 (one serving process per CPU core is typical)"
        )
    api_url = env.get("SLACK_API_URL") or DEFAULT_SLACK_API_URL
    if not re.match(r"^https?://", api_url):
        problems.append(f"SLACK_API_URL must be an http(s) URL such as {DEFAULT_SLACK_API_URL}")
    if not api_url.endswith("/"):
        api_url += "/"

    config_path: Path | None = None
    app = AppConfig()
    raw_config = env.get("INNERSOURCE_CONFIG")
    if raw_config:
        config_path = Path(raw_config)
        if not config_path.is_file():
            problems.append(f"INNERSOURCE_CONFIG points to {config_path}, which does not exist.")
            config_path = None
    elif Path("innersource.toml").is_file():
        config_path = Path("innersource.toml")
    if config_path is not None:
        try:
            app = parse_app_config(tomllib.loads(config_path.read_text(encoding="utf-8")))
        except tomllib.TOMLDecodeError as exc:
            problems.append(f"{config_path} is not valid TOML: {exc}")
        except SettingsError as exc:
            problems.extend(f"{config_path}: {p}" for p in exc.problems)

    if problems:
        raise SettingsError(problems)
    return Settings(
        bot_token=env.get("SLACK_BOT_TOKEN") or None,
        signing_secret=env.get("SLACK_SIGNING_SECRET") or None,
        app_token=env.get("SLACK_APP_TOKEN") or None,
        github_webhook_secret=env.get("GITHUB_WEBHOOK_SECRET") or None,
        slack_api_url=api_url,
        database_url=env.get("DATABASE_URL") or default_database_url(data_dir),
        data_dir=data_dir,
        config_path=config_path,
        host=env.get("HOST") or "0.0.0.0",
        port=port,
        threads=threads,
        workers=workers,
        search_in_memory=in_memory != "off",
        log_level=(env.get("LOG_LEVEL") or "INFO").upper(),
        app=app,
    )


def parse_app_config(doc: Mapping[str, Any]) -> AppConfig:
    problems: list[str] = []
    app = doc.get("app", {})
    defaults = doc.get("defaults", {})
    if not isinstance(app, dict) or not isinstance(defaults, dict):
        raise SettingsError(["[app] and [defaults] must be tables"])

    admins = app.get("admins", [])
    if not isinstance(admins, list) or not all(isinstance(a, str) and a for a in admins):
        problems.append('[app] admins must be a list of Slack user ids, e.g. admins = ["U012ABCDEF"]')
        admins = []

    timezone = str(defaults.get("timezone", "UTC"))
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f'[defaults] timezone "{timezone}" is not an IANA timezone such as "Europe/Berlin"')

    digest_time = str(defaults.get("digest_time", "09:00"))
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", digest_time):
        problems.append(f'[defaults] digest_time "{digest_time}" must be HH:MM, e.g. "09:00"')

    sla = defaults.get("review_sla_days", 2)
    if not isinstance(sla, int | float) or isinstance(sla, bool) or sla <= 0:
        problems.append("[defaults] review_sla_days must be a positive number of working days")
        sla = 2

    sync = doc.get("sync", {})
    interval = sync.get("interval_minutes", 60) if isinstance(sync, dict) else 60
    if not isinstance(interval, int) or isinstance(interval, bool) or not 5 <= interval <= 24 * 60:
        problems.append("[sync] interval_minutes must be a whole number of minutes from 5 to 1440")
        interval = 60

    digests = doc.get("digests", {})
    if not isinstance(digests, dict):
        problems.append("[digests] must be a table")
        digests = {}
    quiet_note = digests.get("quiet_note", False)
    stats = digests.get("contribution_stats", False)
    if not isinstance(quiet_note, bool) or not isinstance(stats, bool):
        problems.append("[digests] quiet_note and contribution_stats must be true or false")
        quiet_note, stats = False, False
    grace = digests.get("grace_hours", 12)
    if not isinstance(grace, int | float) or isinstance(grace, bool) or not 0 <= grace <= 72:
        problems.append("[digests] grace_hours must be a number of hours from 0 to 72")
        grace = 12
    retry = digests.get("retry_minutes", 10)
    if not isinstance(retry, int | float) or isinstance(retry, bool) or not 0 <= retry <= 60:
        problems.append("[digests] retry_minutes must be a number of minutes from 0 to 60")
        retry = 10

    sources: list[SourceConfig] = []
    raw_sources = doc.get("sources", [])
    if not isinstance(raw_sources, list):
        problems.append("sources must be an array of tables: [[sources]]")
        raw_sources = []
    for index, raw in enumerate(raw_sources):
        if not isinstance(raw, dict):
            problems.append(f"sources[{index}] must be a table")
            continue
        kind = raw.get("kind")
        if kind not in SOURCE_KINDS:
            problems.append(f"sources[{index}] kind must be one of {', '.join(SOURCE_KINDS)} (got {kind!r})")
            continue
        options = {k: v for k, v in raw.items() if k not in ("kind", "name")}
        default_name = f"{kind}:{options.get('org') or options.get('group') or options.get('path') or index}"
        sources.append(SourceConfig(kind=kind, name=str(raw.get("name") or default_name), options=options))

    nudges = parse_nudges(doc.get("nudges"), problems)
    onboarding = parse_onboarding(doc.get("onboarding"), problems)
    guide_url = app.get("guide_url")
    if problems:
        raise SettingsError(problems)
    return AppConfig(
        admins=tuple(admins),
        guide_url=str(guide_url) if guide_url else None,
        default_timezone=timezone,
        digest_time=digest_time,
        review_sla_days=float(sla),
        sync_interval_minutes=interval,
        digest_quiet_note=quiet_note,
        digest_grace_hours=float(grace),
        digest_retry_minutes=float(retry),
        digest_contribution_stats=stats,
        sources=tuple(sources),
        nudges=nudges,
        onboarding=onboarding,
    )


def _int(env: Mapping[str, str], name: str, default: int, problems: list[str]) -> int:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        problems.append(f"{name} must be a whole number (got {raw!r})")
        return default
    if value <= 0:
        problems.append(f"{name} must be positive (got {value})")
        return default
    return value
