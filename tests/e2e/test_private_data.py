"""On the running stack (issue 10): the embedded stack's files are its owner's alone, a national id is stored
nowhere in clear (events, read models, reporting's facts, the database's own files, logs), and a department
changes only the records it holds."""
from __future__ import annotations

import hashlib
import json
import stat
import uuid

from bson import json_util

from deploy.processes import wait_until

NATIONAL_ID = "087" + str(uuid.uuid4().int)[:9]  # 12 digits of this run, found nowhere else


def test_no_file_of_the_embedded_stack_is_readable_by_group_or_others(stack):
    state_dir = stack.state_dir
    paths = [state_dir, *state_dir.rglob("*")]
    assert any(path.suffix == ".log" for path in paths) and (state_dir / "mongo-data").is_dir()
    wide = [f"{path} {stat.filemode(path.stat().st_mode)}" for path in paths
            if not path.is_symlink() and path.stat().st_mode & 0o077]
    assert wide == []
    assert (state_dir / "person-key-secret").is_file()


def _everything_stored(mongo_client) -> dict[str, str]:
    """Every collection of every database the stack's MongoDB holds, as text."""
    return {f"{name}.{collection}": json_util.dumps(list(mongo_client[name][collection].find()), ensure_ascii=False)
            for name in mongo_client.list_database_names()
            for collection in mongo_client[name].list_collection_names()}


def test_a_national_id_is_stored_nowhere_in_clear(stack, api, register_enterprise, mongo_client):
    enterprise = register_enterprise("867", name="Công ty TNHH Dữ liệu Cá nhân")
    training = api("training")
    wait_until(lambda: training.knows(enterprise["id"]), 30, "training knows the enterprise")
    course = training.command("/courses", {"title": "Lớp bảo vệ dữ liệu", "kind": "training_class",
                                           "topic": "nscl_awareness", "start_date": "2024-05-10",
                                           "end_date": "2024-05-10", "venue": "Sa Đéc", "capacity": 5}, 201)
    enrolled = training.command(f"/courses/{course['id']}/participants", {
        "full_name": "Trần Thị Riêng", "role": "worker", "national_id": NATIONAL_ID,
        "enterprise_id": enterprise["id"]}, 201)
    assert NATIONAL_ID not in json.dumps(enrolled)

    def holding(text: str) -> list[str]:
        return [name for name, stored in _everything_stored(mongo_client).items() if text in stored]
    # the enrolment is in training's store and among reporting's facts, and training's worker projected the course
    wait_until(lambda: {"nscl_training.commits", "nscl_training.training_courses"} <= set(holding(course["id"]))
               and any(name.startswith("nscl_reporting") for name in holding("Trần Thị Riêng")), 60,
               "the enrolment reached the read models and reporting")
    plain_hash = hashlib.sha256(f"cccd:{NATIONAL_ID}".encode()).hexdigest()
    assert holding(NATIONAL_ID) == [] and holding(plain_hash) == []
    for path in stack.state_dir.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert NATIONAL_ID.encode() not in data and plain_hash.encode() not in data, path


def test_a_department_changes_only_the_records_it_holds(api, register_enterprise):
    course = api("training", "DOST").command("/courses", {
        "title": "Lớp của Sở KH&CN", "kind": "workshop", "topic": "nscl_awareness", "start_date": "2024-06-01",
        "end_date": "2024-06-01", "venue": "Cao Lãnh", "capacity": 5}, 201)
    refused = api("training", "DIC").post(f"/courses/{course['id']}/cancel", {"reason": "Không đủ học viên"})
    assert refused.status_code == 403 and refused.headers["Content-Type"].startswith("application/problem+json")
    assert refused.json()["owner"] == "DOST"
    enterprise = register_enterprise("877", name="Công ty TNHH Châu Thành")
    path = f"/enterprises/{enterprise['id']}"
    assert api("registry", "UBND-866").patch(path, {"name": "Tên khác"}).status_code == 403
    renamed = api("registry", "UBND-877").patch(path, {"name": "Công ty TNHH Mới"})
    assert renamed.status_code == 200 and renamed.json()["registered_by"] == "DOST"
