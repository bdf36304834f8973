"""The few Slack facts command handlers need, behind one small object at the edge.

Every method answers None when Slack cannot tell (no token in the local console, an API error), so a
handler falls back to a sensible default instead of failing.
"""

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
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


LOOKUP_TIMEOUT_SECONDS = 1  # each; up to three lookups happen before an ack, which Slack wants within 3 s
MEMBERS_PAGE_SIZE = 1000  # Slack's largest page for conversations.members
MAX_MEMBER_PAGES = 20  # beyond 20,000 members the answer is "can't tell"


class MemberCache:
    """Who is in a channel, as Slack last said, kept `ttl_seconds` for at most `max_channels` channels."""

    def __init__(
        self,
        ttl_seconds: float = 60,
        max_channels: int = 500,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl, self._max, self._clock = ttl_seconds, max_channels, clock
        self._entries: OrderedDict[str, tuple[float, frozenset[str]]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, channel_id: str) -> frozenset[str] | None:
        with self._lock:
            entry = self._entries.get(channel_id)
            if entry is None or self._clock() - entry[0] >= self._ttl:
                return None
            return entry[1]

    def put(self, channel_id: str, members: frozenset[str]) -> None:
        with self._lock:
            self._entries.pop(channel_id, None)
            self._entries[channel_id] = (self._clock(), members)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)


class SlackGateway:
    def __init__(self, client: WebClient | None, members: MemberCache | None = None) -> None:
        self.client = client
        self._members = members
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

    def is_member(self, channel_id: str, user_id: str) -> bool | None:
        """Whether `user_id` is in the channel; None when Slack can't tell (or there is no Slack API)."""
        if self._lookup is None or not channel_id:
            return None
        members = self._members.get(channel_id) if self._members is not None else None
        if members is None:
            members = self._channel_members(channel_id)
            if members is None:
                return None
            if self._members is not None:
                self._members.put(channel_id, members)
        return user_id in members

    def _channel_members(self, channel_id: str) -> frozenset[str] | None:
        assert self._lookup is not None
        members: set[str] = set()
        cursor = ""
        for _ in range(MAX_MEMBER_PAGES):
            try:
                page = self._lookup.conversations_members(
                    channel=channel_id, limit=MEMBERS_PAGE_SIZE, cursor=cursor or None
                )
                members.update(str(m) for m in page["members"])
                cursor = str((page.get("response_metadata") or {}).get("next_cursor") or "")
            except SlackApiError as exc:
                error = exc.response.get("error") if exc.response is not None else None
                logger.info("conversations.members for %s failed: %s", channel_id, error)
                return None
            except (OSError, ValueError, KeyError, TypeError) as exc:
                logger.info("conversations.members for %s failed: %s", channel_id, type(exc).__name__)
                return None
            if not cursor:
                return frozenset(members)
        logger.info("conversations.members for %s: more than %d pages", channel_id, MAX_MEMBER_PAGES)
        return None
