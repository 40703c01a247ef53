"""Idempotent writes for read models fed by events: each effect is one document write keyed by the event
(a fact whose ``_id`` is the event id) or guarded by the stream version, so redelivery changes nothing."""
from __future__ import annotations

from typing import Any

from pymongo import ReplaceOne
from pymongo.errors import BulkWriteError, DuplicateKeyError

DUPLICATE_KEY = 11000


class ReadModel:
    def __init__(self, database: Any) -> None:
        self.database = database

    def record_fact(self, collection: str, fact_id: str, document: dict[str, Any]) -> bool:
        """Inserts the fact once; returns False when it was already there."""
        try:
            self.database[collection].insert_one({**document, "_id": fact_id})
            return True
        except DuplicateKeyError:
            return False

    def apply_versioned(self, collection: str, key: str, version: int, fields: dict[str, Any]) -> bool:
        """Sets ``fields`` on the document of ``key`` if it is older than ``version``; False if it was not."""
        try:
            result = self.database[collection].update_one(
                {"_id": key, "version": {"$lt": version}},
                {"$set": {**fields, "version": version}}, upsert=True)
            return result.modified_count > 0 or result.upserted_id is not None
        except DuplicateKeyError:  # the document exists at this version or later
            return False

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

    def of(self, service: str) -> dict[str, int]:
        found = self.collection.find_one({"_id": service}) or {"through": 0, "highest": 0}
        return {"complete_through": found["through"], "highest": found["highest"]}

    def advance(self, service: str, positions: list[int], attempts: int = 100) -> None:
        for _ in range(attempts):
            found = self.collection.find_one({"_id": service})
            current = found or {"_id": service, "through": 0, "ranges": [], "highest": 0, "revision": 0}
            through, ranges = absorb(current["through"], current["ranges"], positions)
            document = {"_id": service, "through": through, "ranges": ranges,
                        "highest": max([current["highest"], *positions]), "revision": current["revision"] + 1}
            try:
                if found is None:
                    self.collection.insert_one(document)
                    return
                if self.collection.replace_one({"_id": service, "revision": current["revision"]},
                                               document).matched_count:
                    return
            except DuplicateKeyError:
                pass
        raise RuntimeError(f"coverage of {service}: too many concurrent writers")
