"""The published contracts accept what producers really send and refuse what breaks them."""
from __future__ import annotations

from shared.contracts import service_of_event
from shared.contracts import support as sup


def test_an_outcome_may_carry_its_support_types_own_fields():
    outcome = {"summary": "Đạt ISO 9001", "certificate_number": "QC-1", "certifying_body": "QUACERT"}
    assert sup.CONTRACT.problems(sup.CASE_COMPLETED, {"outcome": outcome, "completed_on": "2024-01-01"}) == {}


def test_a_missing_field_or_an_unknown_type_is_named():
    assert "completed_on" in sup.CONTRACT.problems(sup.CASE_COMPLETED, {"outcome": {}})
    assert "event_type" in sup.CONTRACT.problems("Nonsense", {})
    assert service_of_event(sup.CASE_APPROVED) == "support" and service_of_event("Nonsense") is None
