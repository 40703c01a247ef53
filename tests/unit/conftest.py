"""Unit tests reach no server: a service bootstrapped here keeps the registry's units in memory (tests.fakes),
where a real one keeps them in its MongoDB database."""
from __future__ import annotations

import pytest

import shared.bootstrap
from tests.fakes import FakeKnownUnits


@pytest.fixture(autouse=True, scope="session")
def units_in_memory():
    with pytest.MonkeyPatch.context() as patch:  # session-wide: module fixtures bootstrap services too
        patch.setattr(shared.bootstrap, "known_units_of", lambda database: FakeKnownUnits())
        yield
