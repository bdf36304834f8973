import http.client
import json
import threading
import time
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import ServerErrorRetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.webhook import WebhookClient

from tests.fakes.slack import FakeSlack, redact_token

BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Weekly digest*"}}]


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as server:
        yield server


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(token="xoxb-test", base_url=fake.api_url)


def test_post_message_is_recorded_with_decoded_blocks(fake: FakeSlack, client: WebClient) -> None:
    first = client.chat_postMessage(channel="C123", text="digest", blocks=BLOCKS)
    # form-encoded post, as slack_sdk does for params=: blocks arrive as a JSON string
    second = client.api_call("chat.postMessage", params={"channel": "C123", "blocks": json.dumps(BLOCKS)})

    assert first["channel"] == "C123"
    assert first["message"]["blocks"] == BLOCKS
    assert first["ts"] < second["ts"]
    calls = fake.calls("chat.postMessage")
    assert [c.params["blocks"] for c in calls] == [BLOCKS, BLOCKS]
    assert calls[0].params["text"] == "digest"
    assert calls[0].headers["authorization"] == f"Bearer {redact_token('xoxb-test')}"
    assert "xoxb-test" not in repr(calls)


def test_auth_test_reports_bot_identity_and_scopes(client: WebClient) -> None:
    resp = client.auth_test()
    assert resp["user_id"] == "UBOT" and resp["team_id"] == "T0FAKE"
    assert "users:read.email" in resp.headers["x-oauth-scopes"].split(",")


def test_users_info_and_lookup_by_email(fake: FakeSlack, client: WebClient) -> None:
    fake.add_user("U1", name="ada", tz="Europe/Berlin", email="ada@example.com")
    expected = datetime.now(ZoneInfo("Europe/Berlin")).utcoffset()

    user = client.users_info(user="U1")["user"]
    assert user["tz"] == "Europe/Berlin"
    assert expected is not None and user["tz_offset"] == int(expected.total_seconds())
    assert client.users_lookupByEmail(email="ADA@example.com")["user"]["id"] == "U1"
    with pytest.raises(SlackApiError) as missing:
        client.users_info(user="U404")
    assert missing.value.response["error"] == "user_not_found"


def test_non_member_channel_gives_not_in_channel(fake: FakeSlack, client: WebClient) -> None:
    fake.add_channel("C9", name="secret", is_private=True, is_member=False)
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel="C9", text="hi")
    assert err.value.response["error"] == "not_in_channel"
    assert client.conversations_info(channel="C9")["channel"]["is_member"] is False


def test_dm_via_conversations_open(client: WebClient) -> None:
    channel = client.conversations_open(users="U1")["channel"]["id"]
    assert channel.startswith("D")
    assert client.conversations_open(users="U1")["channel"]["id"] == channel
    assert client.chat_postMessage(channel=channel, text="hello")["channel"] == channel


def test_injected_429_has_retry_after(fake: FakeSlack, client: WebClient) -> None:
    fake.fail("chat.postMessage", status=429, retry_after=7)
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel="C1", text="hi")
    assert err.value.response.status_code == 429
    assert err.value.response.headers["Retry-After"] == "7"
    assert err.value.response["error"] == "ratelimited"
    assert client.chat_postMessage(channel="C1", text="hi")["ok"]
    assert len(fake.calls("chat.postMessage")) == 2


def test_injected_500_then_success(fake: FakeSlack) -> None:
    fake.fail("chat.postMessage", status=500)
    retry = ServerErrorRetryHandler(
        max_retry_count=1, interval_calculator=FixedValueRetryIntervalCalculator(0)
    )
    client = WebClient(token="xoxb-test", base_url=fake.api_url, retry_handlers=[retry])

    assert client.chat_postMessage(channel="C1", text="hi")["ok"]
    assert len(fake.calls("chat.postMessage")) == 2


