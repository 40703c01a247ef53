"""Loads an official list of administrative units into the registry (POST /api/v1/units/bulk), with progress.

    python -m deploy.units load FILE.csv [--url http://127.0.0.1:8101] [--token TOKEN] [--chunk 500]

The CSV (UTF-8, with a header) has the columns code, name, category, level, parent_code, effective_from
(YYYY-MM-DD); parents come before their children. Without --token, the embedded stack's DOST clerk token is read
from .nscl/dev-tokens.json. The list goes in chunks; each chunk is checked whole by the registry before anything
of it is written, and sending a file again records nothing new, so a load stopped midway is finished by running
it again.
"""
from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
from tqdm import tqdm

from shared.config import DEFAULT_PORTS, PROJECT_ROOT

COLUMNS = ("code", "name", "category", "level", "parent_code", "effective_from")
Post = Callable[[list[dict[str, Any]]], requests.Response]


def read_units(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8-sig", newline="") as file:
        reader = csv.DictReader(file)
        missing = set(COLUMNS) - {"parent_code"} - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"{path}: thiếu cột {', '.join(sorted(missing))}")
        return [{name: (row.get(name) or "").strip() or None for name in COLUMNS} for row in reader]


def load(rows: list[dict[str, Any]], post: Post, chunk: int) -> Counter[str]:
    """Posts the rows chunk by chunk; stops at the first chunk refused, naming its rows."""
    done: Counter[str] = Counter()
    with tqdm(total=len(rows), unit="đơn vị", desc="Nạp danh mục đơn vị", file=sys.stderr) as progress:
        for start in range(0, len(rows), chunk):
            part = [{key: value for key, value in row.items() if value is not None}
                    for row in rows[start:start + chunk]]
            response = post(part)
            if response.status_code != 200:
                raise RuntimeError(f"dòng {start + 1}–{start + len(part)}: {response.status_code} {response.text}")
            done.update(row["result"] for row in response.json()["units"])
            progress.update(len(part))
    return done


def dev_token(state_dir: Path = PROJECT_ROOT / ".nscl") -> str:
    tokens = json.loads((state_dir / "dev-tokens.json").read_text(encoding="utf-8"))
    return tokens["tokens"]["DOST"]["clerk"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.units", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    loading = commands.add_parser("load", help="nạp danh mục đơn vị từ tệp CSV")
    loading.add_argument("file", type=Path)
    loading.add_argument("--url", default=f"http://127.0.0.1:{DEFAULT_PORTS['registry']}")
    loading.add_argument("--token", help="mã truy cập của Sở KH&CN hoặc quản trị viên")
    loading.add_argument("--chunk", type=int, default=500)
    args = parser.parse_args(argv)
    token = args.token or dev_token()
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"

    def post(part: list[dict[str, Any]]) -> requests.Response:
        return session.post(f"{args.url}/api/v1/units/bulk", json={"units": part}, timeout=120)
    try:
        done = load(read_units(args.file), post, max(1, args.chunk))
    except (ValueError, RuntimeError, requests.RequestException) as error:
        print(f"Không nạp được: {error}", file=sys.stderr)
        return 1
    print(f"Đã nạp: {done['recorded']} đơn vị mới, {done['replayed']} đã nạp trước đó, "
          f"{done['already_recorded']} đã có sẵn.", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
