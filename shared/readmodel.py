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


def insert_new(collection: Any, documents: list[dict[str, Any]]) -> int:
    """Inserts in one round trip the documents whose ``_id`` is not there yet; returns how many were new."""
    if not documents:
        return 0
    try:
        return len(collection.insert_many(documents, ordered=False).inserted_ids)
    except BulkWriteError as error:
        duplicates = [e for e in error.details.get("writeErrors", []) if e.get("code") == DUPLICATE_KEY]
        if len(duplicates) != len(error.details.get("writeErrors", [])):
            raise
        return error.details.get("nInserted", 0)


def replace_all(collection: Any, documents: list[dict[str, Any]]) -> None:
    """Writes each document whole under its ``_id`` (created or replaced) in one round trip."""
    if documents:
        collection.bulk_write([ReplaceOne({"_id": document["_id"]}, document, upsert=True)
                               for document in documents], ordered=False)
