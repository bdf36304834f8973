"""Run a source and store what it yields: one transaction per batch, checkpoint included."""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, delete, select

from chatbot.catalog.queries import normalise_label
from chatbot.catalog.store import upsert_projects
from chatbot.clock import Clock, parse_timestamp, utcnow
from chatbot.db import session_scope
from chatbot.models import Contribution, Issue, Project, ProjectOwner, SyncState
from chatbot.sources.base import IssueRecord, PullRequestRecord, RepoSnapshot, Source, SyncBatch

logger = logging.getLogger(__name__)
STARTED_KEY = "_sync_started_at"
FULL_KEY = "_full"


@dataclass
class SyncSummary:
    source: str
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    mirrors: int = 0
    requests: int = 0
    graphql_points: int = 0
    rate_limit_remaining: int | None = None
    resumed: bool = False
    added_names: list[str] = field(default_factory=list)

    def line(self) -> str:
        left = "unknown" if self.rate_limit_remaining is None else str(self.rate_limit_remaining)
        text = (
            f"{self.source}: {self.added} added, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.removed} removed; {self.requests} requests"
        )
        if self.graphql_points:
            text += f" ({self.graphql_points} GraphQL points)"
        return text + f"; rate limit left: {left}" + (" (resumed from a checkpoint)" if self.resumed else "")


Progress = Callable[[int], None]


def run_sync(
    engine: Engine,
    source: Source,
    *,
    full: bool = False,
    clock: Clock = utcnow,
    progress: Progress | None = None,
) -> SyncSummary:
    """Sync one source. A run killed halfway resumes from its last stored batch."""
    summary = SyncSummary(source=source.name)
    with session_scope(engine) as session:
        state = _state(session, source.name)
        checkpoint = dict(state.checkpoint)
        memo = dict(state.memo)
        first_sync = state.last_incremental_sync_at is None
    if checkpoint.get(STARTED_KEY):
        summary.resumed = True
        full = full or bool(checkpoint.get(FULL_KEY))
    else:
        checkpoint = {STARTED_KEY: clock().isoformat(), FULL_KEY: full}
    started = parse_timestamp(checkpoint[STARTED_KEY]) or clock()

    source_checkpoint = {k: v for k, v in checkpoint.items() if not k.startswith("_")}
    for batch in source.sync(source_checkpoint, memo, full=full):
        now = clock()
        with session_scope(engine) as session:
            store_batch(session, source.name, batch, summary, now, started, backdate_new=first_sync)
            state = _state(session, source.name)
            state.checkpoint = {**batch.checkpoint, STARTED_KEY: started.isoformat(), FULL_KEY: full}
            state.memo = dict(memo)
            state.rate_limit_remaining = source.stats.rate_limit_remaining
            state.updated_at = now
            session.add(state)
        if progress is not None:
            progress(len(batch.snapshots))

    summary.requests = source.stats.requests
    summary.graphql_points = source.stats.graphql_points
    summary.rate_limit_remaining = source.stats.rate_limit_remaining
    now = clock()
    with session_scope(engine) as session:
        state = _state(session, source.name)
        state.checkpoint = {}
        state.memo = dict(memo)
        state.requests_used += summary.requests
        state.rate_limit_remaining = summary.rate_limit_remaining
        state.last_incremental_sync_at = now
        if full:
            state.last_full_sync_at = now
        state.updated_at = now
        session.add(state)
    return summary


def _state(session: Session, name: str) -> SyncState:
    state = session.exec(select(SyncState).where(col(SyncState.source_name) == name)).first()
    if state is None:
        state = SyncState(source_name=name)
        session.add(state)
        session.flush()
    return state


