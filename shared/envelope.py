"""The event envelope: what every stored and published event carries, its canonical form and its hash."""
from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any

GENESIS_HASH = "0" * 64
HASHED_FIELDS = (
    "event_id", "event_type", "schema_version", "stream_id", "version", "position",
    "occurred_at", "recorded_at", "actor", "department", "correlation_id", "causation_id",
    "data", "prev_hash",
)
ENVELOPE_FIELDS = (*HASHED_FIELDS, "hash")


def format_instant(moment: datetime) -> str:
    """UTC, millisecond precision, 'Z': the one textual form of a time in the log (sorts as it reads)."""
    if moment.tzinfo is None:
        raise ValueError("a time in the log must carry its time zone")
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def parse_instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def business_time(value: date | datetime | str) -> str:
    """A business time (occurred_at) from a date (taken as the start of that day, UTC) or a datetime."""
    if isinstance(value, str):
        value = parse_instant(value) if "T" in value else date.fromisoformat(value)
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day, tzinfo=UTC)
    return format_instant(value)


def utc_now() -> str:
    return format_instant(datetime.now(UTC))


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def hash_of(body: dict[str, Any]) -> str:
    """The hash of an envelope whose HASHED_FIELDS are ``body``'s (and only those)."""
    return hashlib.sha256(canonical_json(body)).hexdigest()


_TEXT, _OPTIONAL_TEXT, _NUMBER = (str,), (str, type(None)), (int,)
_FIELD_KINDS: dict[str, tuple[type, ...]] = {
    "event_id": _TEXT, "event_type": _TEXT, "schema_version": _NUMBER, "stream_id": _TEXT, "version": _NUMBER,
    "position": _NUMBER, "occurred_at": _TEXT, "recorded_at": _TEXT, "actor": _TEXT, "department": _TEXT,
    "correlation_id": _TEXT, "causation_id": _OPTIONAL_TEXT, "data": (dict,), "prev_hash": _TEXT, "hash": _TEXT,
}


@dataclass(frozen=True)
class Envelope:
    event_id: str
    event_type: str
    schema_version: int
    stream_id: str
    version: int
    position: int
    occurred_at: str
    recorded_at: str
    actor: str
    department: str
    correlation_id: str
    causation_id: str | None
    data: dict[str, Any]
    prev_hash: str
    hash: str = field(default="")

    def to_dict(self) -> dict[str, Any]:
        """The fields as a new mapping; ``data`` is the envelope's own (events are never changed in place),
        which spares a deep copy of every event on the relay's and the store's paths."""
        return {name: getattr(self, name) for name in ENVELOPE_FIELDS}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Envelope:
        return cls(**{name: raw[name] for name in HASHED_FIELDS}, hash=raw["hash"])

    def to_json(self) -> bytes:
        return canonical_json(self.to_dict())

    @classmethod
    def from_json(cls, payload: bytes) -> Envelope:
        return cls.from_dict(json.loads(payload))

    @classmethod
    def received(cls, raw: Any) -> Envelope:
        """An envelope from what someone else sent (a JSON value): raises ValueError naming what is wrong."""
        if not isinstance(raw, dict):
            raise ValueError(f"không phải một đối tượng JSON mà là {type(raw).__name__}")
        missing = [name for name in (*HASHED_FIELDS, "hash") if name not in raw]
        if missing:
            raise ValueError(f"thiếu trường của phong bì sự kiện: {', '.join(missing)}")
        wrong = [name for name, kinds in _FIELD_KINDS.items()
                 if not isinstance(raw[name], kinds) or (isinstance(raw[name], bool) and bool not in kinds)]
        if wrong:
            raise ValueError(f"trường của phong bì sự kiện sai kiểu: {', '.join(wrong)}")
        if not all(raw[name] >= 1 for name in ("schema_version", "version", "position")):
            raise ValueError("schema_version, version và position phải từ 1 trở lên")
        envelope = cls.from_dict(raw)
        if envelope.hash != envelope.compute_hash():
            raise ValueError("hash của sự kiện không khớp với nội dung")
        return envelope

    def compute_hash(self) -> str:
        return hash_of({name: getattr(self, name) for name in HASHED_FIELDS})

    def sealed(self) -> Envelope:
        return replace(self, hash=self.compute_hash())


Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


class Upcasters:
    """Reads old event versions as new ones (schema_version n → n+1), never rewriting stored events."""

    def __init__(self) -> None:
        self._steps: dict[tuple[str, int], Upcaster] = {}

    def register(self, event_type: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
        def decorator(step: Upcaster) -> Upcaster:
            self._steps[(event_type, from_version)] = step
            return step
        return decorator

    def steps(self) -> dict[tuple[str, int], Upcaster]:
        """Every registered step by (event type, the schema version it reads)."""
        return dict(self._steps)

    def upcast(self, envelope: Envelope) -> Envelope:
        while (step := self._steps.get((envelope.event_type, envelope.schema_version))) is not None:
            envelope = replace(envelope, data=step(copy.deepcopy(envelope.data)),
                               schema_version=envelope.schema_version + 1)
        return envelope


NO_UPCASTERS = Upcasters()
