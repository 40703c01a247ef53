"""The auditor's tool against the running stack: export, verify offline, compare the topic; relays' digests."""
from __future__ import annotations

import json
import time

import pytest
import requests

from shared.bus import TopicReader
from shared.digests import DIGEST_TOPIC, Digest, load_public_key, verify_digest
from tools.audit.cli import main

pytestmark = pytest.mark.e2e


def bearer(tokens) -> str:
    return tokens("DOST", "auditor")["Authorization"].removeprefix("Bearer ")


def test_export_verify_and_compare_the_topic_of_the_registry(stack, tokens, register_enterprise, tmp_path, capsys):
    register_enterprise(name="Công ty TNHH Kiểm toán Một")
    register_enterprise(name="Công ty TNHH Kiểm toán Hai")
    out = tmp_path / "registry.jsonl"

    assert main(["--quiet", "export", "--url", stack.url("registry"), "--token", bearer(tokens),
                 "--out", str(out)]) == 0
    digest = json.loads((tmp_path / "registry.digest.json").read_text())
    lines = out.read_text(encoding="utf-8").splitlines()
    assert digest["service"] == "registry" and len(lines) == digest["position"] >= 2

    assert main(["--quiet", "verify", str(out), "--key", str(tmp_path / "registry.key.pem"),
                 "--digest", str(tmp_path / "registry.digest.json"), "--service", "registry"]) == 0
    assert main(["--quiet", "compare-topic", "--service", "registry", "--bootstrap",
                 stack.servers.kafka_bootstrap, "--history", str(out), "--timeout", "60"]) == 0
    assert "KHỚP" in capsys.readouterr().out

    out.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")  # the newest event removed
    assert main(["--quiet", "verify", str(out), "--key", str(tmp_path / "registry.key.pem"),
                 "--digest", str(tmp_path / "registry.digest.json")]) == 1


def test_compare_topic_reads_the_store_through_the_api_too(stack, tokens, register_enterprise):
    register_enterprise(name="Công ty TNHH Đối chiếu")
    assert main(["--quiet", "compare-topic", "--service", "registry", "--bootstrap", stack.servers.kafka_bootstrap,
                 "--url", stack.url("registry"), "--token", bearer(tokens), "--timeout", "60"]) == 0


def test_every_relay_publishes_a_signed_digest_to_the_audit_topic(stack):
    keys = {service: load_public_key(requests.get(f"{stack.url(service)}/.well-known/nscl-audit-key", timeout=10).text)
            for service in ("registry", "support", "training")}
    reader, found = TopicReader(stack.servers.kafka_bootstrap, DIGEST_TOPIC), {}
    deadline = time.monotonic() + 60
    try:
        while set(found) != set(keys) and time.monotonic() < deadline:
            for _, key, value in reader.poll():
                digest = Digest.from_dict(json.loads(value))
                assert key.decode() == digest.service
                verify_digest(digest, keys[digest.service])
                found[digest.service] = digest
    finally:
        reader.close()
    assert set(found) == set(keys)
