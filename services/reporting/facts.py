"""Reporting's own log of facts and the contribution rows derived from it, in one projection database.

Every consumed event is kept once (``_id`` = event id) with its service, both clocks, stream and version,
exactly as published (hash included). A batch of events costs a fixed number of round trips: one insert of
the new facts, one read of the touched streams, one write of their rows and one delete of rows a stream no
longer yields. Every step is idempotent, so a crash, a replay or a redelivery counts nothing twice.
"""
from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

from pymongo import UpdateOne

from services.reporting.contributions import contributions
from services.reporting.districts import EnterpriseDistricts
from services.reporting.tallies import Tallies, shard_of
from shared.contracts import registry as reg
from shared.envelope import HASHED_FIELDS, Envelope
from shared.readmodel import Coverage, generations, insert_new, raise_generations, replace_all
from shared.units import UnitDirectory

FACTS = "facts"
CONTRIBUTIONS = "contributions"
PENDING = "pending_derivations"  # batches whose facts may be stored but their rows not yet derived, and parked streams
PARKED = "parked:"  # in PENDING, before a stream id: a stream whose first events have not arrived yet
LEGACY_PARKED = "parked_streams"  # where parked streams were kept before (moved into PENDING once)
STALE_PENDING_S = 60.0
COVERAGE = "coverage"
GENERATIONS = "generations"  # counters raised after each change: "rows", and "type:<event type>" per fact type
ROWS = "rows"
HELD_READS = 16  # the last few row sets and fact sets read, per process
HELD_AT_MOST = 200_000  # documents; a larger set is read again each time rather than held
FACT_INDEXES = ("stream_id", "event_type", "service", "position", "recorded_at")
ROW_INDEXES = ("indicator", "stream_id", "date", "shard")
TALLIES = "tallies"
TALLIED = "tallied"  # in TALLIES: present once every row carries its shard (see ``ensure_indexes``)


def type_generation(event_type: str) -> str:
    return f"type:{event_type}"


def service_of(topic: str) -> str:
    return topic.split(".")[1]


def fact_document(service: str, event: Envelope) -> dict[str, Any]:
    body = event.to_dict()
    return {"_id": event.event_id, "service": service, **{name: body[name] for name in HASHED_FIELDS},
            "hash": event.hash}


