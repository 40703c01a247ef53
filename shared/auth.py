"""Principals, bearer tokens (JWT: HS256 for the embedded stack, RS256/EdDSA from an identity provider) and who
may do what."""
from __future__ import annotations

import json
import os
import secrets
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from jwt import PyJWKSet

from shared.reference import DEPARTMENTS, DISTRICT_COMMITTEES

ROLES = ("clerk", "viewer", "auditor", "admin")
ISSUER = "nscl-dong-thap"
AUDIENCE = "nscl-api"
ALGORITHM = "HS256"  # the embedded stack's shared secret
ASYMMETRIC_ALGORITHMS = ("RS256", "EdDSA")  # an identity provider's keys
_KEY_TYPES = {"RS256": rsa.RSAPublicKey, "EdDSA": ed25519.Ed25519PublicKey}
LEEWAY_S, MAX_LEEWAY_S = 60.0, 300.0  # tolerated clock difference with the issuer
DEV_TOKEN_LIFETIME = timedelta(days=7)

# Who may write where (section 2.5 of the seed: DOST leads; sectors and districts propose; DOF funds).
_DISTRICTS = frozenset(DISTRICT_COMMITTEES)
WRITERS = {
    "registry": frozenset({"DOST", "DPI", "DOIT", "DARD", "DOLISA"}) | _DISTRICTS,
    "support": frozenset({"DOST", "DOIT", "DARD", "DOLISA", "DOF"}) | _DISTRICTS,
    "training": frozenset({"DOST", "DOIT", "DARD", "DOLISA", "DIC"}),
    "reporting": frozenset({"DOST"}),  # issuing the programme's reports (seed 2.5.1: DOST reports)
}


@dataclass(frozen=True)
class Principal:
    subject: str
    department: str
    role: str


class Unauthenticated(Exception):
    pass


class Forbidden(Exception):
    pass


def authorize(principal: Principal, service: str, action: str, also_holds: frozenset[str] = frozenset()) -> None:
    """``action`` is 'read', 'write' or 'audit' (the event history); raises Forbidden. ``also_holds``: the
    departments merged into the principal's (shared.units): their rights are its rights."""
    role = principal.role
    if role == "admin":
        return
    if action == "read" and role in ("viewer", "clerk", "auditor"):
        return
    if action == "audit" and role == "auditor":
        return
    if action == "write" and role == "clerk" and {principal.department, *also_holds} & WRITERS.get(service, set()):
        return
    raise Forbidden(f"vai trò '{role}' của đơn vị '{principal.department}' không được phép "
                    f"{_ACTION_LABELS.get(action, action)} trên dịch vụ '{service}'")


def reads_personal_data(principal: Principal, service: str) -> bool:
    """Contact details (an enterprise's representative, phone, email) and participants' names: for the clerks of
    the departments that write to ``service`` (they enter and use them: call the enterprise, run the course) and
    admins. Viewers and other departments get them omitted; auditors read them only in the event history."""
    return principal.role == "admin" or (principal.role == "clerk" and principal.department in WRITERS.get(service, ()))


_ACTION_LABELS = {"read": "đọc", "write": "ghi", "audit": "xem lịch sử sự kiện"}


