"""Coverage of a service's log: the contiguous front and the ranges beyond it, whatever the arrival order."""
from __future__ import annotations

import random

from shared.readmodel import absorb


def test_positions_in_order_advance_the_front():
    assert absorb(0, [], [1, 2, 3]) == (3, [])


def test_a_gap_holds_the_front_until_it_is_filled():
    through, ranges = absorb(0, [], [1, 2, 4, 5, 7])
    assert (through, ranges) == (2, [[4, 5], [7, 7]])
    assert absorb(through, ranges, [3]) == (5, [[7, 7]])
    assert absorb(5, [[7, 7]], [6]) == (7, [])


def test_redelivered_positions_change_nothing():
    assert absorb(5, [[7, 9]], [1, 2, 3, 7, 8]) == (5, [[7, 9]])


def test_any_arrival_order_of_any_batches_ends_complete():
    rng = random.Random(3)
    positions = list(range(1, 501))
    rng.shuffle(positions)
    through, ranges = 0, []
    for start in range(0, 500, 37):
        through, ranges = absorb(through, ranges, positions[start:start + 37] + positions[:3])
    assert (through, ranges) == (500, [])
