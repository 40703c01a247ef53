"""The in-memory event store: the same algorithm and contract as MongoDB, for unit tests."""
from __future__ import annotations

import bisect
import copy
import threading
from typing import Any

from shared.envelope import NO_UPCASTERS, Upcasters
from shared.eventstore.base import EMPTY_HEAD, CommitIdTaken, EventStore, Head, PositionTaken, StreamVersionTaken


class InMemoryEventStore(EventStore):
    def __init__(self, upcasters: Upcasters = NO_UPCASTERS) -> None:
        super().__init__(upcasters)
        self._lock = threading.Lock()
        self._by_id: dict[str, dict[str, Any]] = {}
        self._by_position: list[dict[str, Any]] = []  # kept in position order
        self._by_stream: dict[str, list[dict[str, Any]]] = {}
        self._snapshots: dict[str, dict[str, Any]] = {}

    def _head(self) -> Head:
        with self._lock:
            if not self._by_position:
                return EMPTY_HEAD
            last = self._by_position[-1]
            return Head(last["last_position"], last["last_hash"])

    def _stream_version(self, stream_id: str) -> int:
        with self._lock:
            commits = self._by_stream.get(stream_id)
            return commits[-1]["last_version"] if commits else 0

    def _insert_commit(self, commit: dict[str, Any]) -> None:
        with self._lock:
            if commit["_id"] in self._by_id:
                raise CommitIdTaken(commit["_id"])
            if self._by_position and self._by_position[-1]["last_position"] >= commit["position"]:
                raise PositionTaken(commit["position"])
            stream = self._by_stream.setdefault(commit["stream_id"], [])
            if any(c["base_version"] == commit["base_version"] for c in stream):
                raise StreamVersionTaken(commit["stream_id"])
            stored = copy.deepcopy(commit)
            self._by_id[stored["_id"]] = stored
            self._by_position.append(stored)
            stream.append(stored)

    def _load_commit(self, commit_id: str) -> dict[str, Any] | None:
        with self._lock:
            commit = self._by_id.get(commit_id)
            return copy.deepcopy(commit) if commit else None

    def _stream_commits(self, stream_id: str, after_version: int = 0) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy([commit for commit in self._by_stream.get(stream_id, [])
                                  if commit["last_version"] > after_version])

    def _load_snapshot(self, stream_id: str, kind: str, to_version: int | None) -> dict[str, Any] | None:
        with self._lock:
            found = [snapshot for snapshot in self._snapshots.values()
                     if snapshot["stream_id"] == stream_id and snapshot["kind"] == kind
                     and (to_version is None or snapshot["version"] <= to_version)]
            return copy.deepcopy(max(found, key=lambda snapshot: snapshot["version"])) if found else None

    def _save_snapshot(self, snapshot: dict[str, Any], keep_from_version: int) -> None:
        with self._lock:
            self._snapshots[snapshot["_id"]] = copy.deepcopy(snapshot)
            for key, kept in list(self._snapshots.items()):
                if kept["stream_id"] == snapshot["stream_id"] and kept["version"] < keep_from_version:
                    del self._snapshots[key]

    def snapshots_of(self, stream_id: str) -> list[dict[str, Any]]:
        """Test aid: the stream's snapshots as stored, by version."""
        with self._lock:
            return sorted((s for s in self._snapshots.values() if s["stream_id"] == stream_id),
                          key=lambda snapshot: snapshot["version"])

    def _commits_from(self, position: int, limit: int) -> list[dict[str, Any]]:
        with self._lock:
            ends = [c["last_position"] for c in self._by_position]
            start = bisect.bisect_left(ends, position)
            return copy.deepcopy(self._by_position[start:start + limit])

    def commit_at(self, position: int) -> dict[str, Any]:
        """Test aid standing in for a hand edit of the database: the stored commit itself, not a copy."""
        with self._lock:
            return next(c for c in self._by_position if c["position"] <= position <= c["last_position"])

    def remove_commit_at(self, position: int) -> None:
        """Test aid standing in for a hand deletion in the database."""
        with self._lock:
            commit = next(c for c in self._by_position if c["position"] == position)
            self._by_position.remove(commit)
