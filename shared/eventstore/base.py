"""The event store: its interface and the append algorithm, written once for every storage backend.

A *commit* is all events of one command, stored as one document. Commits carry a service-wide,
gapless range of positions; a writer reads the head, checks the stream's expected version and
inserts the commit at head + 1. Unique keys on the commit id, on ``position`` and on
``(stream_id, base_version)`` make the insert itself the arbiter of every race, so correctness
never depends on multi-document transactions.
"""
from __future__ import annotations

import random
import threading
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from shared.chain import ChainVerifier, VerifyReport
from shared.envelope import GENESIS_HASH, NO_UPCASTERS, Envelope, Upcasters, hash_of, utc_now

ANY_VERSION = None
IDEMPOTENCY_NAMESPACE = uuid.UUID("5b0f3c1e-6f4a-4a53-9a51-2d1f0c7b9e10")
MAX_POSITION_RACES = 200


@dataclass(frozen=True)
class NewEvent:
    event_type: str
    data: dict[str, Any]
    occurred_at: str | None = None  # business time; defaults to the time of recording
    schema_version: int = 1


@dataclass(frozen=True)
class Metadata:
    actor: str
    department: str
    correlation_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    causation_id: str | None = None


@dataclass(frozen=True)
class AppendResult:
    commit_id: str
    stream_id: str
    version: int  # the stream's version after this commit
    first_position: int
    last_position: int
    replayed: bool = False  # True when an earlier commit with the same idempotency key was returned
    request_hash: str | None = None
    events: tuple[Envelope, ...] = field(default=(), compare=False)  # as stored (not upcast)


@dataclass(frozen=True)
class PendingCommit:
    """One commit of a batch (``EventStore.append_batch``): a stream's next events at the version expected."""
    stream_id: str
    expected_version: int  # 0 for a new stream
    events: list[NewEvent]
    meta: Metadata
    idempotency_key: str | None = None
    request_hash: str | None = None


@dataclass(frozen=True)
class Head:
    position: int
    hash: str


EMPTY_HEAD = Head(0, GENESIS_HASH)


@dataclass(frozen=True)
class EventFilter:
    """What an auditor asks of the log; times are the log's textual instants (``format_instant``), bounds
    inclusive. Every condition given must hold."""
    stream_id: str | None = None
    event_type: str | None = None
    actor: str | None = None
    department: str | None = None
    occurred_from: str | None = None
    occurred_to: str | None = None
    recorded_from: str | None = None
    recorded_to: str | None = None

    def matches(self, event: Envelope) -> bool:
        equal = (("stream_id", self.stream_id), ("event_type", self.event_type), ("actor", self.actor),
                 ("department", self.department))
        return (all(wanted is None or getattr(event, name) == wanted for name, wanted in equal)
                and _within(event.occurred_at, self.occurred_from, self.occurred_to)
                and _within(event.recorded_at, self.recorded_from, self.recorded_to))


def _within(instant: str, lowest: str | None, highest: str | None) -> bool:
    return (lowest is None or instant >= lowest) and (highest is None or instant <= highest)


@dataclass(frozen=True)
class FilteredPage:
    events: list[Envelope]
    next_from_position: int | None  # after the last event looked at; None when there was none


class ConcurrencyError(Exception):
    """The stream moved on: the caller's expected version is not the current one."""

    def __init__(self, stream_id: str, expected: int | None, current: int) -> None:
        super().__init__(f"stream {stream_id} is at version {current}, not {expected}")
        self.stream_id, self.expected, self.current = stream_id, expected, current


class IdempotencyKeyReused(Exception):
    """An idempotency key arrived again with a different request."""


class StorageUnavailable(Exception):
    """The database behind the store cannot be reached."""


class CommitIdTaken(Exception):
    pass


class PositionTaken(Exception):
    pass


class StreamVersionTaken(Exception):
    pass


class BatchInterrupted(Exception):
    """A batch insert stopped at a refused commit: ``inserted`` commits before it stand; ``refusal`` says why
    (CommitIdTaken, PositionTaken or StreamVersionTaken)."""

    def __init__(self, inserted: int, refusal: Exception) -> None:
        super().__init__(f"{inserted} commits inserted, then {refusal!r}")
        self.inserted, self.refusal = inserted, refusal


