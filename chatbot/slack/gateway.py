"""The few Slack facts command handlers need, behind one small object at the edge.

Every method answers None when Slack cannot tell (no token in the local console, an API error), so a
handler falls back to a sensible default instead of failing.
"""

import logging
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChannelFacts:
    id: str
    name: str
    is_private: bool
    is_member: bool
    is_archived: bool
    is_im: bool = False


LOOKUP_TIMEOUT_SECONDS = 1  # each; two lookups happen before an ack, which Slack wants within 3 s


class SlackGateway:
    def __init__(self, client: WebClient | None) -> None:
        self.client = client
        # Lookups use their own short-timeout, no-retry client; `client` (posting, views) is left as is.
        self._lookup = (
            WebClient(
                token=client.token,
                base_url=client.base_url,
                timeout=LOOKUP_TIMEOUT_SECONDS,
                retry_handlers=[],
            )
            if client is not None
            else None
        )

    def user_timezone(self, user_id: str) -> str | None:
        if self._lookup is None:
            return None
        try:
            user = self._lookup.users_info(user=user_id)["user"]
        except (SlackApiError, OSError, KeyError, TypeError) as exc:
            logger.info("users.info failed: %s", type(exc).__name__)
            return None
        tz = user.get("tz") if isinstance(user, dict) else None
        return tz if isinstance(tz, str) and tz else None

    def channel(self, channel_id: str) -> ChannelFacts | None:
        if self._lookup is None or not channel_id:
            return None
        try:
            channel = self._lookup.conversations_info(channel=channel_id)["channel"]
        except SlackApiError as exc:
            error = exc.response.get("error") if exc.response is not None else None
            if error in ("channel_not_found", "not_in_channel"):
                # For a private channel Slack hides it from a bot that is not a member.
                return ChannelFacts(channel_id, "", is_private=True, is_member=False, is_archived=False)
            return None
        except (OSError, KeyError, TypeError):
            return None
        return ChannelFacts(
            id=channel_id,
            name=str(channel.get("name") or ""),
            is_private=bool(channel.get("is_private")),
            is_member=bool(channel.get("is_member")),
            is_archived=bool(channel.get("is_archived")),
            is_im=bool(channel.get("is_im")),
        )
