"""Event store throughput on the embedded MongoDB-protocol server, against raw pymongo on the same server.

    .venv/bin/python bench/eventstore_bench.py                 # quick (the default)
    .venv/bin/python bench/eventstore_bench.py --single 1000 --batched-commits 300 --raw-many 10000

Appends through MongoEventStore.append: (a) single-event commits, each to a new stream; (b) commits of
``--batch`` events, each to a new stream; and through MongoEventStore.append_batch (c) single-event commits to new
streams, ``--raw-batch`` commits per batch, as an import writes them. Baselines: raw ``insert_one`` of a document
of the same BSON size as a single-event commit, and ``insert_many`` of such documents in batches of
``--raw-batch``; and, to tell the server's index upkeep from the store's own work, ``insert_one`` of such documents
into a collection with the store's unique keys and indexes. Reads:
``read_all`` of each store against a raw ``find()`` full scan (batch size 1000) of the same collection.
Every measurement runs in a fresh database; medians over ``--reps`` repetitions.
"""
from __future__ import annotations

import uuid

import _common as common
import bson

from shared.eventstore import Metadata, NewEvent, PendingCommit
from shared.eventstore.mongo import COMMITS, MongoEventStore
from shared.mongo import connect

SCAN_BATCH = 1000


def event_data(pad: int, index: int) -> dict:
    return {"tax_code": f"{1400000000 + index:010d}", "name": f"Doanh nghiệp thử {index}",
            "district_code": "866", "note": "x" * pad}


def append_commits(store: MongoEventStore, commits: int, events_per_commit: int, pad: int) -> int:
    meta = Metadata(actor="bench", department="DOST")
    for index in range(commits):
        events = [NewEvent("BenchEventRecorded", event_data(pad, index * events_per_commit + n))
                  for n in range(events_per_commit)]
        store.append(f"bench-{uuid.uuid4()}", 0, events, meta)
    return commits * events_per_commit


def append_batches(store: MongoEventStore, commits: int, per_batch: int, pad: int) -> int:
    meta = Metadata(actor="bench", department="DOST")
    for start in range(0, commits, per_batch):
        store.append_batch([PendingCommit(f"bench-{uuid.uuid4()}", 0,
                                          [NewEvent("BenchEventRecorded", event_data(pad, index))], meta)
                            for index in range(start, min(commits, start + per_batch))])
    return commits


def store_append_batches(client, runs: common.Runs, commits: int, per_batch: int, pad: int) -> None:
    database = client[common.unique_name("bench_es_import")]
    try:
        store = MongoEventStore(database)
        store.ensure_indexes()
        appended, seconds = common.timed(lambda: append_batches(store, commits, per_batch, pad))
        if database[COMMITS].estimated_document_count() != commits or not store.verify().ok:
            raise AssertionError("append_batch stored a different log")
        runs.add("append_import", common.rate(appended, seconds))
    finally:
        client.drop_database(database.name)


def read_all_count(store: MongoEventStore) -> int:
    return sum(len(batch) for batch in store.read_all())


def raw_scan_count(collection) -> tuple[int, int]:
    """A full scan of the commits collection: (documents, events in them)."""
    documents = events = 0
    for document in collection.find({}).batch_size(SCAN_BATCH):
        documents += 1
        events += len(document.get("events", ())) or 1
    return documents, events


def padded_document(size: int, position: int | None = None) -> dict:
    """A document of exactly ``size`` BSON bytes (uuid _id, a padding string); with a ``position``, also the fields
    the event store's indexes cover, so that it can go into a collection that has them."""
    document: dict = {"_id": str(uuid.uuid4()), "stream_id": f"bench-{uuid.uuid4()}", "pad": ""}
    if position is not None:
        document.update(base_version=0, position=position, last_position=position)
    document["pad"] = "x" * max(0, size - len(bson.encode(document)))
    return document


def store_append_and_read(client, runs: common.Runs, key: str, commits: int, per_commit: int,
                          pad: int) -> int:
    """Appends into a fresh store, then reads it back both ways; returns a commit's BSON size."""
    database = client[common.unique_name(f"bench_es_{key}")]
    try:
        store = MongoEventStore(database)
        store.ensure_indexes()
        appended, seconds = common.timed(lambda: append_commits(store, commits, per_commit, pad))
        runs.add(f"append_{key}", common.rate(appended, seconds))
        commit_size = len(bson.encode(database[COMMITS].find_one({})))

        read, seconds = common.timed(lambda: read_all_count(store))
        if read != appended:
            raise AssertionError(f"read_all returned {read} events, {appended} were appended")
        runs.add(f"read_all_{key}", common.rate(read, seconds))
        (documents, events), seconds = common.timed(lambda: raw_scan_count(database[COMMITS]))
        if events != appended:
            raise AssertionError(f"find() saw {events} events, {appended} were appended")
        runs.add(f"scan_{key}", common.rate(events, seconds))
        return commit_size
    finally:
        client.drop_database(database.name)


def insert_one_rate(client, key: str, documents: list[dict], indexed: bool) -> float:
    """``insert_one`` of each document into a fresh collection, with the store's unique keys and indexes (what
    their upkeep costs the server) or with none; documents per second."""
    database = client[common.unique_name(f"bench_raw_{key}")]
    try:
        if indexed:
            MongoEventStore(database).ensure_indexes()
        collection = database[COMMITS]

        def insert_one_each() -> None:
            for document in documents:
                collection.insert_one(document)
        _, seconds = common.timed(insert_one_each)
        return common.rate(len(documents), seconds)
    finally:
        client.drop_database(database.name)