def commit_id_for(idempotency_key: str) -> str:
    return str(uuid.uuid5(IDEMPOTENCY_NAMESPACE, idempotency_key))


def event_id_for(commit_id: uuid.UUID, index: int) -> str:
    """Event ids derive from their commit's id, so a unique commit id makes every event id unique."""
    return str(uuid.uuid5(commit_id, str(index)))


class EventStore(ABC):
    def __init__(self, upcasters: Upcasters = NO_UPCASTERS) -> None:
        self.upcasters = upcasters
        # The head this process wrote last: the next append tries the position after it without asking the
        # database. Another process may have appended since; the unique position key then refuses the insert
        # and the head is read again. Forgotten on any failure, so a guess is never trusted twice.
        self._last_written: Head | None = None
        self._writing = threading.Lock()
        self.after_commit: Callable[[AppendResult], None] | None = None  # e.g. wake the relay (shared.wakeup)

    # ---- what a backend provides -------------------------------------------------------------
    @abstractmethod
    def _head(self) -> Head: ...

    @abstractmethod
    def _stream_version(self, stream_id: str) -> int: ...

    @abstractmethod
    def _insert_commit(self, commit: dict[str, Any]) -> None:
        """Insert atomically or raise CommitIdTaken / PositionTaken / StreamVersionTaken."""

    @abstractmethod
    def _load_commit(self, commit_id: str) -> dict[str, Any] | None: ...

    def _insert_commits(self, commits: list[dict[str, Any]]) -> None:
        """Insert in order, each atomically, stopping at the first refused one (BatchInterrupted). A backend
        with a bulk insert does it in one round trip."""
        for inserted, commit in enumerate(commits):
            try:
                self._insert_commit(commit)
            except (CommitIdTaken, PositionTaken, StreamVersionTaken) as refusal:
                raise BatchInterrupted(inserted, refusal) from None

    def _load_commits(self, commit_ids: list[str]) -> dict[str, dict[str, Any]]:
        """The commits of these ids that exist, by id (a backend may ask once)."""
        return {commit_id: commit for commit_id in commit_ids if (commit := self._load_commit(commit_id))}

    def _stream_versions(self, stream_ids: list[str]) -> dict[str, int]:
        """Each stream's current version, 0 for none (a backend may ask once)."""
        return {stream_id: self._stream_version(stream_id) for stream_id in stream_ids}

    @abstractmethod
    def _stream_commits(self, stream_id: str, after_version: int = 0) -> list[dict[str, Any]]:
        """The stream's commits in version order, those holding a version after ``after_version``."""

    @abstractmethod
    def _load_snapshot(self, stream_id: str, kind: str, to_version: int | None) -> dict[str, Any] | None:
        """The snapshot of this stream and kind with the highest version (at most ``to_version``)."""

    @abstractmethod
    def _save_snapshot(self, snapshot: dict[str, Any], keep_from_version: int) -> None:
        """Stores the snapshot (the same one twice is one) and forgets the stream's snapshots below
        ``keep_from_version``."""

    @abstractmethod
    def _commits_from(self, position: int, limit: int) -> list[dict[str, Any]]:
        """Commits whose last position is >= position, in position order, at most ``limit``."""

    # ---- the interface ---------------------------------------------------------------------------
    def append(self, stream_id: str, expected_version: int | None, events: list[NewEvent],
               meta: Metadata, idempotency_key: str | None = None,
               request_hash: str | None = None, *, version_seen: bool = False) -> AppendResult:
        """``version_seen``: the caller read the stream from this store at ``expected_version`` and already
        looked for the idempotency key (shared.commands.run_command), so neither is asked again: the insert's
        unique ``(stream_id, base_version)`` still refuses a commit if the stream moved on meanwhile."""
        if not events:
            raise ValueError("a commit holds at least one event")
        if version_seen and expected_version is ANY_VERSION:
            raise ValueError("version_seen needs the version the caller saw")
        commit_id = commit_id_for(idempotency_key) if idempotency_key else str(uuid.uuid4())
        if idempotency_key and not version_seen and (earlier := self.find_commit(idempotency_key, request_hash)):
            return earlier
        with self._writing:  # threads of one process take turns: they would only refuse each other's position
            for attempt in range(MAX_POSITION_RACES):
                current = self._version_to_append_at(stream_id, expected_version, version_seen)
                if expected_version is not ANY_VERSION and current != expected_version:
                    raise ConcurrencyError(stream_id, expected_version, current)
                guessed = self._last_written is not None
                commit = self._build_commit(commit_id, stream_id, current, events, meta, request_hash,
                                            self._last_written or self._head())
                self._last_written = None
                try:
                    self._insert_commit(commit)
                    self._last_written = Head(commit["last_position"], commit["last_hash"])
                    result = _result(commit)
                    if self.after_commit is not None:
                        self.after_commit(result)
                    return result
                except CommitIdTaken:
                    earlier = self.find_commit(idempotency_key, request_hash) if idempotency_key else None
                    if earlier is None:
                        raise
                    return earlier
                except StreamVersionTaken:
                    if expected_version is not ANY_VERSION:
                        raise ConcurrencyError(stream_id, expected_version,
                                               self._stream_version(stream_id)) from None
                except PositionTaken:
                    if guessed:
                        continue  # another process appended since this one last wrote: read the head and go again
                time.sleep(random.uniform(0, 0.002 * min(attempt + 1, 10)))
            raise RuntimeError(f"could not append to {stream_id}: too many concurrent writers")

    def append_batch(self, pending: Sequence[PendingCommit]) -> list[AppendResult | ConcurrencyError]:
        """Many commits, one per stream, in one insert when nothing races: for imports and bulk loads.

        Each is the commit ``append`` would make: its stream checked at the expected version, its idempotency key
        answered with the earlier commit (``replayed``), the hash chain continued. The outcome of each, in the
        given order, is its result or the ConcurrencyError of a stream not at the version expected; the others
        are written all the same. Known keys and stream versions are asked once for the whole batch. Commits
        are inserted in order: when another writer takes a position first, those not yet written are built
        again on the new head, so positions stay gapless and nothing is written twice."""
        streams = [item.stream_id for item in pending]
        if any(not item.events for item in pending):
            raise ValueError("a commit holds at least one event")
        if len(set(streams)) != len(streams):
            raise ValueError("a batch holds at most one commit per stream")
        ids = [commit_id_for(item.idempotency_key) if item.idempotency_key else str(uuid.uuid4())
               for item in pending]
        earlier = self._load_commits([ids[i] for i, item in enumerate(pending) if item.idempotency_key])
        versions = self._stream_versions([item.stream_id for item in pending if item.expected_version != 0])
        outcomes: dict[int, AppendResult | ConcurrencyError] = {}
        todo: list[int] = []
        for index, item in enumerate(pending):
            if ids[index] in earlier:
                outcomes[index] = _replayed(earlier[ids[index]], item.idempotency_key or "", item.request_hash)
            elif item.expected_version != 0 and versions.get(item.stream_id, 0) != item.expected_version:
                outcomes[index] = ConcurrencyError(item.stream_id, item.expected_version,
                                                   versions.get(item.stream_id, 0))
            else:
                todo.append(index)
        last: AppendResult | None = None
        races = 0  # inserts refused because another writer took the position: bounded like append's
        with self._writing:
            while todo:
                guessed, commits = self._last_written is not None, []
                head = self._last_written or self._head()
                for index in todo:
                    item = pending[index]
                    commits.append(self._build_commit(ids[index], item.stream_id, item.expected_version, item.events,
                                                      item.meta, item.request_hash, head))
                    head = Head(commits[-1]["last_position"], commits[-1]["last_hash"])
                self._last_written = None
                try:
                    self._insert_commits(commits)
                    inserted, refusal = len(commits), None
                except BatchInterrupted as interrupted:
                    inserted, refusal = interrupted.inserted, interrupted.refusal
                for index, commit in zip(todo[:inserted], commits[:inserted], strict=True):
                    outcomes[index] = last = _result(commit)
                if inserted:
                    written = commits[inserted - 1]
                    self._last_written = Head(written["last_position"], written["last_hash"])
                todo = todo[inserted:]
                if refusal is None:
                    break
                if isinstance(refusal, PositionTaken):
                    self._last_written = None  # another writer went in: build the rest on the head it left
                    races += 1
                    if races >= MAX_POSITION_RACES:
                        raise RuntimeError("could not append the batch: too many concurrent writers")
                    if not guessed and not inserted:
                        time.sleep(random.uniform(0, 0.002 * min(races, 10)))
                    continue
                refused_index, todo = todo[0], todo[1:]
                refused = pending[refused_index]
                if isinstance(refusal, StreamVersionTaken):
                    outcomes[refused_index] = ConcurrencyError(refused.stream_id, refused.expected_version,
                                                               self._stream_version(refused.stream_id))
                elif refused.idempotency_key and (replay := self.find_commit(refused.idempotency_key,
                                                                              refused.request_hash)):
                    outcomes[refused_index] = replay  # the same key written meanwhile by another request
                else:
                    raise refusal
        if last is not None and self.after_commit is not None:
            self.after_commit(last)
        return [outcomes[index] for index in range(len(pending))]

    def _version_to_append_at(self, stream_id: str, expected_version: int | None, version_seen: bool) -> int:
        """The caller's expected version is trusted where the unique ``(stream_id, base_version)`` key refuses a
        stale one: a version the caller read (``version_seen``) or 0 (a new stream; taken once the stream exists).
        A larger unread expectation is checked, or a commit could leave a gap in the stream's versions."""
        if expected_version == 0 or (version_seen and expected_version is not None):
            return expected_version
        return self._stream_version(stream_id)

    def find_commit(self, idempotency_key: str, request_hash: str | None = None) -> AppendResult | None:
        commit = self._load_commit(commit_id_for(idempotency_key))
        return None if commit is None else _replayed(commit, idempotency_key, request_hash)

    def stream_version(self, stream_id: str) -> int:
        return self._stream_version(stream_id)

    def head_position(self) -> int:
        return self._head().position

    def head(self) -> Head:
        """The last event's position and hash, read together (one document)."""
        return self._head()

    def read_stream(self, stream_id: str, *, to_version: int | None = None, after_version: int = 0,
                    as_of: str | None = None, raw: bool = False) -> list[Envelope]:
        """The stream's events in order, optionally only those after a version, up to a version or as recorded by
        a time; upcast to their newest schema unless ``raw`` (exactly as stored)."""
        found: list[Envelope] = []
        for commit in self._stream_commits(stream_id, after_version):
            for stored in commit["events"]:
                if stored["version"] <= after_version:
                    continue
                event = Envelope.from_dict(stored)
                if to_version is not None and event.version > to_version:
                    return found
                if as_of is not None and event.recorded_at > as_of:
                    return found
                found.append(event if raw else self.upcasters.upcast(event))
        return found

    # ---- snapshots: a long stream's state folded up to a version (shared.aggregate) ---------------------------
    # Derived data kept beside the events to spare reading a long stream whole; never an event, never exported,
    # never trusted without the stream's own event at its version (``event_hash``).
    def snapshot(self, stream_id: str, kind: str, to_version: int | None = None) -> dict[str, Any] | None:
        """The newest snapshot of a stream folded by ``kind`` (at most ``to_version``): ``version``,
        ``event_hash`` (of the stream's event at that version) and ``state``; None when there is none."""
        return self._load_snapshot(stream_id, kind, to_version)

    def save_snapshot(self, stream_id: str, kind: str, version: int, event_hash: str, state: dict[str, Any],
                      keep_from_version: int = 0) -> None:
        """Keeps a stream's folded state at ``version``; snapshots of the stream below ``keep_from_version`` are
        forgotten (of every kind: a kind folded by earlier code is no longer read)."""
        self._save_snapshot({"_id": f"{stream_id}@{version}@{kind}", "stream_id": stream_id, "kind": kind,
                             "version": version, "event_hash": event_hash, "state": state,
                             "taken_at": utc_now()}, keep_from_version)

    def read_all(self, from_position: int = 1, batch_size: int = 500, *,
                 raw: bool = False) -> Iterator[list[Envelope]]:
        """Every event from a position on, in position order, in batches of at most ``batch_size``.

        One query per ``batch_size`` commits: a page of multi-event commits is handed out in several batches
        rather than read again for each, and a short page ends the reading. Commits appended while it reads may
        or may not be included; a caller that follows the log reads again from the position after the last."""
        position, batch_size = max(from_position, 1), max(1, batch_size)
        while True:
            commits = self._commits_from(position, batch_size)
            stored = [event for commit in commits for event in commit["events"] if event["position"] >= position]
            if not stored:
                return
            position = stored[-1]["position"] + 1
            for start in range(0, len(stored), batch_size):  # envelopes made only for the batches taken
                batch = [Envelope.from_dict(event) for event in stored[start:start + batch_size]]
                yield batch if raw else [self.upcasters.upcast(event) for event in batch]
            if len(commits) < batch_size:
                return  # the page was the last: asking again would find nothing

    def verify(self, batch_size: int = 1000) -> VerifyReport:
        """Recompute the hash chain from position 1: names each edited, removed or reordered event."""
        verifier = ChainVerifier()
        for batch in self.read_all(1, batch_size, raw=True):
            for event in batch:
                verifier.feed(event)
        return verifier.report()

    def read_filtered(self, event_filter: EventFilter, from_position: int = 1, limit: int = 100,
                      scan_limit: int = 20_000) -> FilteredPage:
        """The stored events (never upcast) that match, in position order, from a position on.

        At most ``limit`` events, and at most ``scan_limit`` events looked at, so one request stays bounded
        however rare the matches: a page may then be short, even empty, and still name where to go on."""
        position, scanned = max(from_position, 1), 0
        found: list[Envelope] = []
        while len(found) < limit and scanned < scan_limit:
            commits = self._matching_commits(position, min(limit, 500), event_filter)
            if not commits:
                break
            for event in (Envelope.from_dict(raw) for commit in commits for raw in commit["events"]):
                if event.position < position:
                    continue
                scanned += 1
                position = event.position + 1
                if event_filter.matches(event):
                    found.append(event)
                if len(found) == limit or scanned >= scan_limit:
                    break
        return FilteredPage(found, position if scanned else None)

    def _matching_commits(self, position: int, limit: int, event_filter: EventFilter) -> list[dict[str, Any]]:
        """Commits from a position on that may hold a match (a backend may let the database select them)."""
        if event_filter.stream_id is not None:
            return [commit for commit in self._stream_commits(event_filter.stream_id)
                    if commit["last_position"] >= position][:limit]
        return self._commits_from(position, limit)

    # ---- helpers -------------------------------------------------------------------------------
    def _build_commit(self, commit_id: str, stream_id: str, current_version: int, events: list[NewEvent],
                      meta: Metadata, request_hash: str | None, head: Head) -> dict[str, Any]:
        """The commit that continues the log after ``head``: its events as Envelope.to_dict gives them, built as
        dictionaries directly (an Envelope per event, sealed and turned into a dictionary, cost twice as much)."""
        recorded_at, commit_uuid = utc_now(), uuid.UUID(commit_id)
        envelopes, prev_hash = [], head.hash
        for index, new in enumerate(events):
            body = {"event_id": event_id_for(commit_uuid, index), "event_type": new.event_type,
                    "schema_version": new.schema_version, "stream_id": stream_id,
                    "version": current_version + index + 1, "position": head.position + index + 1,
                    "occurred_at": new.occurred_at or recorded_at, "recorded_at": recorded_at,
                    "actor": meta.actor, "department": meta.department, "correlation_id": meta.correlation_id,
                    "causation_id": meta.causation_id, "data": new.data, "prev_hash": prev_hash}
            prev_hash = hash_of(body)
            envelopes.append({**body, "hash": prev_hash})
        return {
            "_id": commit_id, "stream_id": stream_id, "base_version": current_version,
            "last_version": current_version + len(events), "position": head.position + 1,
            "last_position": head.position + len(events), "last_hash": prev_hash,
            "recorded_at": recorded_at, "request_hash": request_hash, "events": envelopes,
        }


def _replayed(commit: dict[str, Any], idempotency_key: str, request_hash: str | None) -> AppendResult:
    """The earlier commit of an idempotency key, unless the key came with another request."""
    if request_hash is not None and commit.get("request_hash") not in (None, request_hash):
        raise IdempotencyKeyReused(idempotency_key)
    return _result(commit, replayed=True)


def _result(commit: dict[str, Any], replayed: bool = False) -> AppendResult:
    return AppendResult(commit_id=commit["_id"], stream_id=commit["stream_id"],
                        version=commit["last_version"], first_position=commit["position"],
                        last_position=commit["last_position"], replayed=replayed,
                        request_hash=commit.get("request_hash"),
                        events=tuple(Envelope.from_dict(event) for event in commit["events"]))
