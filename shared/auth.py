"""Principals, bearer tokens (JWT, HS256) and who may do what."""
from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt

from shared.reference import DEPARTMENTS, DISTRICT_COMMITTEES

ROLES = ("clerk", "viewer", "auditor", "admin")
ISSUER = "nscl-dong-thap"
ALGORITHM = "HS256"

# Who may write where (section 2.5 of the seed: DOST leads; sectors and districts propose; DOF funds).
_DISTRICTS = frozenset(DISTRICT_COMMITTEES)
WRITERS = {
    "registry": frozenset({"DOST", "DPI", "DOIT", "DARD", "DOLISA"}) | _DISTRICTS,
    "support": frozenset({"DOST", "DOIT", "DARD", "DOLISA", "DOF"}) | _DISTRICTS,
    "training": frozenset({"DOST", "DOIT", "DARD", "DOLISA", "DIC"}),
    "reporting": frozenset(),
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


def authorize(principal: Principal, service: str, action: str) -> None:
    """``action`` is 'read', 'write' or 'audit' (the event history); raises Forbidden."""
    role = principal.role
    if role == "admin":
        return
    if action == "read" and role in ("viewer", "clerk", "auditor"):
        return
    if action == "audit" and role == "auditor":
        return
    if action == "write" and role == "clerk" and principal.department in WRITERS.get(service, ()):
        return
    raise Forbidden(f"vai trò '{role}' của đơn vị '{principal.department}' không được phép "
                    f"{_ACTION_LABELS.get(action, action)} trên dịch vụ '{service}'")


_ACTION_LABELS = {"read": "đọc", "write": "ghi", "audit": "xem lịch sử sự kiện"}


class TokenService:
    def __init__(self, secret: str) -> None:
        if not secret or len(secret) < 32:
            raise ValueError("the token signing secret must be at least 32 characters")
        self._secret = secret

    def issue(self, principal: Principal, valid_for: timedelta = timedelta(days=365)) -> str:
        now = datetime.now(UTC)
        claims = {"sub": principal.subject, "dept": principal.department, "role": principal.role,
                  "iss": ISSUER, "iat": now, "exp": now + valid_for}
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def verify(self, token: str) -> Principal:
        try:
            claims = jwt.decode(token, self._secret, algorithms=[ALGORITHM], issuer=ISSUER,
                                options={"require": ["sub", "exp", "iss"]})
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("mã truy cập đã hết hạn") from None
        except jwt.InvalidTokenError:
            raise Unauthenticated("mã truy cập không hợp lệ") from None
        if claims.get("role") not in ROLES or claims.get("dept") not in DEPARTMENTS:
            raise Unauthenticated("mã truy cập không mang đơn vị hoặc vai trò hợp lệ")
        return Principal(subject=claims["sub"], department=claims["dept"], role=claims["role"])


def ensure_dev_secret(state_dir: Path) -> str:
    """The embedded stack's signing secret: generated once into an ignored file, never committed."""
    path = state_dir / "dev-secret"
    if not path.exists():
        _write_private(path, secrets.token_hex(32))
    return path.read_text().strip()


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
