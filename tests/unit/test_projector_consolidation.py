"""The projector brings the kept counts up to date only when it has something new, and never dies of it."""
from __future__ import annotations

import threading
from collections import defaultdict

from pymongo.errors import AutoReconnect

from services.reporting.facts import Facts
from services.reporting.projector import Projector
from services.reporting.tallies import Tallies
from shared.units import UnitDirectory


class ScriptedTallies(Tallies):
    """Answers ``consolidate`` from a script: True/False, or an exception to raise."""

    def __init__(self, *outcomes) -> None:
        super().__init__(None, None, lambda: (0, UnitDirectory([])))
        self.outcomes, self.calls = list(outcomes), 0

    def consolidate(self, stop=None, budget_s=None) -> bool:
        self.calls += 1
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


def projector_with(tallies: Tallies) -> Projector:
    facts = Facts(defaultdict(lambda: None))
    facts.tallies = tallies
    return Projector(facts)


def test_it_works_until_the_counts_are_fresh_then_waits_for_something_new():
    tallies = ScriptedTallies(False, True, True)
    projector = projector_with(tallies)
    stop = threading.Event()
    for _ in range(4):
        projector.consolidate(stop)
    assert tallies.calls == 2  # out of time once, fresh the next time; then nothing changed
    projector.changed = True  # a batch was recorded
    projector.consolidate(stop)
    assert tallies.calls == 3


def test_a_failure_is_logged_and_tried_again_later_without_stopping_the_projector(caplog):
    tallies = ScriptedTallies(KeyError("total"), AutoReconnect("down"), True)
    projector = projector_with(tallies)
    stop = threading.Event()
    projector.consolidate(stop)
    assert "kept counts not brought up to date" in caplog.text and projector.retry_at > 0
    projector.consolidate(stop)
    assert tallies.calls == 1  # waits before trying again after a failure that is not the database's
    projector.retry_at = 0.0
    projector.consolidate(stop)  # the database unreachable: a warning, tried again at the next idle poll
    projector.consolidate(stop)
    assert tallies.calls == 3 and not projector.changed
