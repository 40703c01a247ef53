"""Public ids of certificates, for verification without a token (as Open Badges verifies an assertion).

A public id is 43 url-safe characters from 32 random bytes (``secrets.token_urlsafe``): unguessable and
independent of every internal id (it says nothing about the expert). At certification it is claimed in a
table of its own (``shared.claims``: the id is the document's ``_id``, so a lookup is one indexed equality
query), written before the certification is appended, so a verifier finds it at once. Verification then reads
the expert's own stream (a revocation is visible at once) and compares the id recorded there in constant time.
A missing id does the same work: the lookup, the read of a stream (one that never exists) and the comparison.
"""
from __future__ import annotations

import hmac
import secrets

_RANDOM_BYTES = 32
PUBLIC_ID_LENGTH = 43
NO_EXPERT = "certificate-not-issued"  # the stream a missing id reads: no record is ever stored under it
_NOTHING_RECORDED = "-" * PUBLIC_ID_LENGTH  # what a missing id is compared with


def issue_public_id() -> str:
    return secrets.token_urlsafe(_RANDOM_BYTES)


def same_id(recorded: str | None, given: str) -> bool:
    """Constant-time comparison of the id recorded at certification with the one given (any text)."""
    return hmac.compare_digest((recorded or _NOTHING_RECORDED).encode("utf-8"), given.encode("utf-8")) \
        and recorded is not None