class Revocations:
    """Tokens withdrawn before they expire: one by its id (``jti``), or every token of a subject issued before
    a moment (a lost laptop, a clerk who left). One JSON file that every service reads, reloaded when it changes;
    ``python -m deploy.tokens --revoke …`` writes it. No file: nothing is revoked. A file that cannot be read
    refuses every token (fail closed) rather than letting a revoked one through."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._seen: tuple[int, int] | None = None  # (mtime_ns, size) of the file last read
        self._ids: frozenset[str] = frozenset()
        self._subjects: dict[str, float] = {}

    def is_revoked(self, claims: dict[str, Any]) -> bool:
        ids, subjects = self._current()
        if claims.get("jti") in ids:
            return True
        before = subjects.get(str(claims.get("sub")))
        return before is not None and float(claims.get("iat", 0)) < before

    def revoke_token(self, token_id: str) -> None:
        self._write(lambda data: data["tokens"].append(token_id) if token_id not in data["tokens"] else None)

    def revoke_subject(self, subject: str, before: datetime | None = None) -> None:
        moment = (before or datetime.now(UTC)).timestamp()
        self._write(lambda data: data["subjects"].__setitem__(subject, moment))

    def _current(self) -> tuple[frozenset[str], dict[str, float]]:
        if self.path is None:
            return frozenset(), {}
        with self._lock:
            try:
                status = self.path.stat()
            except FileNotFoundError:
                self._seen, self._ids, self._subjects = None, frozenset(), {}
                return self._ids, self._subjects
            if self._seen != (status.st_mtime_ns, status.st_size):
                data = self._read()
                self._ids, self._subjects = frozenset(data["tokens"]), dict(data["subjects"])
                self._seen = (status.st_mtime_ns, status.st_size)
            return self._ids, self._subjects

    def _read(self) -> dict[str, Any]:
        assert self.path is not None
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            tokens, subjects = data["tokens"], data["subjects"]
            if not (isinstance(tokens, list) and all(isinstance(item, str) for item in tokens)
                    and isinstance(subjects, dict) and all(_is_number(value) for value in subjects.values())):
                raise ValueError("unexpected shape")
            return {"tokens": tokens, "subjects": subjects}
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise Unauthenticated(f"danh sách mã truy cập bị thu hồi không đọc được ({self.path}): mọi mã bị từ "
                                  f"chối cho đến khi sửa ({error})") from None

    def _write(self, change: Any) -> None:
        if self.path is None:
            raise ValueError("no revocation file is configured (NSCL_JWT_REVOKED_FILE)")
        data = self._read() if self.path.exists() else {"tokens": [], "subjects": {}}
        change(data)
        partial = self.path.with_name(self.path.name + ".new")
        _write_private(partial, json.dumps(data, ensure_ascii=False, indent=2))
        partial.replace(self.path)  # readers see the old file or the new one, never half of one


class TokenService:
    """Bearer tokens: HS256 with a shared secret (the embedded stack, which also issues them), and RS256 or
    EdDSA with an identity provider's public key (PEM) or key set (JWKS). An algorithm is only ever checked
    with a key of its own kind, so a token cannot pick another (``none``, or HS256 keyed by a public key).
    Every token must name the issuer and audience and carry a numeric ``exp``; clocks may differ by a bounded
    leeway."""

    def __init__(self, secret: str | None = None, *, public_keys: list[Any] | None = None,
                 jwks: PyJWKSet | None = None, issuer: str = ISSUER, audience: str = AUDIENCE,
                 leeway_s: float = LEEWAY_S, revocations: Revocations | None = None) -> None:
        if secret is not None and len(secret) < 32:
            raise ValueError("the token signing secret must be at least 32 characters")
        if not secret and not public_keys and jwks is None:
            raise ValueError("no way to verify tokens: give a secret, a public key or a JWKS")
        if not 0 <= leeway_s <= MAX_LEEWAY_S:
            raise ValueError(f"the clock leeway must be between 0 and {MAX_LEEWAY_S} seconds")
        self._secret, self._public_keys, self._jwks = secret or None, list(public_keys or []), jwks
        self.issuer, self.audience, self.leeway_s = issuer, audience, leeway_s
        self.revocations = revocations or Revocations(None)

    @classmethod
    def from_settings(cls, settings) -> TokenService:
        public_keys = [serialization.load_pem_public_key(settings.jwt_public_key.encode())] \
            if settings.jwt_public_key else []
        jwks = None
        if settings.jwt_jwks_file:
            jwks = PyJWKSet.from_json(Path(settings.jwt_jwks_file).read_text(encoding="utf-8"))
        return cls(settings.jwt_secret, public_keys=public_keys, jwks=jwks, issuer=settings.jwt_issuer,
                   audience=settings.jwt_audience, leeway_s=settings.jwt_leeway_s,
                   revocations=Revocations(settings.jwt_revoked_file))

    def issue(self, principal: Principal, valid_for: timedelta = DEV_TOKEN_LIFETIME) -> str:
        if not self._secret:
            raise ValueError("only the embedded stack's shared secret issues tokens here")
        now = datetime.now(UTC)
        claims = {"sub": principal.subject, "dept": principal.department, "role": principal.role,
                  "iss": self.issuer, "aud": self.audience, "iat": now, "exp": now + valid_for,
                  "jti": uuid.uuid4().hex}
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def verify(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
            algorithm = header.get("alg")
            key = self._key_for(algorithm, header.get("kid"))
            claims = jwt.decode(token, key, algorithms=[str(algorithm)], issuer=self.issuer, audience=self.audience,
                                leeway=self.leeway_s, options={"require": ["sub", "exp", "iss", "aud"]})
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("mã truy cập đã hết hạn") from None
        except (jwt.PyJWTError, ValueError, TypeError):
            raise Unauthenticated("mã truy cập không hợp lệ") from None
        if any(name in claims and not _is_number(claims[name]) for name in ("exp", "iat", "nbf")):
            raise Unauthenticated("mã truy cập không hợp lệ: thời hạn phải là số")
        if claims.get("role") not in ROLES or claims.get("dept") not in DEPARTMENTS:
            raise Unauthenticated("mã truy cập không mang đơn vị hoặc vai trò hợp lệ")
        if self.revocations.is_revoked(claims):
            raise Unauthenticated("mã truy cập đã bị thu hồi")
        return Principal(subject=claims["sub"], department=claims["dept"], role=claims["role"])

    def _key_for(self, algorithm: Any, key_id: Any) -> Any:
        if algorithm == ALGORITHM and self._secret:
            return self._secret
        if algorithm in ASYMMETRIC_ALGORITHMS:
            candidates = list(self._public_keys)
            if self._jwks is not None:
                candidates += [jwk.key for jwk in self._jwks.keys
                               if (key_id is None or jwk.key_id == key_id)
                               and jwk.algorithm_name in (algorithm, None, "")]
            suited = [key for key in candidates if isinstance(key, _KEY_TYPES[algorithm])]
            if len(suited) == 1 or (suited and key_id is not None):
                return suited[0]
        raise ValueError(f"no key for algorithm {algorithm!r}")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def ensure_dev_secret(state_dir: Path) -> str:
    """The embedded stack's signing secret: generated once into an ignored file, never committed."""
    return _generated_once(state_dir / "dev-secret", lambda: secrets.token_hex(32))


