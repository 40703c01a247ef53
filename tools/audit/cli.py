"""The auditor's command-line tool.

    python -m tools.audit export  --url http://127.0.0.1:8101 --token-file auditor.jwt --out registry.jsonl
    python -m tools.audit verify  registry.jsonl --key registry.key.pem --digest registry.digest.json
    python -m tools.audit compare-topic --service registry --bootstrap 127.0.0.1:9093 --history registry.jsonl

``export`` asks the service for a signed digest of its head, then writes every event up to it, exactly as
stored, one JSON object per line, beside the digest and the service's public key. ``verify`` needs no
server: the file's hash chain and the kept digests (signed with the key) prove that nothing at or before
them was changed, removed or reordered. ``compare-topic`` reads the service's Kafka topic as any outside
client would and checks that it holds the same events as the store.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import requests
from tqdm import tqdm

from shared.bus import TRANSIENT_KAFKA_ERRORS, TopicReader
from shared.config import WRITE_SERVICES, topic_for
from shared.digests import Digest, DigestInvalid, load_public_key, verify_digest
from tools.audit.compare import TopicComparison
from tools.audit.history import load_digest, verify_history, write_line

EVENTS = "/api/v1/events/"
DIGESTS = "/api/v1/events/digests"
PUBLIC_KEY = "/.well-known/nscl-audit-key"


class ToolError(Exception):
    """Something the auditor must fix or know (exit code 2): no server, a bad token, an unreadable file."""


class ServiceClient:
    """The audit API of one service, with an auditor's bearer token."""

    def __init__(self, url: str, token: str, timeout_s: float = 30.0) -> None:
        self.url, self.timeout_s = url.rstrip("/"), timeout_s
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def _call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        try:
            response = self.session.request(method, self.url + path, timeout=self.timeout_s, **kwargs)
        except requests.RequestException as error:
            raise ToolError(f"không kết nối được {self.url}: {error}") from None
        if not response.ok:
            try:
                problem = response.json()
                detail = f"{problem.get('title')}: {problem.get('detail')}"
            except ValueError:
                detail = response.text[:200]
            raise ToolError(f"{method} {path} → {response.status_code} {detail}")
        return response

    def digest(self) -> Digest:
        return Digest.from_dict(self._call("POST", DIGESTS).json()["digest"])

    def public_key_pem(self) -> str:
        return self._call("GET", PUBLIC_KEY).text

    def events(self, up_to: int | None = None, page_size: int = 1000) -> Iterator[dict[str, Any]]:
        """Every event exactly as stored, in position order, up to a position (else to the head)."""
        position = 1
        while up_to is None or position <= up_to:
            page = self._call("GET", EVENTS, params={"from_position": position, "limit": page_size}).json()
            for event in page["events"]:
                if up_to is not None and event["position"] > up_to:
                    return
                yield event
            if page["next_from_position"] is None:
                return
            position = page["next_from_position"]


