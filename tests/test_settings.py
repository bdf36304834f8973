from pathlib import Path

import pytest

from chatbot.settings import (
    DEFAULT_SLACK_API_URL,
    AppConfig,
    Settings,
    SettingsError,
    SourceConfig,
    load_settings,
    parse_app_config,
)

BOT = "xoxb-1111-2222-secretbotvalue"
SECRET = "0123456789abcdef-signing-secret"
APP = "xapp-1-A111-222-secretappvalue"
SLACK_VARS = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_URL")

CONFIG = """
[app]
admins = ["U012ABCDEF", "U0987ZYXW"]
guide_url = "https://wiki.example/innersource"

[defaults]
timezone = "Europe/Berlin"
digest_time = "08:30"
review_sla_days = 3

[[sources]]
kind = "github"
org = "acme"

[[sources]]
kind = "portal"
name = "legacy portal"
path = "https://portal.example/repos.json"
"""


@pytest.fixture(autouse=True)
def in_empty_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No innersource.toml or .env from the repository leaks into a test."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def load(tmp_path: Path, **env: str) -> Settings:
    return load_settings(environ=env, dotenv_path=tmp_path / ".env")


def problems_of(exc: pytest.ExceptionInfo[SettingsError]) -> str:
    return "\n".join(exc.value.problems)


# --- defaults and environment -----------------------------------------------------------------------


def test_defaults(tmp_path: Path) -> None:
    data_dir = tmp_path / "state"

    settings = load(tmp_path, INNERSOURCE_DATA_DIR=str(data_dir))

    assert settings.port == 3000
    assert settings.data_dir == data_dir
    assert settings.database_url == f"sqlite:///{data_dir / 'innersource.db'}"
    assert settings.uses_default_database
    assert settings.slack_api_url == DEFAULT_SLACK_API_URL == "https://slack.com/api/"
    assert settings.bot_token is None and settings.signing_secret is None
    assert not settings.socket_mode
    assert settings.search_in_memory
    assert settings.app == AppConfig()


def test_values_from_the_environment(tmp_path: Path) -> None:
    settings = load(
        tmp_path,
        PORT="8080",
        DATABASE_URL="postgresql://db.example/innersource",
        SLACK_API_URL="http://127.0.0.1:9000/api",
        LOG_LEVEL="debug",
    )

    assert settings.port == 8080
    assert settings.database_url == "postgresql://db.example/innersource"
    assert not settings.uses_default_database
    assert settings.slack_api_url == "http://127.0.0.1:9000/api/"
    assert settings.log_level == "DEBUG"


@pytest.mark.parametrize(("name", "value"), [("PORT", "http"), ("PORT", "0"), ("INNERSOURCE_THREADS", "-2")])
def test_invalid_numbers_name_the_variable(tmp_path: Path, name: str, value: str) -> None:
    with pytest.raises(SettingsError) as exc:
        load(tmp_path, **{name: value})

    assert name in problems_of(exc)
    assert value in problems_of(exc)


def test_search_in_memory_can_be_turned_off(tmp_path: Path) -> None:
    assert not load(tmp_path, INNERSOURCE_SEARCH_IN_MEMORY="OFF").search_in_memory
    with pytest.raises(SettingsError, match="INNERSOURCE_SEARCH_IN_MEMORY must be on or off"):
        load(tmp_path, INNERSOURCE_SEARCH_IN_MEMORY="maybe")


def test_slack_api_url_must_be_http(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="SLACK_API_URL"):
        load(tmp_path, SLACK_API_URL="slack.com/api")


