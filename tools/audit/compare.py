"""What an outside Kafka client reads from a service's topic, compared with the service's store.

The relay publishes at least once, so a record may come twice; it must then be the same event. Every stored
event up to the store's head must be on the topic, unchanged, keyed by its stream, and each stream's events
must first appear in version order (consumers rely on per-stream order). The topic may hold events newer than
the head the comparison started from; anything else on it is a difference.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass
class TopicComparison:
    stored: dict[str, dict[str, Any]]  # event id → the event as stored, up to the store's head
    head_position: int
    seen: set[str] = field(default_factory=set)
    records: int = 0
    differences: list[str] = field(default_factory=list)
    _last_version: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, stored_events: list[dict[str, Any]]) -> TopicComparison:
        return cls({event["event_id"]: event for event in stored_events},
                   max((event["position"] for event in stored_events), default=0))

    @property
    def complete(self) -> bool:
        return len(self.seen) == len(self.stored)

    def add(self, partition: int, key: bytes | None, value: bytes) -> None:
        self.records += 1
        try:
            event = json.loads(value)
            event_id = event["event_id"]
        except (ValueError, KeyError, TypeError):
            self.differences.append(f"partition {partition}: a record that is no event")
            return
        stored = self.stored.get(event_id)
        if stored is None:
            if event.get("position", 0) <= self.head_position:
                self.differences.append(f"event {event_id} (position {event.get('position')}) is on the topic "
                                        "but not in the store")
            return
        where = f"event {event_id} (position {stored['position']})"
        if event != stored:
            changed = sorted(name for name in set(event) | set(stored) if event.get(name) != stored.get(name))
            self.differences.append(f"{where} differs from the store in: {', '.join(changed)}")
        if key is None or key.decode("utf-8", "replace") != stored["stream_id"]:
            self.differences.append(f"{where} is keyed {key!r}, not by its stream {stored['stream_id']!r}")
        if event_id in self.seen:
            return
        self.seen.add(event_id)
        stream, version = stored["stream_id"], stored["version"]
        if version <= self._last_version.get(stream, 0):
            self.differences.append(f"{where} of stream {stream} (version {version}) comes after version "
                                    f"{self._last_version[stream]}")
        self._last_version[stream] = max(version, self._last_version.get(stream, 0))

    def finish(self) -> list[str]:
        missing = sorted((event["position"], event_id) for event_id, event in self.stored.items()
                         if event_id not in self.seen)
        return self.differences + [f"event {event_id} (position {position}) is in the store but not on the topic"
                                   for position, event_id in missing]
