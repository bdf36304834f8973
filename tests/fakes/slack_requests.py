"""Requests as Slack signs and sends them to the app: a slash command's form body and its signed headers."""

import time
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

SIGNING_SECRET = "test-signing-secret"


def slash_command_body(
    text: str, *, response_url: str, user_id: str = "U123", channel_id: str = "C123"
) -> str:
    return urlencode(
        {
            "token": "deprecated",
            "team_id": "T123",
            "team_domain": "acme",
            "channel_id": channel_id,
            "channel_name": "general",
            "user_id": user_id,
            "user_name": "someone",
            "command": "/innersource",
            "text": text,
            "response_url": response_url,
            "trigger_id": "1.2.3",
            "api_app_id": "A123",
        },
        errors="surrogatepass",  # a lone surrogate goes out as the invalid UTF-8 a client would send
    )


def signed_headers(
    body: str, *, secret: str = SIGNING_SECRET, timestamp: int | None = None, content_type: str | None = None
) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    assert signature is not None
    return {
        "Content-Type": content_type or "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": signature,
    }
