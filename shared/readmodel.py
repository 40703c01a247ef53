"""Idempotent, order-safe writes for read models fed by events: each effect is one document write keyed by the
event (a fact whose ``_id`` is the event id), or a stream's row guarded by its version — the whole row folded
from the stream (``replace_versioned``) or each version's fields folded in version order (``fold_versioned``) —
so a redelivery changes nothing and events of a stream arriving out of order lose nothing."""
from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from pymongo import InsertOne, ReplaceOne, UpdateOne
from pymongo.errors import BulkWriteError, DuplicateKeyError

DUPLICATE_KEY = 11000


class ReadModel:
    def __init__(self, database: Any) -> None:
        self.database = database
        self._deferred = threading.local()  # per thread: the versioned replaces kept by ``deferring``

    @contextmanager
    def deferring(self) -> Iterator[None]:
        """Within it, this thread's ``replace_versioned`` writes are kept, and sent on leaving it: one unordered
        bulk per collection (a projection's batch, whose checkpoint is recorded after). Left by an exception,
        nothing is sent: the batch is applied again. Order within a bulk does not matter: each replace is guarded
        by its version."""
        self._deferred.writes = {}
        try:
            yield
            writes: dict[str, list[ReplaceOne]] = self._deferred.writes
        finally:
            self._deferred.writes = None
        for collection, operations in writes.items():
            try:
                self.database[collection].bulk_write(operations, ordered=False)
            except BulkWriteError as error:  # a row of that version or a later one is there: nothing to write
                if any(e.get("code") != DUPLICATE_KEY for e in error.details.get("writeErrors", [])):
                    raise

    def record_fact(self, collection: str, fact_id: str, document: dict[str, Any]) -> bool:
        """Inserts the fact once; returns False when it was already there."""
        try:
            self.database[collection].insert_one({**document, "_id": fact_id})
            return True
        except DuplicateKeyError:
            return False

    def replace_versioned(self, collection: str, key: str, version: int, row: dict[str, Any]) -> bool:
        """Writes ``row``, the whole of ``key``'s stream as it stood at ``version``, unless a row of that version
        or a later one is there (False). Order-safe: a row folded from the stream holds every earlier version,
        so a version arriving after a later one has nothing to add. Within ``deferring``, kept to be sent with the
        batch (True: the outcome is known only then)."""
        guarded, document = {"_id": key, "version": {"$lt": version}}, {**row, "_id": key, "version": version}
        if (deferred := getattr(self._deferred, "writes", None)) is not None:
            deferred.setdefault(collection, []).append(ReplaceOne(guarded, document, upsert=True))
            return True
        try:
            result = self.database[collection].replace_one(guarded, document, upsert=True)
            return result.modified_count > 0 or result.upserted_id is not None
        except DuplicateKeyError:  # the document exists at this version or later
            return False

    def fold_versioned(self, collection: str, key: str, version: int, fields: dict[str, Any],
                       attempts: int = 100) -> bool:
        """Records ``fields``, what ``key``'s event of ``version`` sets, and makes the document the fold of every
        version recorded so far, in version order, whatever order they arrived in; False when that version was
        already recorded (a redelivery changes nothing). The document keeps each version's fields under
        ``effects``, ``version`` (the highest recorded) and a ``revision`` it is changed by compare-and-set on, so
        concurrent consumers (a rebalance) leave it right."""
        documents = self.database[collection]
        for _ in range(attempts):
            found = documents.find_one({"_id": key})
            effects = _effects_of(found)
            if str(version) in effects:
                return False
            document = _folded(key, {**effects, str(version): fields}, found)
            try:
                if found is None:
                    documents.insert_one(document)
                    return True
                if documents.replace_one({"_id": key, "revision": found.get("revision")}, document).matched_count:
                    return True
            except DuplicateKeyError:
                pass
        raise RuntimeError(f"{collection}/{key}: too many concurrent writers")

    def fold_versioned_many(self, collection: str, effects: list[tuple[str, int, dict[str, Any]]]) -> None:
        """``fold_versioned`` of many (key, version, fields) at once: one read of every document they touch and
        one unordered bulk of inserts and compare-and-set replaces. When another writer got in between (an insert
        refused, a revision moved), every effect goes through ``fold_versioned`` again, which skips the versions
        already recorded."""
        added: dict[str, dict[str, dict[str, Any]]] = {}
        for key, version, fields in effects:
            added.setdefault(key, {}).setdefault(str(version), fields)
        if not added:
            return
        documents = self.database[collection]
        found = {document["_id"]: document for document in documents.find({"_id": {"$in": list(added)}})}
        writes: list[InsertOne | ReplaceOne] = []
        for key, versions in added.items():
            current = found.get(key)
            recorded = _effects_of(current)
            if set(versions) <= set(recorded):
                continue  # a redelivery
            document = _folded(key, {**versions, **recorded}, current)
            writes.append(InsertOne(document) if current is None
                          else ReplaceOne({"_id": key, "revision": current.get("revision")}, document))
        if not writes:
            return
        try:
            result = documents.bulk_write(writes, ordered=False)
            if result.inserted_count + result.matched_count == len(writes):
                return
        except BulkWriteError as error:
            if any(e.get("code") != DUPLICATE_KEY for e in error.details.get("writeErrors", [])):
                raise
        for key, version, fields in effects:
            self.fold_versioned(collection, key, version, fields)

    def count_by(self, collection: str, field: str, match: dict[str, Any] | None = None) -> dict[Any, int]:
        pipeline = ([{"$match": match}] if match else []) + [{"$group": {"_id": f"${field}", "n": {"$sum": 1}}}]
        return {row["_id"]: row["n"] for row in self.database[collection].aggregate(pipeline)}

    def page(self, collection: str, match: dict[str, Any], sort: list[tuple[str, int]], skip: int, limit: int
             ) -> tuple[list[dict[str, Any]], int]:
        """One page of documents (``_id`` renamed to ``id``) and how many match in all."""
        found = self.database[collection]
        total = found.count_documents(match)
        rows = list(found.find(match).sort(sort + [("_id", 1)]).skip(skip).limit(limit))
        for row in rows:
            row["id"] = row.pop("_id")
        return rows, total


