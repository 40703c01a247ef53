"""Someone with access to MongoDB deletes the newest events: the chain alone cannot tell, a kept digest can."""
from __future__ import annotations

from shared.digests import DigestSigner, generate_private_pem
from shared.envelope import canonical_json
from shared.eventstore import Metadata, NewEvent
from shared.eventstore.mongo import MongoEventStore
from tools.audit.history import verify_history

SIGNER = DigestSigner(generate_private_pem())


def exported(store: MongoEventStore) -> list[str]:
    return [canonical_json(event.to_dict()).decode() for batch in store.read_all(raw=True) for event in batch]


def test_deleting_the_newest_events_in_the_database_is_detected_against_a_kept_digest(fresh_database):
    store = MongoEventStore(fresh_database)
    for n in range(5):
        store.append(f"s-{n % 2}", None, [NewEvent("Noted", {"n": n})], Metadata("an", "DOST"))
    kept = SIGNER.digest_of("registry", store)

    store.commits.delete_one({"position": 5})
    store.commits.delete_one({"position": 4})

    assert store.verify().ok  # what the chain alone says
    verdict = verify_history(exported(store), SIGNER.public_pem, [kept])
    assert not verdict.ok
    assert [problem.position for problem in verdict.report.problems] == [5]
    assert "newest events were removed" in verdict.report.problems[0].reason


def test_rewriting_an_old_event_and_every_hash_after_it_is_detected_against_a_kept_digest(fresh_database):
    store = MongoEventStore(fresh_database)
    for n in range(3):
        store.append("s", None, [NewEvent("Noted", {"n": n})], Metadata("an", "DOST"))
    kept = SIGNER.digest_of("registry", store)
    store.commits.delete_many({})
    rewriter = MongoEventStore(fresh_database)  # the tamperer's own program, which starts from the emptied log
    for n in (0, 99, 2):  # the same commands again, one of them changed: a consistent, rewritten log
        rewriter.append("s", None, [NewEvent("Noted", {"n": n})], Metadata("an", "DOST"))

    assert store.verify().ok
    verdict = verify_history(exported(store), SIGNER.public_pem, [kept])
    assert [problem.position for problem in verdict.report.problems] == [3]