def ensure_dev_audit_key(state_dir: Path) -> str:
    """The embedded stack's Ed25519 key that signs the log's digests: generated once, owner-readable only."""
    from shared.config import AUDIT_KEY_FILE
    from shared.digests import generate_private_pem

    return _generated_once(state_dir / AUDIT_KEY_FILE, generate_private_pem)


def ensure_person_key_secret(state_dir: Path) -> str:
    """The embedded stack's secret that keys people's identities (HMAC): generated once, owner-readable only."""
    from shared.config import PERSON_KEY_FILE

    return _generated_once(state_dir / PERSON_KEY_FILE, lambda: secrets.token_hex(32))


def _generated_once(path: Path, generate: Callable[[], str]) -> str:
    if not path.exists():
        _write_private(path, generate())
    return path.read_text().strip()


def ensure_dev_relay_keys(state_dir: Path) -> None:
    """The embedded stack's Ed25519 key of each relay and its public key, which the consumers read
    (shared.provenance)."""
    from shared.config import WRITE_SERVICES, relay_key_files

    for service in WRITE_SERVICES:
        ensure_relay_key(*(state_dir / name for name in relay_key_files(service)))


def ensure_relay_key(private_file: Path, public_file: Path) -> None:
    """A relay's signing key, generated once, and its public key for everyone who checks the relay's records
    (both owner-readable only: every NSCL process runs as the one user). An existing key is kept; its public key
    is written again if it differs."""
    from shared.digests import generate_private_pem
    from shared.provenance import EnvelopeSigner

    if not private_file.exists():
        _write_private(private_file, generate_private_pem())
    public_pem = EnvelopeSigner(private_file.read_text().strip()).public_pem
    if not public_file.exists() or public_file.read_text() != public_pem:
        _write_private(public_file, public_pem)  # public, but the state dir keeps every file to its owner


def write_dev_tokens(state_dir: Path, tokens: TokenService) -> Path:
    """One token per department and role, for trying the API on the embedded stack."""
    issued = {
        department: {role: tokens.issue(Principal(f"dev-{department.lower()}-{role}", department, role))
                     for role in ROLES}
        for department in DEPARTMENTS
    }
    path = state_dir / "dev-tokens.json"
    _write_private(path, json.dumps({"departments": DEPARTMENTS, "tokens": issued}, ensure_ascii=False, indent=2))
    return path


def _write_private(path: Path, text: str) -> None:
    """Readable by the owner only from the first byte on."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)
