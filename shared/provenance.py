"""Only the relay's events count: each relay signs what it publishes, every consumer checks before any effect.

The relay of a write service signs each envelope's canonical form (``Envelope.to_json()``, exactly the record's
value) with an Ed25519 key of its own; the signature and the key's id travel in the record's headers, so the
value stays the envelope. A consumer takes the public keys of the producing services from its settings and
checks a record against the key of the service whose topic it came from: a record anyone else produced to the
topic (unsigned, signed with another key, or changed after signing) is refused with the reason, in Vietnamese.
Several public keys per service may be configured (one PEM after another), so a key can be rotated.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from shared.config import Settings, topic_for
from shared.digests import Ed25519Signer, key_id_of, load_public_key

SIGNATURE_HEADER = "nscl-signature"  # the 64 bytes of the Ed25519 signature over the record's value
KEY_ID_HEADER = "nscl-key-id"  # shared.digests.key_id_of the signing key, ASCII
PROVENANCE_HEADERS = (SIGNATURE_HEADER, KEY_ID_HEADER)
Headers = Sequence[tuple[str, bytes]]
MISSING_SIGNATURE = "thiếu chữ ký của relay"
INVALID_SIGNATURE = "chữ ký không hợp lệ"
_PEM_BLOCK = re.compile(r"-----BEGIN PUBLIC KEY-----.*?-----END PUBLIC KEY-----", re.DOTALL)


class SignatureRefused(Exception):
    """The record is not what the topic's relay published; the message is the reason, in Vietnamese."""


class EnvelopeSigner(Ed25519Signer):
    WHAT = "relay signing key"

    def __init__(self, private_pem: str) -> None:
        super().__init__(private_pem)
        self._key_id_bytes = self.key_id.encode("ascii")

    def headers(self, value: bytes) -> list[tuple[str, bytes]]:
        """The headers that go with a record of this ``value``."""
        return [(SIGNATURE_HEADER, self._key.sign(value)), (KEY_ID_HEADER, self._key_id_bytes)]


@dataclass(frozen=True)
class EnvelopeVerifier:
    """``keys``: per topic, the public keys of its relay by key id."""
    keys: Mapping[str, Mapping[str, Ed25519PublicKey]]

    @classmethod
    def from_settings(cls, settings: Settings) -> EnvelopeVerifier:
        return cls.of(settings.relay_public_keys)

    @classmethod
    def of(cls, public_pems: Mapping[str, str]) -> EnvelopeVerifier:
        """From the configured public keys (PEM, several one after another) of each producing service."""
        return cls({topic_for(service): {key_id_of(key): key for key in parse_public_keys(pems)}
                    for service, pems in public_pems.items()})

    def reading(self, topic: str, as_topic: str) -> EnvelopeVerifier:
        """Also ``topic``, checked with the keys of ``as_topic`` (a test's own topic, fed by a known relay)."""
        return EnvelopeVerifier({**self.keys, topic: self.keys.get(as_topic, {})})

    def missing(self, topics: Sequence[str]) -> list[str]:
        """The topics no key is configured for: a consumer of them would refuse every record."""
        return [topic for topic in topics if not self.keys.get(topic)]

    def check(self, topic: str, value: bytes, headers: Headers) -> None:
        found = dict(headers)
        signature, key_id = found.get(SIGNATURE_HEADER), found.get(KEY_ID_HEADER)
        if not signature or not key_id:
            raise SignatureRefused(MISSING_SIGNATURE)
        named = key_id.decode("ascii", errors="replace")
        key = self.keys.get(topic, {}).get(named)
        if key is None:
            raise SignatureRefused(f"{INVALID_SIGNATURE}: khóa '{named[:32]}' không phải của relay ghi topic {topic}")
        try:
            key.verify(signature, value)
        except InvalidSignature:
            raise SignatureRefused(f"{INVALID_SIGNATURE}: bản ghi không phải do relay ký, "
                                   "hoặc đã bị sửa sau khi ký") from None


def parse_public_keys(pems: str) -> list[Ed25519PublicKey]:
    blocks = _PEM_BLOCK.findall(pems)
    if not blocks:
        raise ValueError("no public key (PEM) in the relay's configured public keys")
    return [load_public_key(block) for block in blocks]


def missing_keys_message(topics: Sequence[str]) -> str:
    return (f"no relay public key configured for {', '.join(topics)}: set NSCL_RELAY_PUBLIC_KEY_<SERVICE> "
            "(or ..._FILE); every record of those topics would be refused")
