"""Signed digests of a service's log head, for auditors to keep.

A digest states (service, position, hash, time) and is signed with the service's Ed25519 key. Whoever keeps
one can later check a copy of the log against it without trusting the database (``shared.chain``): nothing
at or before that position was changed, removed or reordered, including the newest events. Digests are
published to one topic at a fixed interval (by the relay that holds the lease) and on demand (audit API).
"""
from __future__ import annotations

import base64
import contextlib
import hashlib
import logging
import threading
import time
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from shared.bus import TRANSIENT_KAFKA_ERRORS, Topics, make_producer
from shared.chain import Anchor
from shared.envelope import canonical_json, utc_now
from shared.eventstore import EventStore, StorageUnavailable
from shared.mongo import TRANSIENT_ERRORS as TRANSIENT_DB_ERRORS

DIGEST_TOPIC = "nscl.audit.digests"
ALGORITHM = "Ed25519"
log = logging.getLogger("nscl.digests")


class DigestInvalid(Exception):
    """The digest is malformed, or its signature does not hold for the given public key."""


@dataclass(frozen=True)
class Digest:
    service: str
    position: int
    hash: str
    time: str
    key_id: str
    algorithm: str = ALGORITHM
    signature: str = ""  # base64 of the Ed25519 signature over signed_payload()

    def signed_payload(self) -> bytes:
        return canonical_json({name: value for name, value in asdict(self).items() if name != "signature"})

    @property
    def anchor(self) -> Anchor:
        return Anchor(self.position, self.hash)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Digest:
        try:
            digest = cls(service=raw["service"], position=raw["position"], hash=raw["hash"], time=raw["time"],
                         key_id=raw["key_id"], algorithm=raw.get("algorithm", ALGORITHM),
                         signature=raw["signature"])
        except (KeyError, TypeError) as error:
            raise DigestInvalid(f"not a digest: {error}") from None
        if not isinstance(digest.position, int) or isinstance(digest.position, bool):
            raise DigestInvalid("a digest's position is an integer")
        return digest


def key_id_of(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_pem_of(public_key: Ed25519PublicKey) -> str:
    return public_key.public_bytes(serialization.Encoding.PEM,
                                   serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")


def load_public_key(pem: str | bytes) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(pem.encode("ascii") if isinstance(pem, str) else pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("the audit key must be an Ed25519 public key")
    return key


def generate_private_pem() -> str:
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode("ascii")


class Ed25519Signer:
    """An Ed25519 private key (PEM, PKCS#8) with its public key and the key's id; ``what`` names it in errors."""
    WHAT = "signing key"

    def __init__(self, private_pem: str) -> None:
        key = serialization.load_pem_private_key(private_pem.encode("ascii"), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"the {self.WHAT} must be an Ed25519 private key (PEM, PKCS#8)")
        self._key = key
        self.public_key = key.public_key()
        self.key_id = key_id_of(self.public_key)

    @property
    def public_pem(self) -> str:
        return public_pem_of(self.public_key)


class DigestSigner(Ed25519Signer):
    WHAT = "audit signing key"

    def sign(self, service: str, position: int, head_hash: str, at: str | None = None) -> Digest:
        unsigned = Digest(service, position, head_hash, at or utc_now(), self.key_id)
        signature = base64.b64encode(self._key.sign(unsigned.signed_payload())).decode("ascii")
        return Digest(**{**unsigned.to_dict(), "signature": signature})

    def digest_of(self, service: str, store: EventStore) -> Digest:
        head = store.head()
        return self.sign(service, head.position, head.hash)


def verify_digest(digest: Digest, public_key: Ed25519PublicKey) -> None:
    """Raises DigestInvalid unless the digest was signed by the key's owner and is unchanged."""
    if digest.algorithm != ALGORITHM:
        raise DigestInvalid(f"unknown algorithm {digest.algorithm!r}")
    if digest.key_id != key_id_of(public_key):
        raise DigestInvalid("the digest names another key than the one given")
    try:
        public_key.verify(base64.b64decode(digest.signature, validate=True), digest.signed_payload())
    except (InvalidSignature, ValueError):
        raise DigestInvalid("the signature does not hold: the digest was not signed with this key, "
                            "or was changed since") from None


# ---- publishing ---------------------------------------------------------------------------------------
class DigestPublisher(ABC):
    @abstractmethod
    def publish(self, digest: Digest) -> None:
        """Returns once the digest is durably written; raises otherwise."""

    @abstractmethod
    def close(self) -> None: ...


class KafkaDigestPublisher(DigestPublisher):
    """The digests of every service on one topic of one partition, in the order they were signed."""

    def __init__(self, bootstrap: str, topic: str = DIGEST_TOPIC, timeout_s: float = 5.0) -> None:
        self.bootstrap, self.topic, self.timeout_s = bootstrap, topic, timeout_s
        self._producer: Any = None
        self._lock = threading.Lock()

    def publish(self, digest: Digest) -> None:
        with self._lock:
            if self._producer is None:
                topics = Topics(self.bootstrap)
                try:
                    topics.ensure(self.topic, 1)
                finally:
                    topics.close()
                self._producer = make_producer(self.bootstrap, client_id=f"digests-{digest.service}")
            producer = self._producer
        future = producer.send(self.topic, key=digest.service.encode(), value=canonical_json(digest.to_dict()))
        future.get(timeout=self.timeout_s)

    def close(self) -> None:
        with self._lock:
            producer, self._producer = self._producer, None
        if producer is not None:
            with contextlib.suppress(*TRANSIENT_KAFKA_ERRORS):
                producer.close(timeout=2)


PUBLISH_ERRORS = TRANSIENT_KAFKA_ERRORS + TRANSIENT_DB_ERRORS + (StorageUnavailable,)


class DigestSchedule:
    """Signs and publishes the head at a fixed interval; a failure is retried at the next tick, not fatal."""

    def __init__(self, service: str, store: EventStore, signer: DigestSigner, publisher: DigestPublisher,
                 interval_s: float, clock=time.monotonic) -> None:
        self.service, self.store, self.signer, self.publisher = service, store, signer, publisher
        self.interval_s, self.clock = interval_s, clock
        self._next_at = clock()  # the first digest as soon as the process runs

    def tick(self) -> Digest | None:
        now = self.clock()
        if now < self._next_at:
            return None
        try:
            digest = self.signer.digest_of(self.service, self.store)
            self.publisher.publish(digest)
        except PUBLISH_ERRORS as error:
            log.warning("digest of %s not published: %s; retrying later", self.service, error)
            self.publisher.close()
            self._next_at = now + min(self.interval_s, 5.0)
            return None
        self._next_at = now + self.interval_s
        log.info("digest of %s published: position %d", self.service, digest.position)
        return digest
