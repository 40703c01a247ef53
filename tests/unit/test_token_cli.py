import secrets
import stat
import time
import uuid

import jwt
import pytest

from deploy.tokens import main
from shared.auth import AUDIENCE, ISSUER, Principal, Revocations, TokenService, Unauthenticated
from shared.config import Settings


def test_the_cli_mints_a_token_the_services_accept(monkeypatch, capsys, tmp_path):
    secret = secrets.token_hex(32)
    monkeypatch.setenv("NSCL_JWT_SECRET", secret)
    assert main(["--department", "DARD", "--role", "clerk"]) == 0
    principal = TokenService(secret).verify(capsys.readouterr().out.strip())
    assert (principal.department, principal.role, principal.subject) == ("DARD", "clerk", "dard-clerk")


def test_the_cli_without_a_secret_says_how_to_get_one(monkeypatch, capsys, tmp_path):
    monkeypatch.delenv("NSCL_JWT_SECRET", raising=False)
    monkeypatch.setenv("NSCL_STATE_DIR", str(tmp_path))
    assert main(["--department", "DOST", "--role", "viewer"]) == 2
    assert "NSCL_JWT_SECRET" in capsys.readouterr().err


def test_a_token_revoked_by_its_id_is_refused_and_the_others_still_pass(monkeypatch, capsys, tmp_path):
    secret = secrets.token_hex(32)
    monkeypatch.setenv("NSCL_JWT_SECRET", secret)
    monkeypatch.setenv("NSCL_STATE_DIR", str(tmp_path))
    tokens = TokenService.from_settings(Settings.from_env())
    assert main(["--department", "DOST", "--role", "clerk", "--subject", "lost.laptop"]) == 0
    printed = capsys.readouterr()
    lost, jti = printed.out.strip(), printed.err.rsplit(":", 1)[1].strip()
    kept = tokens.issue(Principal("lost.laptop", "DOST", "clerk"))
    assert tokens.verify(lost).subject == "lost.laptop"
    assert main(["--revoke", jti]) == 0
    with pytest.raises(Unauthenticated, match="thu hồi"):
        tokens.verify(lost)
    assert tokens.verify(kept).subject == "lost.laptop"
    assert stat.S_IMODE((tmp_path / "revoked-tokens.json").stat().st_mode) == 0o600


def test_revoking_a_subject_refuses_its_tokens_minted_before_and_accepts_new_ones(monkeypatch, tmp_path):
    secret = secrets.token_hex(32)
    monkeypatch.setenv("NSCL_JWT_SECRET", secret)
    monkeypatch.setenv("NSCL_STATE_DIR", str(tmp_path))
    tokens = TokenService.from_settings(Settings.from_env())
    old = hand_issue(secret, "left.the.job", iat=time.time() - 60)
    other = hand_issue(secret, "still.here", iat=time.time() - 60)
    assert main(["--revoke-subject", "left.the.job"]) == 0
    with pytest.raises(Unauthenticated, match="thu hồi"):
        tokens.verify(old)
    assert tokens.verify(other).subject == "still.here"
    assert tokens.verify(hand_issue(secret, "left.the.job", iat=time.time() + 1)).subject == "left.the.job"


def test_an_unreadable_revocation_list_refuses_every_token(monkeypatch, tmp_path):
    secret = secrets.token_hex(32)
    path = tmp_path / "revoked.json"
    tokens = TokenService(secret, revocations=Revocations(path))
    token = tokens.issue(Principal("someone", "DOST", "viewer"))
    assert tokens.verify(token).subject == "someone"
    path.write_text('{"tokens": "not a list", "subjects": {}}')
    with pytest.raises(Unauthenticated, match="không đọc được"):
        tokens.verify(token)
    path.write_text('{"tokens": [], "subjects": {}}')
    assert tokens.verify(token).subject == "someone"


def test_the_cli_needs_a_department_and_role_to_mint(monkeypatch, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--role", "clerk"])
    assert exit_.value.code == 2 and "--department" in capsys.readouterr().err


def hand_issue(secret: str, subject: str, iat: float) -> str:
    return jwt.encode({"sub": subject, "dept": "DOST", "role": "clerk", "iss": ISSUER, "aud": AUDIENCE,
                       "iat": int(iat), "exp": int(iat) + 3600, "jti": uuid.uuid4().hex}, secret, algorithm="HS256")
