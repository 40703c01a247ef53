"""One relay key pair for the tests that build relays and consumers themselves (shared.provenance)."""
from __future__ import annotations

from shared.digests import generate_private_pem
from shared.provenance import EnvelopeSigner, EnvelopeVerifier

SIGNER = EnvelopeSigner(generate_private_pem())


def verifier_of(*topics: str, signer: EnvelopeSigner = SIGNER) -> EnvelopeVerifier:
    """Accepts on ``topics`` what ``signer`` signed."""
    return EnvelopeVerifier({topic: {signer.key_id: signer.public_key} for topic in topics})


def signed(value: bytes, signer: EnvelopeSigner = SIGNER) -> tuple[tuple[str, bytes], ...]:
    """The headers a relay with ``signer`` gives a record of ``value``."""
    return tuple(signer.headers(value))
