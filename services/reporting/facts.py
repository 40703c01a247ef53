"""Reporting's own log of facts and the contribution rows derived from it, in one projection database.

Every consumed event is kept once (``_id`` = event id) with its service, both clocks, stream and version,
exactly as published (hash included). A batch of events costs a fixed number of round trips: one insert of
the new facts, one read of the touched streams, one write of their rows and one delete of rows a stream no
longer yields. Every step is idempotent, so a crash, a replay or a redelivery counts nothing twice.
"""
from __future__ import annotations

from typing import Any, Iterable

from services.reporting.contributions import contributions
from shared.contracts import registry as reg
from shared.envelope import HASHED_FIELDS, Envelope
from shared.readmodel import insert_new, replace_all

FACTS = "facts"
CONTRIBUTIONS = "contributions"
FACT_INDEXES = ("stream_id", "event_type", "service", "position", "recorded_at")
ROW_INDEXES = ("indicator", "stream_id", "date")


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
        self._indexed = False

    def ensure_indexes(self) -> None:
        if not self._indexed:  # single-field indexes: the embedded server ignores compound ones for equality
            for name in FACT_INDEXES:
                self.facts.create_index(name)
            for name in ROW_INDEXES:
                self.rows.create_index(name)
            self._indexed = True

    # ---- writing -------------------------------------------------------------------------------------------
    def record(self, batch: list[tuple[str, Envelope]]) -> int:
        """Keeps the facts of a batch of (service, event) and derives the rows of every stream they touch."""
        self.ensure_indexes()
        inserted = insert_new(self.facts, [fact_document(service, event) for service, event in batch])
        self.derive({event.stream_id for _, event in batch})
        return inserted

    def derive(self, stream_ids: Iterable[str]) -> None:
        streams = sorted(set(stream_ids))
        if not streams:
            return
        by_stream: dict[str, list[dict[str, Any]]] = {stream: [] for stream in streams}
        for fact in self.facts.find({"stream_id": {"$in": streams}}):
            by_stream[fact["stream_id"]].append(fact)
        documents = [row.document() for facts in by_stream.values() for row in contributions(facts)]
        replace_all(self.rows, documents)
        self.rows.delete_many({"stream_id": {"$in": streams}, "_id": {"$nin": [doc["_id"] for doc in documents]}})

    # ---- reading -------------------------------------------------------------------------------------------
    def rows_in(self, first_day: str, last_day: str, indicator: str | None = None) -> list[dict[str, Any]]:
        query: dict[str, Any] = {"date": {"$gte": first_day, "$lte": last_day}}
        if indicator:
            query["indicator"] = indicator
        return list(self.rows.find(query))

    def of_types(self, event_types: Iterable[str], projection: dict[str, int] | None = None) -> list[dict[str, Any]]:
        return list(self.facts.find({"event_type": {"$in": list(event_types)}}, projection))

    def unit_facts(self) -> list[dict[str, Any]]:
        return self.of_types(reg.ORG_UNIT_EVENTS)

    def stream(self, stream_id: str) -> list[dict[str, Any]]:
        return sorted(self.facts.find({"stream_id": stream_id}), key=lambda fact: fact["version"])

    def after(self, service: str, position: int, event_ids: Iterable[str]) -> list[dict[str, Any]]:
        return [fact for fact in self.facts.find({"_id": {"$in": list(event_ids)}})
                if fact["service"] == service and fact["position"] > position]

    def coverage(self, services: Iterable[str]) -> dict[str, dict[str, int]]:
        """Per service: how many facts, the highest position, and the position below which none is missing."""
        found = {}
        for service in services:
            count = self.facts.count_documents({"service": service})
            top = self.facts.find_one({"service": service}, {"position": 1}, sort=[("position", -1)])
            highest = top["position"] if top else 0
            complete = highest if count == highest else self._first_gap(service) - 1
            found[service] = {"count": count, "highest": highest, "complete_through": complete}
        return found

    def _first_gap(self, service: str) -> int:
        expected = 1
        for fact in self.facts.find({"service": service}, {"position": 1}).sort("position", 1):
            if fact["position"] != expected:
                return expected
            expected += 1
        return expected

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
