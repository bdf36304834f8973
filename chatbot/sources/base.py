"""What every catalog source (GitHub, GitLab, Gitee, portal file) produces: plain data, no database.

A source yields `SyncBatch`es. The orchestrator (`chatbot/sources/sync.py`) stores each batch and its
checkpoint in one transaction, so a sync killed halfway resumes from the last stored batch without
losing or duplicating anything.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from chatbot.catalog.records import ProjectRecord

DEFAULT_HELP_WANTED_LABELS = ("help wanted", "good first issue")


@dataclass
class IssueRecord:
    number: int
    title: str
    url: str
    labels: list[str] = field(default_factory=list)
    author: str = ""
    assignees: list[str] = field(default_factory=list)
    state: str = "open"
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass
class PullRequestRecord:
    number: int
    title: str
    url: str
    author: str = ""
    draft: bool = False
    state: str = "open"
    requested_reviewers: list[str] = field(default_factory=list)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    author_last_update_at: datetime | None = None
    last_response_at: datetime | None = None  # last comment or review by someone other than the author
    last_response_by: str | None = None


@dataclass
class RepoSnapshot:
    """One repository as a source sees it now.

    `issues` / `pull_requests` of None mean "not fetched in this batch: keep what is stored"; a list
    (even empty) replaces the stored open ones for this project. `owners` likewise (CODEOWNERS
    entries with teams expanded to member logins, plus repository admins when known).
    """

    project: ProjectRecord
    issues: list[IssueRecord] | None = None
    pull_requests: list[PullRequestRecord] | None = None
    owners: dict[str, str] | None = None  # login -> role ("codeowner" | "admin")


@dataclass
class SyncBatch:
    snapshots: list[RepoSnapshot] = field(default_factory=list)
    # Keys of projects the source says are gone (deleted, or no longer listed). Kept for history.
    removed_keys: list[str] = field(default_factory=list)
    # Whatever the source needs to resume after this batch; stored with the batch.
    checkpoint: dict[str, Any] = field(default_factory=dict)
    # True on the last batch of a full listing: projects of this source not seen since the sync
    # started are then marked removed.
    listing_complete: bool = False


@dataclass
class RequestStats:
    requests: int = 0
    graphql_points: int = 0
    rate_limit_remaining: int | None = None
    rate_limit_reset: datetime | None = None
    waited_seconds: float = 0.0


class Source(Protocol):
    name: str
    kind: str
    stats: RequestStats

    def sync(self, checkpoint: dict[str, Any], memo: dict[str, Any], *, full: bool) -> Iterator[SyncBatch]:
        """Yield batches from `checkpoint` on (empty: from the start).

        `memo` is what the source kept from earlier runs (watermarks, blob ids, ETags); the source
        updates it in place and the orchestrator stores it with every batch.
        """
        ...
