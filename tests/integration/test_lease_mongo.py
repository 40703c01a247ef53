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
