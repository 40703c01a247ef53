"""The MongoDB event store: one append-only ``commits`` collection per service database."""
from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.database import Database
from pymongo.errors import BulkWriteError, DuplicateKeyError

from shared.envelope import NO_UPCASTERS, Upcasters
from shared.eventstore.base import (
    EMPTY_HEAD,
    BatchInterrupted,
    CommitIdTaken,
    EventFilter,
    EventStore,
    Head,
    PositionTaken,
    StorageUnavailable,
    StreamVersionTaken,
)
from shared.mongo import TRANSIENT_ERRORS

COMMITS = "commits"
SNAPSHOTS = "snapshots"  # derived: long streams' folded states (shared.aggregate); dropping it loses nothing
DUPLICATE_KEY_CODES = (11000, 11001)


class MongoEventStore(EventStore):
    def __init__(self, database: Database, upcasters: Upcasters = NO_UPCASTERS) -> None:
        super().__init__(upcasters)
        self.commits = database[COMMITS]
        self.snapshots = database[SNAPSHOTS]
        self._indexed = False

    def ensure_indexes(self) -> None:
        # Single-field indexes for the equality queries (the embedded server ignores compound ones
        # for those), and the unique keys that arbitrate every race.
        self.commits.create_index([("position", ASCENDING)], unique=True)
        self.commits.create_index([("stream_id", ASCENDING), ("base_version", ASCENDING)], unique=True)
        self.commits.create_index([("stream_id", ASCENDING)])
        self.commits.create_index([("last_position", ASCENDING)])
        self.snapshots.create_index([("stream_id", ASCENDING)])
        self._indexed = True

    def _head(self) -> Head:
        last = self._call(self.commits.find_one, {}, {"last_position": 1, "last_hash": 1},
                          sort=[("position", DESCENDING)])
        return Head(last["last_position"], last["last_hash"]) if last else EMPTY_HEAD

    def _stream_version(self, stream_id: str) -> int:
        last = self._call(self.commits.find_one, {"stream_id": stream_id}, {"last_version": 1},
                          sort=[("base_version", DESCENDING)])
        return last["last_version"] if last else 0

    def _insert_commit(self, commit: dict[str, Any]) -> None:
        self._ensure_indexed()
        try:
            self._call(self.commits.insert_one, dict(commit))
        except DuplicateKeyError:
            raise self._refusal(commit) from None

    def _insert_commits(self, commits: list[dict[str, Any]]) -> None:
        """One ordered ``insert_many``: the server stops at the first refused commit; those before it stand."""
        self._ensure_indexed()
        try:
            self._call(self.commits.insert_many, [dict(commit) for commit in commits], ordered=True)
        except BulkWriteError as error:
            inserted = error.details.get("nInserted", 0)
            refused = error.details.get("writeErrors") or [{}]
            if refused[0].get("code") not in DUPLICATE_KEY_CODES:
                raise StorageUnavailable(str(error)) from error
            raise BatchInterrupted(inserted, self._refusal(commits[inserted])) from None

    def _ensure_indexed(self) -> None:
        if not self._indexed:  # the unique keys must exist before the first write; creating them is idempotent
            self._call(self.ensure_indexes)

    def _refusal(self, commit: dict[str, Any]) -> Exception:
        """Which unique key refused the commit, asked of the data rather than of the server's message."""
        if self._load_commit(commit["_id"]) is not None:
            return CommitIdTaken(commit["_id"])
        if self._stream_version(commit["stream_id"]) > commit["base_version"]:
            return StreamVersionTaken(commit["stream_id"])
        return PositionTaken(commit["position"])

    def _load_commits(self, commit_ids: list[str]) -> dict[str, dict[str, Any]]:
        if not commit_ids:
            return {}
        return {commit["_id"]: commit
                for commit in self._call(lambda: list(self.commits.find({"_id": {"$in": commit_ids}})))}

    def _stream_versions(self, stream_ids: list[str]) -> dict[str, int]:
        if not stream_ids:
            return {}
        found = self._call(lambda: list(self.commits.find({"stream_id": {"$in": stream_ids}},
                                                          {"stream_id": 1, "last_version": 1})))
        versions: dict[str, int] = {}
        for commit in found:
            versions[commit["stream_id"]] = max(versions.get(commit["stream_id"], 0), commit["last_version"])
        return versions

    def _load_commit(self, commit_id: str) -> dict[str, Any] | None:
        return self._call(self.commits.find_one, {"_id": commit_id})

    def _stream_commits(self, stream_id: str, after_version: int = 0) -> list[dict[str, Any]]:
        """After a version, by ``base_version`` (the unique key's index; the embedded server would scan the whole
        collection for a condition on ``last_version``): the commits starting there or later, and the one before
        them when it holds versions after ``after_version`` too (asked only when no commit starts right there)."""
        query: dict[str, Any] = {"stream_id": stream_id}
        if after_version:
            query["base_version"] = {"$gte": after_version}
        commits = self._call(lambda: list(self.commits.find(query).sort("base_version", ASCENDING)))
        if after_version and (not commits or commits[0]["base_version"] != after_version):
            before = self._call(self.commits.find_one, {"stream_id": stream_id, "base_version": {"$lt": after_version}},
                                sort=[("base_version", DESCENDING)])
            if before is not None and before["last_version"] > after_version:
                commits.insert(0, before)
        return commits

    def _load_snapshot(self, stream_id: str, kind: str, to_version: int | None) -> dict[str, Any] | None:
        query: dict[str, Any] = {"stream_id": stream_id, "kind": kind}
        if to_version is not None:
            query["version"] = {"$lte": to_version}
        return self._call(self.snapshots.find_one, query, sort=[("version", DESCENDING)])

    def _save_snapshot(self, snapshot: dict[str, Any], keep_from_version: int) -> None:
        self._call(self.snapshots.replace_one, {"_id": snapshot["_id"]}, snapshot, upsert=True)
        if keep_from_version > 0:
            self._call(self.snapshots.delete_many, {"stream_id": snapshot["stream_id"],
                                                    "version": {"$lt": keep_from_version}})

    def _commits_from(self, position: int, limit: int) -> list[dict[str, Any]]:
        """Sorted by ``last_position``, the field the condition is on: commits hold disjoint runs of positions, so
        that is position order, and one index serves both (sorting by ``position`` cost the embedded server 13 %
        more on a page of 500 commits)."""
        return self._call(lambda: list(self.commits.find({"last_position": {"$gte": position}})
                                       .sort("last_position", ASCENDING).limit(limit)))

    def _matching_commits(self, position: int, limit: int, event_filter: EventFilter) -> list[dict[str, Any]]:
        query = _commit_query(event_filter)
        query["last_position"] = {"$gte": position}
        return self._call(lambda: list(self.commits.find(query).sort("last_position", ASCENDING).limit(limit)))

    @staticmethod
    def _call(operation, *args, **kwargs):
        try:
            return operation(*args, **kwargs)
        except TRANSIENT_ERRORS as error:
            raise StorageUnavailable(str(error)) from error


def _commit_query(event_filter: EventFilter) -> dict[str, Any]:
    """The commits that hold at least one event the filter may match (the store checks each event after)."""
    query: dict[str, Any] = {}
    if event_filter.stream_id is not None:
        query["stream_id"] = event_filter.stream_id
    if event_filter.recorded_from is not None or event_filter.recorded_to is not None:
        query["recorded_at"] = _range(event_filter.recorded_from, event_filter.recorded_to)
    per_event: dict[str, Any] = {name: value for name, value in (("event_type", event_filter.event_type),
                                                 ("actor", event_filter.actor),
                                                 ("department", event_filter.department)) if value is not None}
    if event_filter.occurred_from is not None or event_filter.occurred_to is not None:
        per_event["occurred_at"] = _range(event_filter.occurred_from, event_filter.occurred_to)
    if per_event:
        query["events"] = {"$elemMatch": per_event}
    return query


def _range(lowest: str | None, highest: str | None) -> dict[str, str]:
    return {operator: bound for operator, bound in (("$gte", lowest), ("$lte", highest)) if bound is not None}
