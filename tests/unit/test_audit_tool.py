"""The auditor's tool offline: verify detects every kind of tampering a kept digest covers; compare-topic."""
from __future__ import annotations

import json
from dataclasses import replace

import pytest

from shared.digests import DigestSigner, generate_private_pem
from shared.envelope import Envelope, canonical_json
from shared.eventstore import Metadata, NewEvent
from shared.eventstore.memory import InMemoryEventStore
from tools.audit.cli import main
from tools.audit.compare import TopicComparison

KEY = generate_private_pem()
SIGNER = DigestSigner(KEY)


def history(count: int = 6) -> tuple[list[Envelope], InMemoryEventStore]:
    store = InMemoryEventStore()
    for n in range(count):
        store.append(f"s-{n % 3}", None, [NewEvent("Noted", {"n": n, "tên": "Đồng Tháp"})], Metadata("an", "DOST"))
    return [event for batch in store.read_all(raw=True) for event in batch], store


@pytest.fixture
def files(tmp_path):
    events, store = history()
    digest = SIGNER.digest_of("registry", store)
    (tmp_path / "key.pem").write_text(SIGNER.public_pem)
    (tmp_path / "digest.json").write_text(json.dumps(digest.to_dict()))
    return tmp_path, events


def run_verify(directory, events, *extra: str, digest: bool = True) -> int:
    path = directory / "history.jsonl"
    path.write_text("".join(canonical_json(event.to_dict()).decode() + "\n" for event in events), encoding="utf-8")
    digests = ["--digest", str(directory / "digest.json")] if digest else []
    return main(["--quiet", "verify", str(path), "--key", str(directory / "key.pem"), *digests, *extra])


def resealed_from(events: list[Envelope], index: int, **change) -> list[Envelope]:
    """An edit by someone who also recomputed every hash after it, so the chain alone still holds."""
    out, prev = list(events[:index]), events[index - 1].hash if index else "0" * 64
    for number, event in enumerate(events[index:]):
        event = replace(event, prev_hash=prev, **(change if number == 0 else {})).sealed()
        out.append(event)
        prev = event.hash
    return out


def test_an_intact_history_verifies(files, capsys):
    directory, events = files
    assert run_verify(directory, events, "--service", "registry") == 0
    assert "HỢP LỆ: 6 sự kiện" in capsys.readouterr().out


def test_events_newer_than_the_digest_still_verify(files):
    directory, events = files
    later = Envelope(**{**events[-1].to_dict(), "event_id": "x", "position": 7, "version": 9,
                        "prev_hash": events[-1].hash, "hash": ""}).sealed()
    assert run_verify(directory, [*events, later]) == 0


def test_an_edited_event_is_detected(files, capsys):
    directory, events = files
    events[2] = replace(events[2], data={"n": 999})
    assert run_verify(directory, events) == 1
    assert "vị trí 3: content does not match its hash (edited)" in capsys.readouterr().out


def test_an_edit_with_every_later_hash_recomputed_is_detected_by_the_digest(files, capsys):
    directory, events = files
    assert run_verify(directory, resealed_from(events, 2, data={"n": 999}), digest=False) == 0  # the chain alone
    assert run_verify(directory, resealed_from(events, 2, data={"n": 999})) == 1
    assert "differs from the kept digest" in capsys.readouterr().out


def test_a_removed_event_is_detected(files, capsys):
    directory, events = files
    del events[3]
    assert run_verify(directory, events) == 1
    assert "removed or reordered" in capsys.readouterr().out


def test_reordered_events_are_detected(files):
    directory, events = files
    events[1], events[2] = events[2], events[1]
    assert run_verify(directory, events) == 1


def test_a_truncated_tail_is_detected_only_with_a_kept_digest(files, capsys):
    directory, events = files
    assert run_verify(directory, events[:4], digest=False) == 0
    assert "không phát hiện được việc xoá" in capsys.readouterr().err
    assert run_verify(directory, events[:4]) == 1
    assert "the newest events were removed" in capsys.readouterr().out


def test_a_line_that_is_no_event_is_detected(files, tmp_path):
    directory, events = files
    path = directory / "history.jsonl"
    lines = [canonical_json(event.to_dict()).decode() for event in events]
    lines[2] = '{"event_id": "x"}'
    path.write_text("\n".join(lines) + "\n")
    assert main(["--quiet", "verify", str(path), "--key", str(directory / "key.pem"),
                 "--digest", str(directory / "digest.json")]) == 1


def test_a_digest_signed_with_another_key_is_refused(files, capsys):
    directory, events = files
    (directory / "key.pem").write_text(DigestSigner(generate_private_pem()).public_pem)
    assert run_verify(directory, events) == 2
    assert "Lỗi:" in capsys.readouterr().err


def test_a_forged_digest_is_refused(files):
    directory, events = files
    forged = {**json.loads((directory / "digest.json").read_text()), "position": 4, "hash": events[3].hash}
    (directory / "digest.json").write_text(json.dumps(forged))
    assert run_verify(directory, events[:4]) == 2


def test_a_digest_of_another_service_is_refused(files):
    directory, events = files
    assert run_verify(directory, events, "--service", "training") == 2


# ---- compare-topic's comparison -----------------------------------------------------------------------
def records(events: list[Envelope]) -> list[tuple[int, bytes, bytes]]:
    return [(0, event.stream_id.encode(), event.to_json()) for event in events]


def compared(stored: list[Envelope], on_topic) -> list[str]:
    comparison = TopicComparison.of([event.to_dict() for event in stored])
    for record in on_topic:
        comparison.add(*record)
    return comparison.finish()


def test_a_topic_that_holds_the_store_compares_equal_even_with_redeliveries():
    events, _ = history()
    assert compared(events, records(events) + records(events[3:])) == []


def test_a_topic_may_hold_events_newer_than_the_stores_head():
    events, _ = history()
    assert compared(events[:4], records(events)) == []


def test_missing_changed_misplaced_miskeyed_and_unknown_events_are_named():
    events, _ = history()
    changed = replace(events[1], data={"n": -1})
    stranger = replace(events[0], event_id="not-stored")
    topic = records([events[0], changed, events[5], events[4]]) + [(1, b"wrong", events[3].to_json())]
    topic += records([stranger]) + [(2, None, b"not json")]
    differences = compared(events, topic)
    assert any("position 2) differs from the store in: data" in d for d in differences)
    assert any("position 3) is in the store but not on the topic" in d for d in differences)
    assert any("keyed b'wrong'" in d for d in differences)
    assert any("not-stored" in d and "not in the store" in d for d in differences)
    assert any("no event" in d for d in differences)


def test_a_stream_out_of_order_on_the_topic_is_named():
    events, _ = history()  # s-0 holds positions 1 and 4
    differences = compared(events, records([events[3], *events[:3], *events[4:]]))
    assert differences == [f"event {events[0].event_id} (position 1) of stream s-0 (version 1) comes after version 2"]