FOLD_FIELDS = ("_id", "effects", "version", "revision")


def _folded(key: str, effects: dict[str, dict[str, Any]], found: dict[str, Any] | None) -> dict[str, Any]:
    """The document of ``key`` holding these effects: their fields folded in version order, and the next revision."""
    folded: dict[str, Any] = {}
    for _, effect in sorted(effects.items(), key=lambda item: int(item[0])):
        folded.update(effect)
    return {**folded, "_id": key, "effects": effects, "version": max(map(int, effects)),
            "revision": (found or {}).get("revision", 0) + 1}


def _effects_of(found: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """The fields each recorded version set; a document written before versions were kept apart counts as
    the effect of its version."""
    if found is None:
        return {}
    if "effects" in found:
        return dict(found["effects"])
    return {str(found.get("version", 0)): {name: value for name, value in found.items() if name not in FOLD_FIELDS}}


def insert_new(collection: Any, documents: list[dict[str, Any]]) -> set[Any]:
    """Inserts in one round trip the documents whose ``_id`` is not there yet; returns the ids that were new."""
    if not documents:
        return set()
    try:
        collection.insert_many(documents, ordered=False)
        return {document["_id"] for document in documents}
    except BulkWriteError as error:
        errors = error.details.get("writeErrors", [])
        if any(e.get("code") != DUPLICATE_KEY for e in errors):
            raise
        refused = {e["index"] for e in errors}
        return {document["_id"] for index, document in enumerate(documents) if index not in refused}


def replace_all(collection: Any, documents: list[dict[str, Any]]) -> None:
    """Writes each document whole under its ``_id`` (created or replaced) in one round trip."""
    if documents:
        collection.bulk_write([ReplaceOne({"_id": document["_id"]}, document, upsert=True)
                               for document in documents], ordered=False)


def absorb(through: int, ranges: list[list[int]], positions: list[int]) -> tuple[int, list[list[int]]]:
    """The contiguous front ``through`` and the ranges received beyond it, after receiving ``positions``."""
    spans = sorted([list(span) for span in ranges] + [[p, p] for p in positions if p > through])
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    while merged and merged[0][0] <= through + 1:
        through = max(through, merged.pop(0)[1])
    return through, merged


class Coverage:
    """How much of a service's log a consumer holds: the position below which none is missing, and the ranges
    received beyond it. One document per service, changed by compare-and-set on its revision, so concurrent
    consumers and redeliveries (positions are a set) leave it right."""

    def __init__(self, collection: Any) -> None:
        self.collection = collection
        self._last: dict[str, dict[str, Any]] = {}  # per service, the document as this process last saw it

    def of(self, services: Iterable[str]) -> dict[str, dict[str, int]]:
        """Per service, in one round trip: the position below which none is missing, and the highest received."""
        wanted = list(services)
        found = {document["_id"]: document for document in self.collection.find({"_id": {"$in": wanted}})}
        return {service: {"complete_through": found[service]["through"], "highest": found[service]["highest"]}
                if service in found else {"complete_through": 0, "highest": 0} for service in wanted}

    def advance(self, service: str, positions: list[int], attempts: int = 100) -> None:
        """One round trip when this process wrote the document last (the compare-and-set then succeeds on the
        revision it holds); otherwise the document is read again and the change retried."""
        for _ in range(attempts):
            found = self._last.pop(service, None) or self.collection.find_one({"_id": service})
            current = found or {"_id": service, "through": 0, "ranges": [], "highest": 0, "revision": 0}
            through, ranges = absorb(current["through"], current["ranges"], positions)
            document = {"_id": service, "through": through, "ranges": ranges,
                        "highest": max([current["highest"], *positions]), "revision": current["revision"] + 1}
            try:
                if found is None:
                    self.collection.insert_one(document)
                    self._last[service] = document
                    return
                if self.collection.replace_one({"_id": service, "revision": current["revision"]},
                                               document).matched_count:
                    self._last[service] = document
                    return
            except DuplicateKeyError:
                pass
        raise RuntimeError(f"coverage of {service}: too many concurrent writers")


def raise_generations(collection: Any, names: Iterable[str]) -> None:
    """Raises each named counter by one (created at 1), in one round trip: a reader that holds what it read under
    a counter's value reads again once the value moved (see ``generations``)."""
    updates = [UpdateOne({"_id": name}, {"$inc": {"n": 1}}, upsert=True) for name in sorted(set(names))]
    if updates:
        collection.bulk_write(updates, ordered=False)


def generations(collection: Any, names: Iterable[str]) -> tuple[int, ...]:
    """The counters' values in the order named (0 for one never raised). Read before the data they guard, so
    data held under a value is never older than that value."""
    wanted = list(names)
    found = {document["_id"]: document["n"] for document in collection.find({"_id": {"$in": wanted}})}
    return tuple(found.get(name, 0) for name in wanted)
