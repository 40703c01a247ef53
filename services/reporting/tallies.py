"""Indicator counts kept by the projector, so that today's figures cost the same at 10 thousand events as at a
million.

The contribution rows are split into ``SHARDS`` shards by the unit they count (an enterprise, a course…), so
that everything counted distinctly lives in one shard. Each shard keeps a *summary* of its rows as the system
knows them now: per indicator, span (a year, or a phase for an indicator counted over the phase), unit and
year, how many distinct units count. A summary is a pure function of the shard's rows and the unit directory
(``summarize``), so it can be computed again at any time and by anyone with the same answer.

Freshness without transactions: the projector raises a shard's *dirty* counter after every change of its rows
(and names the shards of rows it replaces in its pending marker first, so a crash is finished by the
redelivery). A summary is stored with the counter value read *before* its rows were read, the unit directory's
generation and a stamp of its own; it is fresh while the counter and the generation still match. The *total* is
the sum of the summaries, stored with the counter value and stamp of each one it adds up.

When the projector has nothing to consume it brings the total up to date: the few shards changed since are
rolled forward (their old summary taken out, the new one put in, the total written by compare-and-set on its
revision); after a large change every stale shard is computed again and summed. A query reads the counters, the
units' generation and the total, and rolls the total forward itself over the shards changed since (computing
them from their rows), or sums every shard when many changed: the answer is always exact, only slower while the
projector is busy. Each marking also raises one small *marks* counter, so a process holding an answer reads
that counter, not the 4,096 dirty ones, to know it still holds.

What the summaries answer: the figures of today (no ``as_of``), for the whole province or one unit as the units
were in each period (``structure=period``). The list of contributors, an ``as_of`` cut, an issued report, and a
unit under today's structure are evaluated from the rows (``evaluator.evaluate``), as before.
"""
from __future__ import annotations

import threading
import time
import uuid
import zlib
from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import suppress
from datetime import date
from typing import Any

from pymongo import UpdateOne
from pymongo.errors import DuplicateKeyError

from services.reporting.evaluator import Cut, counts, slices_of, summary
from services.reporting.indicators import BY_CODE, PHASES, Indicator, Period
from shared.units import UnitDirectory

SHARDS = 4096
DIRTY, TOTAL = "dirty", "total"
MARKS = "marks"  # one counter raised after every mark: a query reads the dirty counters only when it moved
INC_FIELDS = 32
ROLL_FORWARD_AT_MOST = 64  # shards changed since the total: more are summed from every shard instead
LIVE = Cut(today=date.max)  # what counts now: everything known; only a row's voids' dates matter
Entries = Counter[tuple[Any, ...]]  # (indicator, span, unit_code, unit as in force then, year) -> distinct units
Filtered = Counter[tuple[Any, ...]]  # (indicator, span, unit as in force then, year) -> distinct units in that unit


def shard_of(key: str) -> int:
    return zlib.crc32(key.encode("utf-8")) % SHARDS


def shard_id(shard: int) -> str:
    return f"shard:{shard}"


def spans_of(indicator: Indicator, day: str) -> list[tuple[str, str, str]]:
    """The spans a row dated ``day`` can be counted in: its year, and its phase unless the indicator is yearly
    (a yearly indicator's phase is the sum of its years)."""
    year = int(day[:4])
    spans = [(str(year), f"{year}-01-01", f"{year}-12-31")]
    for phase, (first, last) in PHASES.items():
        if first <= year <= last and not indicator.yearly:
            spans.append((phase, f"{first}-01-01", f"{last}-12-31"))
    return spans


