"""Mint a bearer token for a department and role, with the secret the services use.

    python -m deploy.tokens --department DOST --role clerk [--days 7]

The secret comes from NSCL_JWT_SECRET, else from the embedded stack's .nscl/dev-secret.
"""
from __future__ import annotations

import argparse
import sys
from datetime import timedelta

from shared.auth import ROLES, Principal, TokenService
from shared.config import Settings
from shared.reference import DEPARTMENTS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Cấp mã truy cập (bearer token) cho một đơn vị và vai trò")
    parser.add_argument("--department", required=True, choices=sorted(DEPARTMENTS))
    parser.add_argument("--role", required=True, choices=ROLES)
    parser.add_argument("--subject", help="người dùng (mặc định: <đơn vị>-<vai trò>)")
    parser.add_argument("--days", type=int, default=7, choices=range(1, 31), metavar="1..30",
                        help="số ngày hiệu lực (mặc định 7, tối đa 30)")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    if not settings.jwt_secret:
        print("Không có khoá ký: đặt NSCL_JWT_SECRET hoặc chạy `./dev run` một lần để tạo khoá phát triển.",
              file=sys.stderr)
        return 2
    subject = args.subject or f"{args.department.lower()}-{args.role}"
    principal = Principal(subject, args.department, args.role)
    print(TokenService.from_settings(settings).issue(principal, timedelta(days=args.days)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
