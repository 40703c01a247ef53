"""Mint a bearer token for a department and role with the secret the services use, or revoke tokens.

    python -m deploy.tokens --department DOST --role clerk [--subject nguyen.van.a] [--days 7]
    python -m deploy.tokens --revoke <jti>                  (one token, by the id printed when it was minted)
    python -m deploy.tokens --revoke-subject nguyen.van.a   (every token of that user minted until now)

The secret comes from NSCL_JWT_SECRET, else from the embedded stack's .nscl/dev-secret. Revocations go to the
file every service reads (NSCL_JWT_REVOKED_FILE, else .nscl/revoked-tokens.json) and count from the next request.
"""
from __future__ import annotations

import argparse
import sys
from datetime import timedelta

import jwt

from shared.auth import ROLES, Principal, Revocations, TokenService
from shared.config import Settings
from shared.reference import DEPARTMENTS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Cấp hoặc thu hồi mã truy cập (bearer token)")
    withdraw = parser.add_mutually_exclusive_group()
    withdraw.add_argument("--revoke", metavar="JTI", help="thu hồi một mã theo mã số (jti) của nó")
    withdraw.add_argument("--revoke-subject", metavar="SUBJECT", help="thu hồi mọi mã đã cấp cho người dùng này")
    parser.add_argument("--department", choices=sorted(DEPARTMENTS))
    parser.add_argument("--role", choices=ROLES)
    parser.add_argument("--subject", help="người dùng (mặc định: <đơn vị>-<vai trò>)")
    parser.add_argument("--days", type=int, default=7, choices=range(1, 31), metavar="1..30",
                        help="số ngày hiệu lực (mặc định 7, tối đa 30)")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    if args.revoke or args.revoke_subject:
        revocations = Revocations(settings.jwt_revoked_file)
        if args.revoke:
            revocations.revoke_token(args.revoke)
        else:
            revocations.revoke_subject(args.revoke_subject)
        print(f"Đã thu hồi {'mã ' + args.revoke if args.revoke else 'mọi mã của ' + args.revoke_subject} "
              f"(ghi vào {settings.jwt_revoked_file}).", file=sys.stderr)
        return 0
    if not args.department or not args.role:
        parser.error("cần --department và --role để cấp mã (hoặc --revoke / --revoke-subject để thu hồi)")
    if not settings.jwt_secret:
        print("Không có khoá ký: đặt NSCL_JWT_SECRET hoặc chạy `./dev run` một lần để tạo khoá phát triển.",
              file=sys.stderr)
        return 2
    subject = args.subject or f"{args.department.lower()}-{args.role}"
    token = TokenService.from_settings(settings).issue(Principal(subject, args.department, args.role),
                                                      timedelta(days=args.days))
    print(f"Mã số (jti) để thu hồi khi cần: {jwt.decode(token, options={'verify_signature': False})['jti']}",
          file=sys.stderr)
    print(token)
    return 0


if __name__ == "__main__":
    sys.exit(main())