def test_injected_error_code_and_reset(fake: FakeSlack, client: WebClient) -> None:
    fake.fail("users.info", error="fatal_error", times=2)
    fake.reset()
    fake.fail("views.publish", error="not_enabled")
    with pytest.raises(SlackApiError) as err:
        client.views_publish(user_id="U1", view={"type": "home", "blocks": BLOCKS})
    assert err.value.response["error"] == "not_enabled"
    view = client.views_publish(user_id="U1", view={"type": "home", "blocks": BLOCKS})["view"]
    assert view["id"].startswith("V") and view["blocks"] == BLOCKS
    assert [c.method for c in fake.calls()] == ["views.publish", "views.publish"]


def test_bad_or_missing_token(fake: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as invalid:
        WebClient(token="xoxz-nope", base_url=fake.api_url).auth_test()
    assert invalid.value.response["error"] == "invalid_auth"
    with pytest.raises(SlackApiError) as missing:
        WebClient(base_url=fake.api_url).auth_test()
    assert missing.value.response["error"] == "not_authed"


def test_wait_for_times_out_quickly_with_context(fake: FakeSlack, client: WebClient) -> None:
    client.auth_test()
    started = time.monotonic()
    with pytest.raises(AssertionError, match=r"'chat.postMessage'.*auth.test"):
        fake.wait_for("chat.postMessage", timeout=0.2)
    assert time.monotonic() - started < 2


def test_wait_for_wakes_on_calls_from_other_threads(fake: FakeSlack, client: WebClient) -> None:
    worker = threading.Thread(
        target=lambda: [client.chat_postMessage(channel="C1", text=str(i)) for i in range(3)]
    )
    worker.start()
    calls = fake.wait_for("chat.postMessage", count=3)
    worker.join()
    assert [c.params["text"] for c in calls] == ["0", "1", "2"]


def test_response_url_post_is_recorded(fake: FakeSlack) -> None:
    resp = WebhookClient(fake.response_url("cmd-1")).send(
        text="done", blocks=BLOCKS, response_type="ephemeral"
    )
    assert (resp.status_code, resp.body) == (200, "ok")
    (call,) = fake.wait_for("response_url")
    assert call.params == {"text": "done", "blocks": BLOCKS, "response_type": "ephemeral", "_key": "cmd-1"}
    assert "authorization" not in call.headers


def test_channel_rate_limit_uses_injected_clock(fake: FakeSlack, client: WebClient) -> None:
    now = [100.0]
    fake.limit_channel_rate(1.0, clock=lambda: now[0])

    assert client.chat_postMessage(channel="C1", text="one")["ok"]
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel="C1", text="two")
    assert err.value.response.status_code == 429
    assert err.value.response.headers["Retry-After"] == "1"
    assert client.chat_postMessage(channel="C2", text="other channel")["ok"]
    now[0] += 0.5
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C1", text="still too soon")
    now[0] += 0.5
    assert client.chat_postMessage(channel="C1", text="three")["ok"]


def test_get_head_and_keep_alive(fake: FakeSlack) -> None:
    fake.add_user("U1", tz="UTC")
    with urllib.request.urlopen(f"{fake.api_url}users.info?user=U1&token=xoxb-q") as resp:
        assert json.load(resp)["user"]["id"] == "U1"
    assert fake.calls("users.info")[0].params["token"] == redact_token("xoxb-q")

    conn = http.client.HTTPConnection("127.0.0.1", int(fake.url.rsplit(":", 1)[1]), timeout=5)
    try:
        conn.request("HEAD", "/api/auth.test")
        head = conn.getresponse()
        assert head.status == 200 and head.read() == b""
        for _ in range(2):  # same connection, twice
            conn.request("POST", "/api/auth.test", body=b"", headers={"Authorization": "Bearer xoxp-u"})
            assert json.loads(conn.getresponse().read())["ok"] is True
    finally:
        conn.close()
    assert len(fake.calls("auth.test")) == 2
