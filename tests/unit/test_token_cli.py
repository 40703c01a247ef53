import secrets

from deploy.tokens import main
from shared.auth import TokenService


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
