"""A service's exported history: JSON-lines of events exactly as stored, checked offline against kept digests."""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shared.chain import ChainVerifier, Tampering, VerifyReport
from shared.digests import Digest, DigestInvalid, load_public_key, verify_digest
from shared.envelope import Envelope, canonical_json


def write_line(file, event: dict[str, Any]) -> None:
    file.write(canonical_json(event).decode("utf-8") + "\n")


def read_events(lines: Iterable[str]) -> Iterator[Envelope | Tampering]:
    """Each line as an event, or as a problem naming the line when it is no event at all."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            yield Envelope.from_dict(json.loads(line))
        except (ValueError, KeyError, TypeError) as error:
            yield Tampering(0, f"line {number} is not an event ({type(error).__name__}: {error})")


def load_digest(path: Path) -> Digest:
    return Digest.from_dict(json.loads(path.read_text(encoding="utf-8")))


@dataclass(frozen=True)
class Verdict:
    report: VerifyReport
    digests: list[Digest]

    @property
    def ok(self) -> bool:
        return self.report.ok


def verify_history(lines: Iterable[str], public_key_pem: str | bytes, digests: list[Digest],
                   service: str | None = None) -> Verdict:
    """The chain of every event in the file, and each kept digest: signed by the key's owner, for this
    service, and reached by the chain with the same hash. Raises DigestInvalid for a digest that fails."""
    public_key = load_public_key(public_key_pem)
    for digest in digests:
        verify_digest(digest, public_key)
        if service is not None and digest.service != service:
            raise DigestInvalid(f"the digest is of service {digest.service!r}, not {service!r}")
    verifier = ChainVerifier(tuple(digest.anchor for digest in digests))
    for item in read_events(lines):
        if isinstance(item, Tampering):
            verifier.problems.append(item)
        else:
            verifier.feed(item)
    return Verdict(verifier.report(), digests)