class Facts:
    def __init__(self, database: Any) -> None:
        self.database = database
        self.facts, self.rows = database[FACTS], database[CONTRIBUTIONS]
        self.pending = database[PENDING]
        self.coverage_of = Coverage(database[COVERAGE])
        self.generations = database[GENERATIONS]
        self._indexed = False
        self._held: OrderedDict[tuple[Any, ...], list[dict[str, Any]]] = OrderedDict()
        self._held_lock = threading.Lock()
        self._directory: tuple[tuple[int, ...], UnitDirectory] | None = None
        self._tallied = False
        self.tallies = Tallies(database[TALLIES], self.rows, self.unit_directory)
        self.enterprise_districts = EnterpriseDistricts(self.facts, self.coverage_of)

    def ensure_indexes(self) -> None:
        if not self._indexed:  # single-field indexes: the embedded server ignores compound ones for equality
            for name in FACT_INDEXES:
                self.facts.create_index(name)
            for name in ROW_INDEXES:
                self.rows.create_index(name)
            self._give_rows_their_shards()
            self._move_legacy_parked()
            self._indexed = True

    def _give_rows_their_shards(self) -> None:
        """Rows derived by a version without kept counts get their shard, once, and those shards are marked; the
        kept counts answer queries only from then on (``tallied``)."""
        tallies = self.database[TALLIES]
        if tallies.find_one({"_id": TALLIED}) is not None:
            return
        def give(shards: dict[str, int]) -> None:
            self.rows.bulk_write([UpdateOne({"_id": row_id}, {"$set": {"shard": shard}})
                                  for row_id, shard in shards.items()], ordered=False)
            self.tallies.mark(shards.values())

        found = True
        while found:  # one pass over the rows, then one more that finds none left
            found, shards = False, {}
            for row in self.rows.find({"shard": {"$exists": False}}, {"key": 1}).batch_size(5000):
                found = True
                shards[row["_id"]] = shard_of(row["key"])
                if len(shards) == 5000:
                    give(shards)
                    shards = {}
            if shards:
                give(shards)
        tallies.replace_one({"_id": TALLIED}, {"_id": TALLIED, "since": time.time()}, upsert=True)

    def _move_legacy_parked(self) -> None:
        """Parked streams kept in their own collection by an earlier version move into the pending collection,
        where one read per batch finds them with the markers."""
        legacy = self.database[LEGACY_PARKED]
        for found in legacy.find({}):
            self.pending.replace_one({"_id": PARKED + found["_id"]},
                                     {"_id": PARKED + found["_id"], "parked": found["_id"],
                                      "versions": found.get("versions", [])}, upsert=True)
            legacy.delete_one({"_id": found["_id"]})

    def tallied(self) -> bool:
        """Whether the kept counts can answer: every row carries its shard (once true, for good)."""
        self._tallied = self._tallied or self.database[TALLIES].find_one({"_id": TALLIED}, {"_id": 1}) is not None
        return self._tallied

    # ---- writing -------------------------------------------------------------------------------------------
    def record(self, batch: list[tuple[str, Envelope]]) -> int:
        """Keeps the facts of a batch of (service, event), derives the rows of every stream that got a new fact
        and advances each service's coverage. Returns how many facts were new.

        A redelivered fact changes nothing, so its stream is not derived again; a *pending* marker written before
        the insert and removed after the derivation makes sure a crash between the two is finished by the
        redelivery of that batch (its streams are in a marker not its own), and a marker older than
        ``STALE_PENDING_S`` (its process died) by any later batch."""
        self.ensure_indexes()
        documents = [fact_document(service, event) for service, event in batch]
        marker: dict[str, Any] = {"_id": str(uuid.uuid4()), "streams": sorted({doc["stream_id"] for doc in documents}),
                  "since": time.time()}
        self.pending.insert_one(marker)
        new = insert_new(self.facts, documents)
        pending = list(self.pending.find({}))  # the other batches' markers and the parked streams
        parked = {found["parked"] for found in pending if "parked" in found}
        others = [found for found in pending if "streams" in found and found["_id"] != marker["_id"]]
        stale = [found for found in others if found["since"] < time.time() - STALE_PENDING_S]
        unfinished = {stream for found in others for stream in found["streams"]} & set(marker["streams"])
        again = unfinished | {stream for found in stale for stream in found["streams"]}
        shards, rows_changed = self.derive(documents, new, again, marker["_id"], parked)
        for service in sorted({document["service"] for document in documents}):
            self.coverage_of.advance(service, [doc["position"] for doc in documents if doc["service"] == service])
        # Always, a redelivery included: it may follow a crash between the insert and this line.
        raise_generations(self.generations, {type_generation(document["event_type"]) for document in documents}
                          | ({ROWS} if rows_changed else set()))
        # After the counters readers hold facts under (marking a large batch takes a while), before the marker goes;
        # the shards a crashed batch changed (its marker names those of the rows it was removing) are marked too.
        self.tallies.mark(shards | {shard for found in others for shard in found.get("shards", [])
                                    if found in stale or set(found["streams"]) & unfinished})
        for found in [marker, *stale]:
            self.pending.delete_one({"_id": found["_id"]})
        return len(new)

    def derive(self, documents: list[dict[str, Any]], new: set[str], also: set[str] | None = None,
               marker: str | None = None, parked: set[str] | None = None) -> tuple[set[int], bool]:
        """Rows of the touched streams. A stream that this batch holds whole (from version 1, no gap, every fact
        new, and not parked) is folded from memory; any other is read back (one equality query, which the
        embedded server answers from its index) and its rows no longer derived are deleted. A stream whose
        beginning has not arrived is *parked* until it does. Returns the shards whose rows changed; those of
        rows about to be replaced or deleted are first added to the pending ``marker``, so that a crash before
        they are marked dirty is finished by whoever finishes the batch. Also says whether any row may have changed
        (the caller then raises the rows' counter)."""
        by_stream: dict[str, list[dict[str, Any]]] = {}
        for document in documents:
            by_stream.setdefault(document["stream_id"], []).append(document)
        if parked is None:
            parked = {found["parked"] for found in self.pending.find({"parked": {"$exists": True}}, {"parked": 1})}
        rows: list[dict[str, Any]] = []
        reread = sorted((also or set()) - set(by_stream))
        for stream, found in by_stream.items():
            if stream not in (also or set()) and not any(doc["_id"] in new for doc in found):
                continue  # nothing new in this stream: its rows are already derived
            versions = sorted(document["version"] for document in found)
            whole = versions == list(range(1, len(versions) + 1)) and all(doc["_id"] in new for doc in found)
            if whole and stream not in parked:
                rows += [row.document() for row in contributions(found)]
            else:
                reread.append(stream)
        old_shards: set[int] = set()
        stale_rows: list[str] = []
        for stream in reread:
            facts = list(self.facts.find({"stream_id": stream}))
            derived = [row.document() for row in contributions(facts)]
            kept = {row["_id"] for row in derived}
            for row in self.rows.find({"stream_id": stream}, {"_id": 1, "key": 1}):
                old_shards.add(shard_of(row["key"]))
                if row["_id"] not in kept:
                    stale_rows.append(row["_id"])
            rows += derived
            versions = sorted(fact["version"] for fact in facts)
            if versions == list(range(1, len(versions) + 1)):
                if stream in parked:
                    self.pending.delete_one({"_id": PARKED + stream})
            elif stream not in parked:
                self.pending.replace_one({"_id": PARKED + stream},
                                         {"_id": PARKED + stream, "parked": stream, "versions": versions}, upsert=True)
        if old_shards and marker is not None:
            self.pending.update_one({"_id": marker}, {"$addToSet": {"shards": {"$each": sorted(old_shards)}}})
        if stale_rows:
            self.rows.delete_many({"_id": {"$in": stale_rows}})
        replace_all(self.rows, rows)
        return old_shards | {row["shard"] for row in rows}, bool(rows or reread)

    # ---- reading -------------------------------------------------------------------------------------------
    def rows_in(self, first_day: str, last_day: str, indicators: Iterable[str]) -> list[dict[str, Any]]:
        """The rows of these indicators dated in the period (not to be changed by the caller: see ``_held_read``)."""
        codes = tuple(indicators)
        return self._held_read(("rows", first_day, last_day, codes), [ROWS], lambda: [
            row for code in codes
            for row in self.rows.find({"indicator": code, "date": {"$gte": first_day, "$lte": last_day}})
            .batch_size(5000)])

    def of_types(self, event_types: Iterable[str], projection: dict[str, int] | None = None) -> list[dict[str, Any]]:
        """Every fact of these types (not to be changed by the caller: see ``_held_read``)."""
        types = tuple(dict.fromkeys(event_types))
        return self._held_read(("facts", types, tuple(sorted((projection or {}).items()))),
                               [type_generation(event_type) for event_type in types], lambda: [
            fact for event_type in types for fact in self.facts.find({"event_type": event_type}, projection)
            .batch_size(5000)])

    def _held_read(self, key: tuple[Any, ...], counters: list[str], read: Callable[[], list[dict[str, Any]]]
                   ) -> list[dict[str, Any]]:
        """What ``read`` returns, held per process while the counters guarding it stay where they were: the
        projector raises them after every change (every fact of a type, every change of the rows), and they are
        read before the data, so a held set is never older than its counters. The same lists are served again."""
        held_key = (*key, generations(self.generations, counters))
        with self._held_lock:
            if held_key in self._held:
                self._held.move_to_end(held_key)
                return self._held[held_key]
        found = read()
        if len(found) <= HELD_AT_MOST:
            with self._held_lock:
                self._held[held_key] = found
                while len(self._held) > HELD_READS:
                    self._held.popitem(last=False)
        return found

    def unit_facts(self) -> list[dict[str, Any]]:
        return self.of_types(reg.ORG_UNIT_EVENTS)

    def unit_directory(self) -> tuple[int, UnitDirectory]:
        """The units as every fact of them known now has them, and the generation of those facts (the sum of
        their types' counters, read first): held per process until a unit fact arrives."""
        counters = generations(self.generations, [type_generation(event_type) for event_type in reg.ORG_UNIT_EVENTS])
        held = self._directory
        if held is None or held[0] != counters:
            held = self._directory = (counters, UnitDirectory(self.unit_facts()))
        return sum(counters), held[1]

    def stream(self, stream_id: str) -> list[dict[str, Any]]:
        return sorted(self.facts.find({"stream_id": stream_id}), key=lambda fact: fact["version"])

    def coverage(self, services: Iterable[str]) -> dict[str, dict[str, int]]:
        """Per service: the highest position received and the position below which none is missing."""
        return self.coverage_of.of(services)

    def chain(self, service: str, batch_size: int = 1000) -> Iterable[dict[str, Any]]:
        """The facts of one service in position order, as published (for verifying its hash chain)."""
        position = 0
        while True:
            batch = list(self.facts.find({"service": service, "position": {"$gt": position}})
                         .sort("position", 1).limit(batch_size))
            if not batch:
                return
            yield from batch
            position = batch[-1]["position"]
