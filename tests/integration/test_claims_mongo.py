import pytest

from shared import claims as claims_module
from shared.claims import InMemoryUniqueClaims, MongoUniqueClaims


@pytest.fixture(params=["memory", "mongo"])
def claims(request, fresh_database):
    return InMemoryUniqueClaims() if request.param == "memory" else MongoUniqueClaims(fresh_database["claims"])


def test_the_first_owner_holds_the_claim_until_it_releases_it(claims):
    assert claims.claim("1400123456", "ent-a", lambda owner: True) is None
    assert claims.claim("1400123456", "ent-a", lambda owner: True) is None  # its own claim again
    assert claims.claim("1400123456", "ent-b", lambda owner: True) == "ent-a"
    claims.release("1400123456", "ent-b")  # not the holder: nothing happens
    assert claims.claim("1400123456", "ent-b", lambda owner: True) == "ent-a"
    claims.release("1400123456", "ent-a")
    assert claims.claim("1400123456", "ent-b", lambda owner: True) is None


def test_a_claim_whose_owner_is_not_live_is_taken_over_only_after_the_grace_period(claims, monkeypatch):
    claims.claim("1400123456", "ent-crashed", lambda owner: False)
    assert claims.claim("1400123456", "ent-b", lambda owner: owner != "ent-crashed") == "ent-crashed"
    monkeypatch.setattr(claims_module, "GRACE_S", -1.0)
    assert claims.claim("1400123456", "ent-b", lambda owner: owner != "ent-crashed") is None
    assert claims.claim("1400123456", "ent-c", lambda owner: True) == "ent-b"
