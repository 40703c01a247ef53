"""Public ids of certificates, for verification without a token (as Open Badges verifies an assertion).

A public id is 43 url-safe characters: the expert's stream id (16 bytes) and 16 random bytes, base64url.
The random half makes it unguessable (128 bits); the stream half lets verification read the expert's own
stream, so a revocation is visible to a verifier at once (no eventually consistent lookup table).
The whole id must match the one recorded at certification, compared in constant time.
"""
from __future__ import annotations

import base64
import binascii
import secrets
import uuid

_RANDOM_BYTES = 16


def issue_public_id(expert_id: str) -> str:
    raw = uuid.UUID(expert_id).bytes + secrets.token_bytes(_RANDOM_BYTES)
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def expert_id_of(public_id: str) -> str | None:
    """The expert's stream id inside a public id, or None when it cannot be one."""
    if len(public_id) != 43:
        return None
    try:
        raw = base64.urlsafe_b64decode(public_id + "=")
    except (binascii.Error, ValueError):
        return None
    if len(raw) != 16 + _RANDOM_BYTES:
        return None
    return str(uuid.UUID(bytes=raw[:16]))