def raw_inserts(client, runs: common.Runs, count_one: int, count_many: int, batch: int, size: int) -> None:
    runs.add("raw_insert_one", insert_one_rate(client, "one", [padded_document(size) for _ in range(count_one)],
                                               indexed=False))
    runs.add("raw_insert_one_indexed", insert_one_rate(
        client, "indexed", [padded_document(size, position) for position in range(1, count_one + 1)], indexed=True))

    database = client[common.unique_name("bench_raw_many")]
    try:
        documents = [padded_document(size) for _ in range(count_many)]
        collection = database["docs"]

        def insert_many_batches() -> None:
            for start in range(0, len(documents), batch):
                collection.insert_many(documents[start:start + batch], ordered=True)
        _, seconds = common.timed(insert_many_batches)
        if collection.estimated_document_count() != count_many:
            raise AssertionError("insert_many stored a different number of documents")
        runs.add("raw_insert_many", common.rate(count_many, seconds))
    finally:
        client.drop_database(database.name)


def main() -> None:
    parser = common.parser(__doc__.splitlines()[0])
    parser.add_argument("--single", type=int, default=600, help="single-event commits per repetition")
    parser.add_argument("--batched-commits", type=int, default=100, help="batched commits per repetition")
    parser.add_argument("--batch", type=int, default=10, help="events per batched commit")
    parser.add_argument("--raw-one", type=int, default=None, help="raw insert_one documents (default: --single)")
    parser.add_argument("--raw-many", type=int, default=3000, help="raw insert_many documents per repetition")
    parser.add_argument("--raw-batch", type=int, default=100, help="documents per insert_many call")
    parser.add_argument("--pad", type=int, default=150, help="padding characters in each event's data")
    args = parser.parse_args()
    raw_one = args.raw_one or args.single

    runs = common.Runs()
    sizes: dict[str, int] = {}
    with common.time_limit(args.time_limit), common.embedded_servers() as servers:
        client = connect(servers.mongo_url)
        try:
            for rep in range(1, args.reps + 1):
                sizes["single"] = store_append_and_read(client, runs, "single", args.single, 1, args.pad)
                sizes["batched"] = store_append_and_read(client, runs, "batched", args.batched_commits,
                                                         args.batch, args.pad)
                raw_inserts(client, runs, raw_one, args.raw_many, args.raw_batch, sizes["single"])
                store_append_batches(client, runs, args.raw_many, args.raw_batch, args.pad)
                common.note(f"repetition {rep}/{args.reps} done")
        finally:
            client.close()

    print(f"\nMongoEventStore vs raw pymongo, same nx-27017 server, fresh database per measurement; "
          f"medians of {args.reps} repetitions (range = min–max).")
    print(f"Document sizes (BSON, measured): single-event commit {sizes['single']:,} B; "
          f"{args.batch}-event commit {sizes['batched']:,} B; raw documents {sizes['single']:,} B.")
    single_ratio = common.ratio(runs.median("append_single"), runs.median("raw_insert_one"))
    batched_ratio = common.ratio(runs.median("append_batched"), runs.median("raw_insert_many"))
    import_ratio = common.ratio(runs.median("append_import"), runs.median("raw_insert_many"))
    common.print_table("Append throughput", [
        "store operation", "events/rep", "store ev/s", "range", "raw baseline", "docs/rep", "raw docs/s", "range",
        "store/raw"], [
        ["append, 1-event commits, new stream each", args.single, common.fmt(runs.median("append_single")),
         runs.spread("append_single"), "insert_one", raw_one, common.fmt(runs.median("raw_insert_one")),
         runs.spread("raw_insert_one"), common.fmt_ratio(single_ratio)],
        ["append, 1-event commits, new stream each", args.single, common.fmt(runs.median("append_single")),
         runs.spread("append_single"), "insert_one, store's indexes", raw_one,
         common.fmt(runs.median("raw_insert_one_indexed")), runs.spread("raw_insert_one_indexed"),
         common.fmt_ratio(common.ratio(runs.median("append_single"), runs.median("raw_insert_one_indexed")))],
        [f"append, {args.batch}-event commits, new stream each", args.batched_commits * args.batch,
         common.fmt(runs.median("append_batched")), runs.spread("append_batched"),
         f"insert_many x{args.raw_batch}", args.raw_many, common.fmt(runs.median("raw_insert_many")),
         runs.spread("raw_insert_many"), common.fmt_ratio(batched_ratio)],
        [f"append_batch, 1-event commits x{args.raw_batch}, new stream each", args.raw_many,
         common.fmt(runs.median("append_import")), runs.spread("append_import"),
         f"insert_many x{args.raw_batch}", args.raw_many, common.fmt(runs.median("raw_insert_many")),
         runs.spread("raw_insert_many"), common.fmt_ratio(import_ratio)],
    ])
    common.print_table("Read throughput (read_all vs find() full scan of the same commits collection)", [
        "store", "events", "read_all ev/s", "range", "find() ev/s", "range", "store/raw"], [
        [f"{label} commits", count, common.fmt(runs.median(f"read_all_{key}")), runs.spread(f"read_all_{key}"),
         common.fmt(runs.median(f"scan_{key}")), runs.spread(f"scan_{key}"),
         common.fmt_ratio(common.ratio(runs.median(f"read_all_{key}"), runs.median(f"scan_{key}")))]
        for key, label, count in (("single", "1-event", args.single),
                                  ("batched", f"{args.batch}-event", args.batched_commits * args.batch))
    ])


if __name__ == "__main__":
    main()
