"""Twenty writers on one support case at once, through the running stack (issue 11): commands without If-Match that
lose a race are decided again on the new state, so only the real conflicts (the budget is spent) reach a client;
the case's history stays gapless, and the topic carries each event once, in order."""
from __future__ import annotations

import threading

import pytest

from deploy.processes import wait_until
from shared.config import topic_for
from tests.topics import stream_events

pytestmark = pytest.mark.e2e
WRITERS, BUDGET = 20, 100_000_000


@pytest.mark.parametrize("amount", [1_000_000, 6_000_000], ids=["room for all", "the budget runs out"])
def test_twenty_concurrent_disbursements_on_one_case_all_go_in_but_those_the_budget_refuses(
        api, embedded_servers, register_enterprise, amount):
    dost, dof = api("support", "DOST"), api("support", "DOF")
    enterprise = register_enterprise(district_code="869", name="HTX Xoài Mỹ Xương")
    wait_until(lambda: dost.knows(enterprise["id"]), 30, "support knows the enterprise")
    case_id = dost.command("/cases", {"enterprise_id": enterprise["id"], "support_type": "barcode",
                                      "need": "Mã số mã vạch", "requested_amount": BUDGET}, 201)["id"]
    dost.command(f"/cases/{case_id}/approval", {"budget": {"state_st_budget": BUDGET, "other_lawful": 0}})

    start, answers = threading.Barrier(WRITERS), []

    def disburse() -> None:
        start.wait()
        response = dof.post(f"/cases/{case_id}/disbursements", {"amount": amount, "source": "state_st_budget"})
        answers.append((response.status_code, response.json()))
    writers = [threading.Thread(target=disburse) for _ in range(WRITERS)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(timeout=60)

    fits = min(WRITERS, BUDGET // amount)  # 20, or 16: the other 4 are real conflicts
    statuses = sorted(status for status, _ in answers)
    assert statuses == [200] * fits + [409] * (WRITERS - fits), answers
    refused = [body for status, body in answers if status == 409]
    assert all(body["type"].endswith("budget-exceeded") and body["remaining"] == BUDGET - fits * amount
               for body in refused), refused  # never "written concurrently": that race is the server's to settle

    events = stream_events(embedded_servers.kafka_bootstrap, topic_for("support"), case_id, 2 + fits)
    assert [event.version for event in events] == list(range(1, 3 + fits))  # gapless, each once, in order
    disbursed = [event.data["amount"] for event in events if event.event_type == "SupportDisbursementRecorded"]
    assert disbursed == [amount] * fits
