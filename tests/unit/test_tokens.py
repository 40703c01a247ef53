"""Tokens: exp required and numeric, issuer and audience checked, bounded clock skew, asymmetric keys."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from jwt.algorithms import OKPAlgorithm, RSAAlgorithm

from shared.auth import AUDIENCE, DEV_TOKEN_LIFETIME, ISSUER, Principal, TokenService, Unauthenticated
from shared.config import Settings
from tests.unit.http_helpers import SECRET, hand_signed

RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
ED_KEY = ed25519.Ed25519PrivateKey.generate()


def pem(private_key) -> str:
    return private_key.public_key().public_bytes(serialization.Encoding.PEM,
                                                 serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def claims(**overrides) -> dict:
    now = datetime.now(UTC)
    base = {"sub": "someone", "dept": "DOST", "role": "auditor", "iss": ISSUER, "aud": AUDIENCE,
            "iat": int(now.timestamp()), "exp": int((now + timedelta(hours=1)).timestamp())}
    base.update(overrides)
    return {name: value for name, value in base.items() if value is not None}


def seconds_from_now(seconds: int) -> int:
    return int(datetime.now(UTC).timestamp()) + seconds


@pytest.fixture
def shared_secret() -> TokenService:
    return TokenService(SECRET)


# ---- what every token must carry ----------------------------------------------------------------------
@pytest.mark.parametrize("header", [{"alg": "none", "typ": "JWT"}, {"alg": "None"}, {"alg": "NONE"}])
def test_alg_none_is_refused(shared_secret, header):
    with pytest.raises(Unauthenticated):
        shared_secret.verify(hand_signed(claims(), header=header))


@pytest.mark.parametrize("exp", ["9999999999", str(seconds_from_now(3600)), "soon", True, [1], {}])
def test_exp_must_be_a_number(shared_secret, exp):
    with pytest.raises(Unauthenticated):
        shared_secret.verify(hand_signed(claims(exp=exp)))


def test_a_missing_exp_is_refused(shared_secret):
    with pytest.raises(Unauthenticated):
        shared_secret.verify(jwt.encode(claims(exp=None), SECRET, algorithm="HS256"))


def test_a_float_exp_is_a_number(shared_secret):
    assert shared_secret.verify(hand_signed(claims(exp=seconds_from_now(3600) + 0.5))).role == "auditor"


def test_a_numeric_string_iat_is_refused_too(shared_secret):
    with pytest.raises(Unauthenticated):
        shared_secret.verify(hand_signed(claims(iat=str(seconds_from_now(0)))))


@pytest.mark.parametrize("overrides", [
    {"aud": "another-api"}, {"aud": None}, {"aud": ["another-api"]}, {"iss": "https://idp.example/realms/x"},
    {"iss": None},
])
def test_wrong_or_missing_audience_or_issuer_is_refused(shared_secret, overrides):
    with pytest.raises(Unauthenticated):
        shared_secret.verify(jwt.encode(claims(**overrides), SECRET, algorithm="HS256"))


def test_an_audience_list_that_names_ours_is_accepted(shared_secret):
    token = jwt.encode(claims(aud=["account", AUDIENCE]), SECRET, algorithm="HS256")
    assert shared_secret.verify(token).subject == "someone"


def test_issuer_and_audience_come_from_the_settings():
    settings = Settings.from_env({"NSCL_JWT_SECRET": SECRET, "NSCL_JWT_ISSUER": "https://idp/realms/nscl",
                                  "NSCL_JWT_AUDIENCE": "nscl-dong-thap-api"})
    service = TokenService.from_settings(settings)
    token = jwt.encode(claims(iss="https://idp/realms/nscl", aud="nscl-dong-thap-api"), SECRET, algorithm="HS256")
    assert service.verify(token).role == "auditor"
    with pytest.raises(Unauthenticated):
        service.verify(jwt.encode(claims(), SECRET, algorithm="HS256"))


# ---- clocks -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("claim", "offset_s", "accepted"), [
    ("exp", -30, True), ("exp", -90, False),
    ("nbf", 30, True), ("nbf", 90, False),
    ("iat", 30, True), ("iat", 90, False),
])
def test_clock_skew_is_tolerated_up_to_60_seconds(shared_secret, claim, offset_s, accepted):
    token = jwt.encode(claims(**{claim: seconds_from_now(offset_s)}), SECRET, algorithm="HS256")
    if accepted:
        shared_secret.verify(token)
    else:
        with pytest.raises(Unauthenticated):
            shared_secret.verify(token)


@pytest.mark.parametrize("leeway", [-1, 301])
def test_the_leeway_is_bounded(leeway):
    with pytest.raises(ValueError):
        TokenService(SECRET, leeway_s=leeway)


def test_dev_tokens_live_days_not_a_year(shared_secret):
    token = shared_secret.issue(Principal("a", "DOST", "clerk"))
    payload = jwt.decode(token, options={"verify_signature": False})
    assert payload["aud"] == AUDIENCE and payload["iss"] == ISSUER
    assert timedelta(days=1) <= timedelta(seconds=payload["exp"] - payload["iat"]) == DEV_TOKEN_LIFETIME
    assert timedelta(days=7) >= DEV_TOKEN_LIFETIME


# ---- asymmetric keys ----------------------------------------------------------------------------------
def test_rs256_with_a_pem_public_key():
    service = TokenService.from_settings(Settings.from_env({"NSCL_JWT_PUBLIC_KEY": pem(RSA_KEY)}))
    assert service.verify(jwt.encode(claims(), RSA_KEY, algorithm="RS256")).role == "auditor"
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(Unauthenticated):
        service.verify(jwt.encode(claims(), other, algorithm="RS256"))


def test_eddsa_with_a_public_key_file(tmp_path):
    (tmp_path / "idp.pem").write_text(pem(ED_KEY))
    service = TokenService.from_settings(Settings.from_env({"NSCL_JWT_PUBLIC_KEY_FILE": str(tmp_path / "idp.pem")}))
    assert service.verify(jwt.encode(claims(), ED_KEY, algorithm="EdDSA")).department == "DOST"


def test_a_jwks_file_picks_the_key_named_by_kid(tmp_path):
    keys = [{**json.loads(RSAAlgorithm.to_jwk(RSA_KEY.public_key())), "kid": "rsa-1", "use": "sig"},
            {**json.loads(OKPAlgorithm.to_jwk(ED_KEY.public_key())), "kid": "ed-1", "use": "sig"}]
    (tmp_path / "jwks.json").write_text(json.dumps({"keys": keys}))
    service = TokenService.from_settings(Settings.from_env({"NSCL_JWT_JWKS_FILE": str(tmp_path / "jwks.json")}))
    assert service.verify(jwt.encode(claims(), RSA_KEY, algorithm="RS256", headers={"kid": "rsa-1"})).role
    assert service.verify(jwt.encode(claims(), ED_KEY, algorithm="EdDSA", headers={"kid": "ed-1"})).role
    for token in (jwt.encode(claims(), RSA_KEY, algorithm="RS256", headers={"kid": "ed-1"}),
                  jwt.encode(claims(), RSA_KEY, algorithm="RS256", headers={"kid": "unknown"})):
        with pytest.raises(Unauthenticated):
            service.verify(token)


def test_hs256_keyed_with_the_public_key_is_refused():
    """The classic confusion: an HS256 token whose secret is the (public) PEM of the RS256 key."""
    service = TokenService(public_keys=[RSA_KEY.public_key()])
    public_pem = pem(RSA_KEY).encode()
    forged = hand_signed(claims(role="admin"), public_pem)
    with pytest.raises(Unauthenticated):
        service.verify(forged)


def test_the_shared_secret_and_an_identity_provider_can_be_configured_together():
    service = TokenService(SECRET, public_keys=[ED_KEY.public_key()])
    assert service.verify(service.issue(Principal("a", "DOF", "viewer"))).department == "DOF"
    assert service.verify(jwt.encode(claims(), ED_KEY, algorithm="EdDSA")).role == "auditor"


def test_without_a_secret_only_the_identity_provider_issues():
    service = TokenService(public_keys=[ED_KEY.public_key()])
    with pytest.raises(ValueError):
        service.issue(Principal("a", "DOST", "clerk"))
    with pytest.raises(Unauthenticated):
        service.verify(jwt.encode(claims(), SECRET, algorithm="HS256"))


def test_nothing_to_verify_with_is_refused():
    with pytest.raises(ValueError):
        TokenService()
