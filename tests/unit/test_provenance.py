"""The relays' keys: configured per service like the other keys, generated once for the embedded stack."""
from __future__ import annotations

import pytest

from shared.auth import ensure_dev_relay_keys
from shared.config import Settings, relay_key_files
from shared.digests import generate_private_pem
from shared.provenance import EnvelopeSigner, EnvelopeVerifier, SignatureRefused

TOPIC = "nscl.registry.events"
VALUE = b'{"event_id":"e-1"}'


def test_keys_come_from_per_service_variables_or_files(tmp_path):
    registry, training = EnvelopeSigner(generate_private_pem()), EnvelopeSigner(generate_private_pem())
    (tmp_path / "training.pem").write_text(training.public_pem)
    settings = Settings.from_env({"NSCL_STATE_DIR": str(tmp_path / "empty"),
                                  "NSCL_RELAY_SIGNING_KEY_REGISTRY": generate_private_pem(),
                                  "NSCL_RELAY_PUBLIC_KEY_REGISTRY": registry.public_pem,
                                  "NSCL_RELAY_PUBLIC_KEY_TRAINING_FILE": str(tmp_path / "training.pem")})
    assert set(settings.relay_signing_keys) == {"registry"}
    verifier = EnvelopeVerifier.from_settings(settings)
    assert verifier.missing([TOPIC, "nscl.support.events", "nscl.training.events"]) == ["nscl.support.events"]
    verifier.check("nscl.training.events", VALUE, training.headers(VALUE))


def test_two_public_keys_of_one_relay_are_both_accepted_while_a_key_is_rotated():
    old, new = EnvelopeSigner(generate_private_pem()), EnvelopeSigner(generate_private_pem())
    verifier = EnvelopeVerifier.of({"registry": old.public_pem + "\n" + new.public_pem})
    for signer in (old, new):
        verifier.check(TOPIC, VALUE, signer.headers(VALUE))
    with pytest.raises(SignatureRefused, match="chữ ký không hợp lệ"):
        verifier.check(TOPIC, VALUE, EnvelopeSigner(generate_private_pem()).headers(VALUE))


def test_the_embedded_stack_generates_each_relays_key_once_readable_by_its_owner_only(tmp_path):
    ensure_dev_relay_keys(tmp_path)
    first = Settings.from_env({"NSCL_STATE_DIR": str(tmp_path)})
    ensure_dev_relay_keys(tmp_path)
    again = Settings.from_env({"NSCL_STATE_DIR": str(tmp_path)})
    assert first.relay_signing_keys == again.relay_signing_keys and len(set(first.relay_signing_keys.values())) == 3
    for service, private_pem in first.relay_signing_keys.items():
        assert (tmp_path / relay_key_files(service)[0]).stat().st_mode & 0o077 == 0
        EnvelopeVerifier.from_settings(first).check(f"nscl.{service}.events", VALUE,
                                                    EnvelopeSigner(private_pem).headers(VALUE))