# ---- commands -------------------------------------------------------------------------------------------
def export(args: argparse.Namespace) -> int:
    client = ServiceClient(args.url, _token(args))
    digest = client.digest()
    public_pem = client.public_key_pem()
    verify_digest(digest, load_public_key(public_pem))
    out = Path(args.out)
    digest_out = Path(args.digest_out or _beside(out, ".digest.json"))
    key_out = Path(args.key_out or _beside(out, ".key.pem"))
    count = 0
    with out.open("w", encoding="utf-8") as file, _progress(digest.position, "xuất", args.quiet) as bar:
        for event in client.events(up_to=digest.position, page_size=args.page_size):
            write_line(file, event)
            count += 1
            bar.update(1)
    digest_out.write_text(json.dumps(digest.to_dict(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    key_out.write_text(public_pem, encoding="utf-8")
    print(f"Đã xuất {count} sự kiện của {digest.service} (đến vị trí {digest.position}) vào {out}; "
          f"bản tóm tắt đã ký: {digest_out}; khoá công khai: {key_out} (mã {digest.key_id}).")
    return 0 if count == digest.position else 1


def verify(args: argparse.Namespace) -> int:
    history = Path(args.history)
    digests = [load_digest(Path(path)) for path in args.digest]
    public_pem = Path(args.key).read_bytes()
    with history.open(encoding="utf-8") as file, \
            tqdm(file, desc="kiểm chứng", unit=" sự kiện", disable=args.quiet, file=sys.stderr) as lines:
        verdict = verify_history(lines, public_pem, digests, args.service)
    report = verdict.report
    if not digests:
        print("Cảnh báo: không có bản tóm tắt đã ký nào; chỉ kiểm chuỗi hash, không phát hiện được việc xoá "
              "các sự kiện mới nhất.", file=sys.stderr)
    if report.ok:
        anchored = ", ".join(f"{d.service}@{d.position} ({d.time})" for d in digests) or "không có"
        print(f"HỢP LỆ: {report.checked} sự kiện, chuỗi hash nguyên vẹn đến vị trí {report.head_position}; "
              f"khớp các bản tóm tắt đã ký: {anchored}.")
        return 0
    print(f"KHÔNG HỢP LỆ: {len(report.problems)} vấn đề trong {report.checked} sự kiện:")
    for problem in report.problems:
        print(f"  vị trí {problem.position}: {problem.reason}")
    return 1


def compare_topic(args: argparse.Namespace) -> int:
    if args.history:
        with Path(args.history).open(encoding="utf-8") as file:
            stored = [json.loads(line) for line in file if line.strip()]
    elif args.url:
        stored = list(ServiceClient(args.url, _token(args)).events())
    else:
        raise ToolError("cần --history (tệp đã xuất) hoặc --url (và mã truy cập) để đọc kho sự kiện")
    comparison = TopicComparison.of(stored)
    topic = topic_for(args.service)
    try:
        reader = TopicReader(args.bootstrap, topic)
    except TRANSIENT_KAFKA_ERRORS as error:
        raise ToolError(f"không đọc được chủ đề {topic} tại {args.bootstrap}: {error}") from None
    deadline, quiet_since = time.monotonic() + args.timeout, time.monotonic()
    try:
        with _progress(len(comparison.stored), f"đọc {topic}", args.quiet) as bar:
            while time.monotonic() < deadline:
                records = reader.poll()
                for partition, key, value in records:
                    comparison.add(partition, key, value)
                bar.update(len(comparison.seen) - bar.n)
                if records:
                    quiet_since = time.monotonic()
                elif comparison.complete and time.monotonic() - quiet_since >= args.idle:
                    break
    finally:
        reader.close()
    differences = comparison.finish()
    if not differences:
        print(f"KHỚP: {len(comparison.stored)} sự kiện của kho (đến vị trí {comparison.head_position}) có trên "
              f"{topic}, đúng nội dung và thứ tự ({comparison.records} bản ghi đã đọc).")
        return 0
    print(f"KHÁC: {len(differences)} khác biệt giữa {topic} và kho sự kiện:")
    for difference in differences[:args.show]:
        print(f"  {difference}")
    if len(differences) > args.show:
        print(f"  … và {len(differences) - args.show} khác biệt nữa")
    return 1


# ---- plumbing -------------------------------------------------------------------------------------------
def _token(args: argparse.Namespace) -> str:
    if args.token_file:
        return Path(args.token_file).read_text(encoding="utf-8").strip()
    token = args.token or os.environ.get("NSCL_AUDIT_TOKEN")
    if not token:
        raise ToolError("cần mã truy cập của kiểm toán viên: --token, --token-file hoặc NSCL_AUDIT_TOKEN")
    return token


def _beside(path: Path, suffix: str) -> Path:
    return path.with_name(path.name.removesuffix(".jsonl") + suffix)


def _progress(total: int, description: str, quiet: bool) -> tqdm:
    return tqdm(total=total, desc=description, unit=" sự kiện", disable=quiet, file=sys.stderr)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tools.audit",
                                     description="Công cụ của kiểm toán viên: xuất, kiểm chứng và đối chiếu nhật ký "
                                                 "sự kiện (auditor's tool: export, verify, compare)")
    parser.add_argument("--quiet", action="store_true", help="không hiện thanh tiến trình")
    commands = parser.add_subparsers(dest="command", required=True)

    def with_token(command: argparse.ArgumentParser) -> None:
        command.add_argument("--token", help="mã truy cập của kiểm toán viên (hoặc biến NSCL_AUDIT_TOKEN)")
        command.add_argument("--token-file", help="tệp chứa mã truy cập")

    export_command = commands.add_parser("export", help="xuất toàn bộ lịch sử của một dịch vụ ra JSON-lines, "
                                                        "kèm bản tóm tắt đã ký và khoá công khai")
    export_command.add_argument("--url", required=True, help="địa chỉ dịch vụ, ví dụ http://127.0.0.1:8101")
    with_token(export_command)
    export_command.add_argument("--out", required=True, help="tệp JSON-lines sẽ ghi")
    beside = "cạnh --out, cùng tên bỏ .jsonl"
    export_command.add_argument("--digest-out", help=f"tệp bản tóm tắt (mặc định: {beside}, đuôi .digest.json)")
    export_command.add_argument("--key-out", help=f"tệp khoá công khai (mặc định: {beside}, đuôi .key.pem)")
    export_command.add_argument("--page-size", type=int, default=1000, choices=range(1, 1001), metavar="1..1000")
    export_command.set_defaults(run=export)

    verify_command = commands.add_parser("verify", help="kiểm chứng một tệp đã xuất, không cần máy chủ")
    verify_command.add_argument("history", help="tệp JSON-lines đã xuất")
    verify_command.add_argument("--key", required=True, help="khoá công khai của dịch vụ (PEM)")
    verify_command.add_argument("--digest", action="append", default=[],
                                help="bản tóm tắt đã ký đã giữ lại (có thể nêu nhiều lần)")
    verify_command.add_argument("--service", choices=WRITE_SERVICES, help="dịch vụ mà các bản tóm tắt phải nêu")
    verify_command.set_defaults(run=verify)

    compare_command = commands.add_parser("compare-topic", help="đối chiếu chủ đề Kafka của dịch vụ với kho sự kiện")
    compare_command.add_argument("--service", required=True, choices=WRITE_SERVICES)
    compare_command.add_argument("--bootstrap", required=True, help="máy chủ Kafka, ví dụ 127.0.0.1:9093")
    compare_command.add_argument("--history", help="tệp JSON-lines đã xuất (thay cho --url)")
    compare_command.add_argument("--url", help="địa chỉ dịch vụ để đọc kho sự kiện qua API")
    with_token(compare_command)
    compare_command.add_argument("--timeout", type=float, default=60.0, help="giây chờ tối đa (mặc định 60)")
    compare_command.add_argument("--idle", type=float, default=1.0,
                                 help="giây không có bản ghi mới thì coi là đã đọc hết (mặc định 1)")
    compare_command.add_argument("--show", type=int, default=50, help="số khác biệt in ra tối đa")
    compare_command.set_defaults(run=compare_topic)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.run(args)
    except (ToolError, DigestInvalid, OSError, ValueError) as error:
        print(f"Lỗi: {error}", file=sys.stderr)
        return 2