def summarize(rows: Iterable[dict[str, Any]], units: UnitDirectory) -> tuple[Entries, Filtered]:
    """A shard's counts as of now, exactly as ``evaluate`` counts them: per (indicator, span, key), the first
    counting row (by date, then id) places the unit counted; with a unit asked for, the first counting row that
    falls in that unit does."""
    candidates: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for row in rows:
        indicator = BY_CODE.get(row["indicator"])
        if indicator is None:
            continue
        for label, _, last in spans_of(indicator, row["date"]):
            if counts(row, LIVE, last):
                candidates.setdefault((indicator.code, label, row["key"]), []).append(row)
    entries: Entries = Counter()
    filtered: Filtered = Counter()
    for (code, label, _), found in candidates.items():
        found.sort(key=lambda row: (row["date"], row["_id"]))
        mapped = [units.in_force(row.get("unit_code"), row["date"]) for row in found]
        first = found[0]
        entries[(code, label, first.get("unit_code"), mapped[0], int(first["date"][:4]))] += 1
        seen: set[str | None] = set()
        for row, unit in zip(found, mapped, strict=True):
            if unit not in seen:
                seen.add(unit)
                filtered[(code, label, unit, int(row["date"][:4]))] += 1
    return entries, filtered


def answerable(unit: str | None, structure: str) -> bool:
    """Whether the kept counts answer a query of today's figures with these filters."""
    return unit is None or structure == "period"


def answer(indicator: Indicator, period: Period, today: date, units: UnitDirectory, entries: Entries,
           filtered: Filtered, unit: str | None = None, structure: str = "period") -> dict[str, Any]:
    """An indicator's figures from the kept counts: the same as ``evaluate`` gives for today, without the list
    of contributors."""
    labels = {label for label, _, _ in slices_of(indicator, period)}
    by_year = {year: 0 for year in period.years}
    by_unit: dict[str | None, int] = {}
    if unit is None:
        today_text = today.isoformat()
        for (code, label, unit_code, mapped, year), count in entries.items():
            if code == indicator.code and label in labels:
                place = mapped if structure == "period" else units.in_force(unit_code, today_text)
                by_year[year] += count
                by_unit[place] = by_unit.get(place, 0) + count
    else:
        for (code, label, mapped, year), count in filtered.items():
            if code == indicator.code and label in labels and mapped == unit:
                by_year[year] += count
                by_unit[unit] = by_unit.get(unit, 0) + count
    return summary(indicator, period, today, units, by_year, by_unit)


def added(parts: Iterable[tuple[Entries, Filtered]]) -> tuple[Entries, Filtered]:
    entries: Entries = Counter()
    filtered: Filtered = Counter()
    for more_entries, more_filtered in parts:
        entries.update(more_entries)
        filtered.update(more_filtered)
    return entries, filtered


def to_document(entries: Entries, filtered: Filtered) -> dict[str, Any]:
    return {"entries": [[*key, count] for key, count in sorted(entries.items(), key=repr) if count],
            "filtered": [[*key, count] for key, count in sorted(filtered.items(), key=repr) if count]}


def from_document(document: dict[str, Any]) -> tuple[Entries, Filtered]:
    return (Counter({tuple(item[:-1]): item[-1] for item in document.get("entries", [])}),
            Counter({tuple(item[:-1]): item[-1] for item in document.get("filtered", [])}))


