"""Corrections of one-fact records (an outreach activity, an honour) applied to reporting's facts: pure.

A record corrected carries its fields as last given (the first fact's data with every correction's changes); a
record withdrawn as a mistake is left out. Only the facts given count, so the facts of a cut before a correction
give the record as it was then.
"""
from __future__ import annotations

from typing import Any

from shared.contracts import training as trn

Fact = dict[str, Any]
CORRECTIONS = frozenset(trn.CORRECTED_BY.values())
WITHDRAWALS = frozenset(trn.WITHDRAWN_BY.values())
EVENT_TYPES = tuple(sorted(CORRECTIONS | WITHDRAWALS))  # what a view reading such records must read too


def as_corrected(facts: list[Fact]) -> list[Fact]:
    withdrawn = {fact["stream_id"] for fact in facts if fact["event_type"] in WITHDRAWALS}
    changes: dict[str, dict[str, Any]] = {}
    for fact in sorted((fact for fact in facts if fact["event_type"] in CORRECTIONS), key=lambda f: f["version"]):
        changes.setdefault(fact["stream_id"], {}).update(fact["data"]["changes"])
    kept = []
    for fact in facts:
        if fact["stream_id"] in withdrawn or fact["event_type"] in CORRECTIONS | WITHDRAWALS:
            continue
        if fact["event_type"] in trn.CORRECTED_BY and fact["stream_id"] in changes:
            fact = {**fact, "data": {**fact["data"], **changes[fact["stream_id"]]}}
        kept.append(fact)
    return kept
