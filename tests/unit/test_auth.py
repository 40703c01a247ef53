from __future__ import annotations

import json
import secrets
import stat
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from shared.auth import (
    ALGORITHM,
    AUDIENCE,
    ISSUER,
    ROLES,
    Forbidden,
    Principal,
    TokenService,
    Unauthenticated,
    authorize,
    ensure_dev_secret,
    write_dev_tokens,
)
from shared.config import SERVICES
from shared.reference import DEPARTMENTS

SECRET = secrets.token_hex(32)


@pytest.fixture
def tokens() -> TokenService:
    return TokenService(SECRET)


def crafted(claims_overrides: dict, secret: str = SECRET) -> str:
    now = datetime.now(UTC)
    claims = {"sub": "someone", "dept": "DOST", "role": "clerk", "iss": ISSUER, "aud": AUDIENCE, "iat": now,
              "exp": now + timedelta(hours=1)}
    claims.update(claims_overrides)
    claims = {name: value for name, value in claims.items() if value is not None}
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


# ---- tokens -------------------------------------------------------------------------------------------
def test_issue_and_verify_round_trip(tokens):
    principal = Principal("nguyen-van-a", "UBND-867", "clerk")
    assert tokens.verify(tokens.issue(principal)) == principal


def test_an_expired_token_is_unauthenticated(tokens):
    token = tokens.issue(Principal("a", "DOST", "clerk"), valid_for=timedelta(minutes=-1))
    with pytest.raises(Unauthenticated, match="hết hạn"):
        tokens.verify(token)


def test_a_token_signed_with_another_secret_is_unauthenticated(tokens):
    foreign = TokenService(secrets.token_hex(32)).issue(Principal("a", "DOST", "admin"))
    with pytest.raises(Unauthenticated):
        tokens.verify(foreign)


def test_garbage_is_unauthenticated(tokens):
    with pytest.raises(Unauthenticated):
        tokens.verify("not-a-jwt")


def test_a_crafted_token_with_correct_claims_is_accepted(tokens):
    assert tokens.verify(crafted({"role": "auditor", "dept": "DOF"})) == Principal("someone", "DOF", "auditor")


@pytest.mark.parametrize("overrides", [
    {"role": "superuser"},
    {"role": None},
    {"dept": "MOF"},
    {"dept": None},
    {"dept": "dost"},
])
def test_unknown_role_or_department_is_unauthenticated(tokens, overrides):
    with pytest.raises(Unauthenticated):
        tokens.verify(crafted(overrides))


@pytest.mark.parametrize("overrides", [{"iss": "someone-else"}, {"iss": None}, {"exp": None}, {"sub": None}])
def test_wrong_issuer_or_missing_required_claim_is_unauthenticated(tokens, overrides):
    with pytest.raises(Unauthenticated):
        tokens.verify(crafted(overrides))


def test_a_token_with_another_algorithm_is_unauthenticated(tokens):
    now = datetime.now(UTC)
    token = jwt.encode({"sub": "a", "dept": "DOST", "role": "admin", "iss": ISSUER, "aud": AUDIENCE,
                        "exp": now + timedelta(hours=1)}, SECRET, algorithm="HS512")
    with pytest.raises(Unauthenticated):
        tokens.verify(token)


@pytest.mark.parametrize("secret", ["", "x" * 31])
def test_a_short_secret_is_rejected(secret):
    with pytest.raises(ValueError):
        TokenService(secret)


def test_a_32_character_secret_is_accepted():
    service = TokenService("x" * 32)
    principal = Principal("a", "DOST", "viewer")
    assert service.verify(service.issue(principal)) == principal


# ---- authorize ----------------------------------------------------------------------------------------
def test_dost_clerk_may_write_registry():
    authorize(Principal("a", "DOST", "clerk"), "registry", "write")


def test_district_committee_clerk_may_write_registry():
    authorize(Principal("a", "UBND-866", "clerk"), "registry", "write")


def test_dic_clerk_may_not_write_registry_but_may_write_training():
    dic_clerk = Principal("a", "DIC", "clerk")
    with pytest.raises(Forbidden):
        authorize(dic_clerk, "registry", "write")
    authorize(dic_clerk, "training", "write")


def test_only_dost_clerks_and_admins_issue_reports():
    with pytest.raises(Forbidden):
        authorize(Principal("a", "DOF", "clerk"), "reporting", "write")
    authorize(Principal("a", "DOST", "clerk"), "reporting", "write")
    authorize(Principal("a", "DOF", "admin"), "reporting", "write")


@pytest.mark.parametrize("service", SERVICES)
def test_viewer_may_read_but_not_write(service):
    viewer = Principal("a", "DOST", "viewer")
    authorize(viewer, service, "read")
    with pytest.raises(Forbidden):
        authorize(viewer, service, "write")


@pytest.mark.parametrize("role", ["viewer", "clerk"])
def test_only_auditors_and_admins_may_audit(role):
    with pytest.raises(Forbidden):
        authorize(Principal("a", "DOST", role), "registry", "audit")


def test_auditor_may_audit_and_read_but_not_write():
    auditor = Principal("a", "DOST", "auditor")
    authorize(auditor, "registry", "audit")
    authorize(auditor, "registry", "read")
    with pytest.raises(Forbidden):
        authorize(auditor, "registry", "write")


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("action", ["read", "write", "audit"])
def test_admin_may_do_everything(service, action):
    authorize(Principal("a", "DIC", "admin"), service, action)


def test_an_unknown_action_is_forbidden():
    with pytest.raises(Forbidden):
        authorize(Principal("a", "DOST", "clerk"), "registry", "delete")


# ---- dev secret and dev tokens ------------------------------------------------------------------------
def test_ensure_dev_secret_is_stable_and_private(tmp_path):
    state_dir = tmp_path / "state"
    first = ensure_dev_secret(state_dir)
    second = ensure_dev_secret(state_dir)

    assert first == second
    assert len(first) >= 32
    TokenService(first)  # long enough to sign with
    assert stat.S_IMODE((state_dir / "dev-secret").stat().st_mode) == 0o600


def test_ensure_dev_secret_differs_between_state_dirs(tmp_path):
    assert ensure_dev_secret(tmp_path / "one") != ensure_dev_secret(tmp_path / "two")


def test_write_dev_tokens_writes_one_verifiable_token_per_department_and_role(tmp_path):
    tokens = TokenService(ensure_dev_secret(tmp_path))

    path = write_dev_tokens(tmp_path / "not-yet-made", tokens)

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    written = json.loads(path.read_text(encoding="utf-8"))
    assert set(written["tokens"]) == set(DEPARTMENTS)
    for department, by_role in written["tokens"].items():
        assert set(by_role) == set(ROLES)
        for role, token in by_role.items():
            principal = tokens.verify(token)
            assert (principal.department, principal.role) == (department, role)