def test_all_problems_are_reported_at_once(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as exc:
        load(tmp_path, PORT="x", SLACK_API_URL="ftp://slack", INNERSOURCE_CONFIG=str(tmp_path / "gone.toml"))

    assert len(exc.value.problems) == 3


# --- innersource.toml -------------------------------------------------------------------------------


def test_config_file_pointing_nowhere(tmp_path: Path) -> None:
    missing = tmp_path / "innersource-prod.toml"

    with pytest.raises(SettingsError) as exc:
        load(tmp_path, INNERSOURCE_CONFIG=str(missing))

    assert "INNERSOURCE_CONFIG" in problems_of(exc)
    assert str(missing) in problems_of(exc)
    assert "does not exist" in problems_of(exc)


def test_config_file_is_parsed(tmp_path: Path) -> None:
    path = tmp_path / "custom.toml"
    path.write_text(CONFIG, encoding="utf-8")

    settings = load(tmp_path, INNERSOURCE_CONFIG=str(path))

    assert settings.config_path == path
    assert settings.app.admins == ("U012ABCDEF", "U0987ZYXW")
    assert settings.app.guide_url == "https://wiki.example/innersource"
    assert settings.app.default_timezone == "Europe/Berlin"
    assert settings.app.digest_time == "08:30"
    assert settings.app.review_sla_days == 3.0
    assert settings.app.sources == (
        SourceConfig(kind="github", name="github:acme", options={"org": "acme"}),
        SourceConfig(
            kind="portal", name="legacy portal", options={"path": "https://portal.example/repos.json"}
        ),
    )


def test_innersource_toml_in_the_working_directory_is_found(in_empty_dir: Path) -> None:
    (in_empty_dir / "innersource.toml").write_text(CONFIG, encoding="utf-8")

    settings = load(in_empty_dir)

    assert settings.config_path == Path("innersource.toml")
    assert settings.app.default_timezone == "Europe/Berlin"


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("[app\nadmins = [", encoding="utf-8")

    with pytest.raises(SettingsError) as exc:
        load(tmp_path, INNERSOURCE_CONFIG=str(path))

    assert f"{path} is not valid TOML" in problems_of(exc)


@pytest.mark.parametrize(
    ("toml", "mentions"),
    [
        pytest.param('[defaults]\ntimezone = "Mars/Olympus_Mons"', "timezone", id="timezone"),
        pytest.param('[defaults]\ndigest_time = "9am"', "digest_time", id="digest-time-format"),
        pytest.param('[defaults]\ndigest_time = "24:00"', "digest_time", id="digest-time-range"),
        pytest.param("[defaults]\nreview_sla_days = 0", "review_sla_days", id="sla"),
        pytest.param('[app]\nadmins = "U012ABCDEF"', "admins", id="admins-not-a-list"),
        pytest.param('[[sources]]\nkind = "bitbucket"', "kind", id="source-kind"),
        pytest.param('[[sources]]\norg = "acme"', "kind", id="source-without-kind"),
        pytest.param('sources = "github"', "sources", id="sources-not-tables"),
    ],
)
def test_bad_config_values_name_the_key(tmp_path: Path, toml: str, mentions: str) -> None:
    path = tmp_path / "innersource.toml"
    path.write_text(toml, encoding="utf-8")

    with pytest.raises(SettingsError) as exc:
        load(tmp_path, INNERSOURCE_CONFIG=str(path))

    (problem,) = exc.value.problems
    assert problem.startswith(f"{path}: ")
    assert mentions in problem


def test_bad_source_kind_lists_the_valid_ones() -> None:
    with pytest.raises(SettingsError) as exc:
        parse_app_config({"sources": [{"kind": "github", "org": "a"}, {"kind": "svn"}]})

    (problem,) = exc.value.problems
    assert problem.startswith("sources[1] kind")
    assert "github, gitlab, gitee, portal" in problem
    assert "'svn'" in problem


# --- what `serve` needs -----------------------------------------------------------------------------


def test_missing_bot_token_says_where_to_get_it() -> None:
    with pytest.raises(SettingsError) as exc:
        Settings(signing_secret=SECRET).require_slack()

    (problem,) = exc.value.problems
    assert "SLACK_BOT_TOKEN" in problem
    assert "OAuth & Permissions" in problem


def test_missing_signing_secret_in_http_mode_says_where_to_get_it() -> None:
    with pytest.raises(SettingsError) as exc:
        Settings(bot_token=BOT).require_slack()

    (problem,) = exc.value.problems
    assert "SLACK_SIGNING_SECRET" in problem
    assert "Signing Secret" in problem
    assert "SLACK_APP_TOKEN" in problem  # the Socket Mode alternative is offered


def test_wrong_kind_of_bot_token() -> None:
    with pytest.raises(SettingsError, match="xoxb-"):
        Settings(bot_token="xoxp-user-token", signing_secret=SECRET).require_slack()


def test_bad_app_token() -> None:
    with pytest.raises(SettingsError) as exc:
        Settings(bot_token=BOT, app_token="xoxb-not-an-app-token").require_slack()

    (problem,) = exc.value.problems
    assert "SLACK_APP_TOKEN" in problem and "xapp-" in problem
    assert "connections:write" in problem
    assert "xoxb-not-an-app-token" not in str(exc.value)


def test_socket_mode_needs_no_signing_secret() -> None:
    settings = Settings(bot_token=BOT, app_token=APP)

    settings.require_slack()

    assert settings.socket_mode


def test_http_mode_with_token_and_secret_is_complete() -> None:
    Settings(bot_token=BOT, signing_secret=SECRET).require_slack()


def test_secrets_never_appear_in_repr(tmp_path: Path) -> None:
    settings = load(tmp_path, SLACK_BOT_TOKEN=BOT, SLACK_SIGNING_SECRET=SECRET, SLACK_APP_TOKEN=APP)

    assert (settings.bot_token, settings.signing_secret, settings.app_token) == (BOT, SECRET, APP)
    for text in (repr(settings), str(settings)):
        assert BOT not in text
        assert SECRET not in text
        assert APP not in text


# --- .env -------------------------------------------------------------------------------------------


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (*SLACK_VARS, "DATABASE_URL", "INNERSOURCE_CONFIG", "PORT", "INNERSOURCE_THREADS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("INNERSOURCE_DATA_DIR", str(tmp_path / "data"))


def test_dotenv_in_the_working_directory_is_read(in_empty_dir: Path, clean_env: None) -> None:
    (in_empty_dir / ".env").write_text("SLACK_BOT_TOKEN=xoxb-from-dotenv\nPORT=4000\n", encoding="utf-8")

    settings = load_settings()

    assert settings.bot_token == "xoxb-from-dotenv"
    assert settings.port == 4000


def test_real_environment_wins_over_dotenv(
    in_empty_dir: Path, clean_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    (in_empty_dir / ".env").write_text(
        "SLACK_BOT_TOKEN=xoxb-from-dotenv\nSLACK_SIGNING_SECRET=from-dotenv\n", encoding="utf-8"
    )
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-from-environment")

    settings = load_settings()

    assert settings.bot_token == "xoxb-from-environment"
    assert settings.signing_secret == "from-dotenv"


def test_dotenv_path_chooses_another_file(in_empty_dir: Path, clean_env: None) -> None:
    (in_empty_dir / ".env").write_text("SLACK_BOT_TOKEN=xoxb-from-default-dotenv\n", encoding="utf-8")
    custom = in_empty_dir / "staging.env"
    custom.write_text("SLACK_BOT_TOKEN=xoxb-from-staging\n", encoding="utf-8")

    settings = load_settings(dotenv_path=custom)

    assert settings.bot_token == "xoxb-from-staging"


def test_digest_options_from_toml() -> None:
    from chatbot.settings import parse_app_config

    config = parse_app_config({"digests": {"quiet_note": True, "grace_hours": 4, "contribution_stats": True}})
    assert (config.digest_quiet_note, config.digest_grace_hours, config.digest_contribution_stats) == (
        True,
        4.0,
        True,
    )
    with pytest.raises(SettingsError, match="grace_hours"):
        parse_app_config({"digests": {"grace_hours": 500}})
    with pytest.raises(SettingsError, match="quiet_note"):
        parse_app_config({"digests": {"quiet_note": "yes"}})