def store_batch(
    session: Session,
    source_name: str,
    batch: SyncBatch,
    summary: SyncSummary,
    now: datetime,
    started: datetime | None,
    *,
    backdate_new: bool = False,
) -> None:
    """Store one batch. `started` is when the listing began; it is needed only for complete listings."""
    stats = upsert_projects(session, [s.project for s in batch.snapshots], now, backdate_new=backdate_new)
    summary.added += stats.added
    summary.updated += stats.updated
    summary.unchanged += stats.unchanged
    summary.mirrors += stats.mirrors
    summary.added_names += stats.added_names
    for snapshot in batch.snapshots:
        project = session.exec(select(Project).where(col(Project.key) == snapshot.project.key)).first()
        if project is None or project.id is None:
            continue  # a mirror of a project another source already lists
        store_snapshot_details(session, project, snapshot, now)
    if batch.removed_keys:
        summary.removed += _mark_removed(
            session, select(Project).where(col(Project.key).in_(batch.removed_keys)), now
        )
    if batch.listing_complete and started is not None:
        unseen = select(Project).where(
            col(Project.origin) == source_name, col(Project.last_seen_at) < started
        )
        summary.removed += _mark_removed(session, unseen, now)


def _mark_removed(session: Session, statement: Any, now: datetime) -> int:
    count = 0
    for project in session.exec(statement).all():
        if project.removed_at is None:
            project.removed_at = now
            session.add(project)
            count += 1
    return count


def store_snapshot_details(session: Session, project: Project, snapshot: RepoSnapshot, now: datetime) -> None:
    assert project.id is not None
    if snapshot.issues is not None:
        replace_open_issues(session, project.id, snapshot.issues, now)
    if snapshot.pull_requests is not None:
        replace_open_pull_requests(session, project.id, snapshot.pull_requests, now)
    if snapshot.owners is not None:
        session.exec(
            delete(ProjectOwner).where(
                col(ProjectOwner.project_id) == project.id, col(ProjectOwner.role) != "trusted_committer"
            )
        )
        for login, role in sorted(snapshot.owners.items()):
            session.add(ProjectOwner(project_id=project.id, forge_login=login, role=role))


def replace_open_issues(session: Session, project_id: int, issues: list[IssueRecord], now: datetime) -> None:
    stored = {
        i.number: i for i in session.exec(select(Issue).where(col(Issue.project_id) == project_id)).all()
    }
    incoming = {i.number for i in issues}
    for record in issues:
        issue = stored.get(record.number)
        if issue is None:
            issue = Issue(project_id=project_id, number=record.number, title=record.title, first_seen_at=now)
            issue.labeled_at = now
        elif _wanted_labels(record.labels) - _wanted_labels(issue.labels):
            issue.labeled_at = now  # newly labelled help wanted / good first issue
        issue.title = record.title
        issue.url = record.url
        issue.labels = list(record.labels)
        issue.author = record.author
        issue.assignees = list(record.assignees)
        issue.state = record.state
        issue.created_at = record.created_at
        issue.updated_at = record.updated_at
        issue.closed_at = None if record.state == "open" else (issue.closed_at or now)
        session.add(issue)
    for number, issue in stored.items():
        if number not in incoming and issue.state == "open":
            issue.state = "closed"
            issue.closed_at = now
            session.add(issue)


def replace_open_pull_requests(
    session: Session, project_id: int, pulls: list[PullRequestRecord], now: datetime
) -> None:
    stored = {
        c.number: c
        for c in session.exec(select(Contribution).where(col(Contribution.project_id) == project_id)).all()
    }
    incoming = {p.number for p in pulls}
    for record in pulls:
        pr = stored.get(record.number) or Contribution(
            project_id=project_id, number=record.number, title=record.title, first_seen_at=now
        )
        pr.title = record.title
        pr.url = record.url
        pr.author = record.author
        pr.draft = record.draft
        pr.state = record.state
        pr.requested_reviewers = list(record.requested_reviewers)
        pr.created_at = record.created_at
        pr.updated_at = record.updated_at
        pr.author_last_update_at = record.author_last_update_at
        pr.last_response_at = record.last_response_at
        pr.last_response_by = record.last_response_by
        pr.closed_at = None if record.state == "open" else (pr.closed_at or now)
        session.add(pr)
    for number, pr in stored.items():
        if number not in incoming and pr.state == "open":
            pr.state = "closed"
            pr.closed_at = now
            session.add(pr)


def _wanted_labels(labels: list[str]) -> set[str]:
    return {normalise_label(label) for label in labels} & {"help wanted", "good first issue"}
