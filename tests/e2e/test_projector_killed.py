"""The projector SIGKILLed while events stream in, then started again (issue 11): reporting ends with every
registration counted once per district, nothing lost and nothing counted twice."""
from __future__ import annotations

import os
import signal
import threading

import pytest

from deploy.processes import wait_until
from deploy.stack import WORKERS

pytestmark = pytest.mark.e2e
DISTRICTS = ("866", "867", "870", "873")


def by_district(api) -> dict[str, int]:
    districts = api("reporting", "DOST", "viewer").get("/enterprises/by-district").json()["districts"]
    return {row["code"]: row["count"] for row in districts}


def registered_total(api) -> int:
    auditor, count, position = api("registry", "DOST", "auditor"), 0, 1
    while position is not None:
        page = auditor.get("/events/", from_position=position, limit=1000).json()
        count += sum(1 for event in page["events"] if event["event_type"] == "EnterpriseRegistered")
        position = page["next_from_position"]
    return count


def test_a_projector_killed_mid_stream_and_restarted_counts_every_registration_once(
        api, stack, register_enterprise):
    wait_until(lambda: sum(by_district(api).values()) == registered_total(api), 60, "reporting caught up before")
    before, written = by_district(api), 40
    writer = threading.Thread(target=lambda: [register_enterprise(district_code=DISTRICTS[n % len(DISTRICTS)])
                                              for n in range(written)])
    writer.start()
    try:
        wait_until(lambda: sum(by_district(api).values()) >= sum(before.values()) + 5, 60,
                   "the projector counting the new registrations")
        killed = stack.processes["projector"]
        os.kill(killed.pid, signal.SIGKILL)  # no chance to commit what it has applied
        assert killed.popen is not None and killed.popen.wait(timeout=10) == -signal.SIGKILL
    finally:
        writer.join(timeout=120)
    assert not writer.is_alive()
    stack.start_worker("projector", WORKERS["projector"])

    expected = dict(before)
    for n in range(written):
        expected[DISTRICTS[n % len(DISTRICTS)]] = expected.get(DISTRICTS[n % len(DISTRICTS)], 0) + 1
    wait_until(lambda: by_district(api) == expected, 90, "reporting converged after the restart")
    assert sum(by_district(api).values()) == registered_total(api)
