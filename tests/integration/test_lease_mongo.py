from shared.lease import MongoLease


def test_one_holder_at_a_time_handing_over_on_release_or_expiry(fresh_database):
    leases = fresh_database["leases"]
    first = MongoLease(leases, "relay:nscl.registry.events", "relay-a", ttl_s=30)
    second = MongoLease(leases, "relay:nscl.registry.events", "relay-b", ttl_s=30)
    assert first.hold() and not second.hold()
    assert first.hold()  # renewing is holding
    first.release()
    assert second.hold() and not first.hold()

    short = MongoLease(leases, "relay:nscl.support.events", "relay-c", ttl_s=-1)  # expired as soon as taken
    other = MongoLease(leases, "relay:nscl.support.events", "relay-d", ttl_s=30)
    assert short.hold()
    assert other.hold() and not MongoLease(leases, "relay:nscl.support.events", "relay-c", ttl_s=30).hold()
    assert leases.count_documents({}) == 2


def test_each_takeover_starts_a_new_epoch_and_a_holder_that_was_overtaken_cannot_confirm(fresh_database):
    leases = fresh_database["leases"]
    first = MongoLease(leases, "relay:nscl.training.events", "relay-a", ttl_s=30)
    second = MongoLease(leases, "relay:nscl.training.events", "relay-b", ttl_s=30)
    assert first.hold() and first.epoch == 1
    leases.update_one({"_id": "relay:nscl.training.events"}, {"$set": {"expires_at": 0.0}})  # first renews late
    assert first.confirm() and first.epoch == 1  # renewing its own lease, nobody else held it: the same epoch
    first.release()
    assert second.hold() and second.epoch == 2 and second.confirm()
    assert first.hold() is False and first.epoch is None and not first.confirm()
    leases.update_one({"_id": "relay:nscl.training.events"}, {"$set": {"expires_at": 0.0}})
    assert first.hold() and first.epoch == 3
    assert second.hold()  # its own cache still says so, until it asks the store
    assert not second.confirm() and second.epoch is None


def test_a_holder_confirms_by_renewing_and_an_overtaken_one_cannot_even_within_its_own_term(fresh_database):
    leases = fresh_database["leases"]
    first = MongoLease(leases, "relay:nscl.registry.events", "relay-a", ttl_s=30)
    assert first.hold() and first.epoch == 1
    before = leases.find_one({"_id": "relay:nscl.registry.events"})["expires_at"]
    assert first.confirm() and first.epoch == 1
    assert leases.find_one({"_id": "relay:nscl.registry.events"})["expires_at"] >= before  # renewed
    # Taken over behind its back while its term had not run out (a clock or a pause): it must not confirm.
    leases.update_one({"_id": "relay:nscl.registry.events"}, {"$set": {"owner": "relay-b", "epoch": 2}})
    assert not first.confirm() and first.epoch is None
    # Its own name again but a later epoch (another tenure happened in between): not confirmed either.
    first.epoch = 1
    leases.update_one({"_id": "relay:nscl.registry.events"}, {"$set": {"owner": "relay-a", "epoch": 3}})
    assert not first.confirm()
