"""A portal `repos.json` (file or URL) as a catalog source: one batch, a complete listing."""

import hashlib
import json
from collections.abc import Iterator
from typing import Any

import httpx

from chatbot.catalog.importer import read_document
from chatbot.catalog.portal import parse_repos_json
from chatbot.sources.base import RepoSnapshot, RequestStats, SyncBatch


class PortalSource:
    kind = "portal"

    def __init__(self, name: str, path: str, *, transport: httpx.BaseTransport | None = None) -> None:
        self.name = name
        self.path = path
        self.stats = RequestStats()
        self._transport = transport

    def sync(self, checkpoint: dict[str, Any], memo: dict[str, Any], *, full: bool) -> Iterator[SyncBatch]:
        document = read_document(self.path, transport=self._transport)
        if self.path.startswith(("http://", "https://")):
            self.stats.requests += 1
        digest = hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()
        if not full and memo.get("sha256") == digest:
            return  # the file has not changed since the last run
        parsed = parse_repos_json(document, source="portal", origin=self.name)
        memo["sha256"] = digest
        memo["skipped"] = [str(p) for p in parsed.problems]
        memo["cleaned"] = [str(c) for c in parsed.cleaned]
        yield SyncBatch(snapshots=[RepoSnapshot(project=r) for r in parsed.records], listing_complete=True)