class Tallies:
    """The kept counts in reporting's projection database (collection ``tallies``): one document of dirty
    counters, one summary per shard, one total. ``rows`` is the contribution rows' collection; ``directory``
    returns the unit directory now and the generation of the unit facts it was built from (read first)."""

    def __init__(self, collection: Any, rows: Any, directory: Callable[[], tuple[int, UnitDirectory]]) -> None:
        self.collection, self.rows, self.directory = collection, rows, directory
        self._held: tuple[tuple[Any, ...], tuple[Entries, Filtered]] | None = None
        self._lock = threading.Lock()

    # ---- the projector's side --------------------------------------------------------------------------------
    def mark(self, shards: Iterable[int]) -> None:
        """Raises the dirty counters of these shards (after their rows changed), then the marks counter, in one
        round trip."""
        names = [f"n.{shard}" for shard in sorted(set(shards))]
        if not names:
            return
        # At most INC_FIELDS fields per update: given more, the embedded server stores "n.3" as a literal name.
        updates = [UpdateOne({"_id": DIRTY}, {"$inc": dict.fromkeys(names[start:start + INC_FIELDS], 1)})
                   for start in range(0, len(names), INC_FIELDS)]
        updates.append(UpdateOne({"_id": MARKS}, {"$inc": {"n": 1}}, upsert=True))
        result = self.collection.bulk_write(updates, ordered=True)
        if result.matched_count + result.upserted_count < len(updates):  # the dirty counters are not there yet
            # Created first, not upserted: the embedded server's upsert also keeps "n.3" as a literal name.
            with suppress(DuplicateKeyError):  # another projector created it meanwhile
                self.collection.insert_one({"_id": DIRTY, "n": {}})
            self.collection.bulk_write(updates, ordered=True)

    def consolidate(self, stop: threading.Event | None = None, budget_s: float | None = None) -> bool:
        """Brings the kept counts up to date with the marks so far; True when the stored total is then fresh.

        A few shards changed since the total was stored are rolled forward into it (their summaries computed
        again, the total written by compare-and-set on its revision). Otherwise (the first time, after a unit
        change, after a large import) every stale shard is computed again, at least one per call and until
        ``stop`` is set or ``budget_s`` has passed, and once none is left the total is their sum."""
        generation, units = self.directory()
        dirty = self._dirty()
        total = self.collection.find_one({"_id": TOTAL})
        if total is not None and total["units"] == generation:
            stale = [shard for shard in range(SHARDS) if total["included"][shard] != dirty[shard]]
            if not stale:
                return True
            stamps = list(total.get("stamps") or [])
            counted = self._rolled_forward(total, stale, dirty, generation, units, stored=stamps)
            if counted is not None:
                return self._store_total(total, dirty, generation, counted, stamps)
        return self._consolidate_every_shard(total, dirty, generation, units, stop, budget_s)

    def _consolidate_every_shard(self, total: dict[str, Any] | None, dirty: list[int], generation: int,
                                 units: UnitDirectory, stop: threading.Event | None, budget_s: float | None) -> bool:
        kept = self._shards({"computed": 1, "units": 1})
        started, done = time.monotonic(), 0
        for shard in range(SHARDS):
            if self._fresh(kept.get(shard_id(shard)), dirty[shard], generation):
                continue
            out_of_time = budget_s is not None and done and time.monotonic() - started > budget_s
            if (stop is not None and stop.is_set()) or out_of_time:
                return False
            done += 1
            self._store_shard(shard, dirty[shard], generation, summarize(self.rows.find({"shard": shard}), units))
        summaries = self._shards()
        if not all(self._fresh(summaries.get(shard_id(shard)), dirty[shard], generation) for shard in range(SHARDS)):
            return False  # another writer moved a shard back meanwhile: the next call finishes it
        return self._store_total(total, dirty, generation,
                                 added(from_document(document) for document in summaries.values()),
                                 [(summaries.get(shard_id(shard)) or {}).get("stamp") for shard in range(SHARDS)])

    def _store_shard(self, shard: int, computed: int, generation: int, counted: tuple[Entries, Filtered]) -> str:
        """Stores a shard's summary under a stamp of its own (returned): two summaries computed at the same counter
        value from rows read on either side of a write are told apart by it."""
        stamp = uuid.uuid4().hex[:12]
        self.collection.replace_one({"_id": shard_id(shard)}, {
            "_id": shard_id(shard), "computed": computed, "units": generation, "stamp": stamp,
            **to_document(*counted)}, upsert=True)
        return stamp

    def _store_total(self, total: dict[str, Any] | None, dirty: list[int], generation: int,
                     counted: tuple[Entries, Filtered], stamps: list[str | None]) -> bool:
        """Writes the total (with the counter value and the stamp of each shard summary it adds up) unless
        another writer changed it since ``total`` was read (False then)."""
        revision = (total or {}).get("revision", 0)
        try:
            written = self.collection.replace_one({"_id": TOTAL, "revision": revision}, {
                "_id": TOTAL, "revision": revision + 1, "included": dirty, "stamps": stamps, "units": generation,
                **to_document(*counted)}, upsert=True)
        except DuplicateKeyError:
            return False  # it exists at another revision: the upsert tried to insert a second one
        return written.matched_count == 1 or written.upserted_id is not None

    # ---- the queries' side -----------------------------------------------------------------------------------
    def fresh(self) -> bool:
        """Whether the stored total counts every change marked so far."""
        total = self.collection.find_one({"_id": TOTAL}, {"included": 1, "units": 1})
        return self._fresh_total(total, self._dirty(), self.directory()[0])

    def now(self) -> tuple[UnitDirectory, Entries, Filtered]:
        """The unit directory and the counts of every shard as of now: the total rolled forward over the shards
        changed since it was stored, else the sum of every fresh shard's summary and of the stale ones computed
        from their rows. Held per process while the unit facts' generation and the marks counter stay where they
        were (both read before anything they guard)."""
        generation, units = self.directory()
        key = (generation, (self.collection.find_one({"_id": MARKS}) or {}).get("n", 0))
        with self._lock:
            if self._held is not None and self._held[0] == key:
                return units, *self._held[1]
        dirty = self._dirty()
        total = self.collection.find_one({"_id": TOTAL})
        counted = None
        if total is not None and total["units"] == generation:
            stale = [shard for shard in range(SHARDS) if total["included"][shard] != dirty[shard]]
            counted = self._rolled_forward(total, stale, dirty, generation, units)
        if counted is None:
            kept = self._shards()
            counted = added(
                from_document(kept.get(shard_id(shard)) or {})
                if self._fresh(kept.get(shard_id(shard)), dirty[shard], generation)
                else summarize(self.rows.find({"shard": shard}), units)
                for shard in range(SHARDS))
        with self._lock:
            self._held = (key, counted)
        return units, *counted

    def _rolled_forward(self, total: dict[str, Any], stale: list[int], dirty: list[int], generation: int,
                        units: UnitDirectory, stored: list[str | None] | None = None
                        ) -> tuple[Entries, Filtered] | None:
        """The total with the ``stale`` shards taken out as it included them (their kept summaries, while those
        are still the ones it included: same stamp) and put back as their rows are now. With ``stored`` (the
        total's stamps) the new summaries are stored and their stamps put in it. None when a summary moved on
        since the total was stored, or when too many shards changed to be worth it."""
        if len(stale) > ROLL_FORWARD_AT_MOST or len(total.get("stamps") or []) != SHARDS:
            return None
        kept = {document["_id"]: document for document in self.collection.find(
            {"_id": {"$in": [shard_id(shard) for shard in stale]}})} if stale else {}
        entries, filtered = from_document(total)
        for shard in stale:
            document = kept.get(shard_id(shard))
            if (document or {}).get("stamp") != total["stamps"][shard] or (
                    document is not None and document["units"] != generation):
                return None
            was_entries, was_filtered = from_document(document or {})
            now = summarize(self.rows.find({"shard": shard}), units)
            if stored is not None:
                stored[shard] = self._store_shard(shard, dirty[shard], generation, now)
            entries.subtract(was_entries)
            filtered.subtract(was_filtered)
            entries.update(now[0])
            filtered.update(now[1])
        return +entries, +filtered

    def _shards(self, projection: dict[str, int] | None = None) -> dict[str, dict[str, Any]]:
        return {document["_id"]: document for document in self.collection.find(
            {"_id": {"$in": [shard_id(shard) for shard in range(SHARDS)]}}, projection)}

    def _dirty(self) -> list[int]:
        found = (self.collection.find_one({"_id": DIRTY}) or {}).get("n", {})
        return [found.get(str(shard), 0) for shard in range(SHARDS)]

    @staticmethod
    def _fresh_total(total: dict[str, Any] | None, dirty: list[int], generation: int) -> bool:
        return total is not None and total["units"] == generation and total["included"] == dirty

    @staticmethod
    def _fresh(document: dict[str, Any] | None, dirty: int, generation: int) -> bool:
        if document is None:
            return dirty == 0  # a shard never written to has nothing to count
        return document["computed"] == dirty and document["units"] == generation
