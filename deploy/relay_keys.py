"""Each relay's signing key for docker-compose: generated once into that relay's own volume, its public key into
the volume every consumer reads (shared.provenance checks each record against it).

    python -m deploy.relay_keys [--private-root DIR] [--public-dir DIR]

Keys already there are kept, so records signed before a restart still verify. Run by the one-shot service
`relay-keys` of docker-compose.yml before any relay or consumer starts.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from shared.auth import ensure_relay_key
from shared.config import WRITE_SERVICES

PRIVATE_ROOT = Path("/var/lib/nscl-relay-keys")  # one volume per relay under it: <root>/<service>/
PUBLIC_DIR = Path("/var/lib/nscl-relay-public")  # <service>.pem, mounted read-only by every NSCL process


def private_key_file(root: Path, service: str) -> Path:
    return root / service / "signing-key.pem"


def public_key_file(directory: Path, service: str) -> Path:
    return directory / f"{service}.pem"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.relay_keys", description=__doc__.split("\n\n")[0])
    parser.add_argument("--private-root", type=Path, default=PRIVATE_ROOT)
    parser.add_argument("--public-dir", type=Path, default=PUBLIC_DIR)
    args = parser.parse_args(argv)
    for service in WRITE_SERVICES:
        ensure_relay_key(private_key_file(args.private_root, service), public_key_file(args.public_dir, service))
        print(f"relay {service}: key in {private_key_file(args.private_root, service).parent}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
