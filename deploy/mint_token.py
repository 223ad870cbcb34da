"""Mint a service or admin token for a deployed stack (there is no dev login there).

    python -m deploy.mint_token --secret-id <SigningKeySecret ARN> --role service --name shop --hours 720

Reads the signing key from Secrets Manager with your AWS credentials, so only someone allowed to read
that secret can mint. Member tokens come only from WeChat login."""

from __future__ import annotations

import argparse
import os
from datetime import timedelta

from mall.auth import tokens
from mall.auth.tokens import Principal, Role


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--secret-id", required=True, help="the SigningKeySecret's name or ARN")
    parser.add_argument("--role", choices=[Role.SERVICE.value, Role.ADMIN.value], required=True)
    parser.add_argument("--name", required=True, help="who the token is for (logged with every action)")
    parser.add_argument("--hours", type=float, default=2.0, help="lifetime (default 2)")
    args = parser.parse_args(argv)
    os.environ.setdefault("TABLE_NAME", "unused-by-minting")
    os.environ["SIGNING_KEY_SECRET_ID"] = args.secret_id
    token, expires = tokens.issue(Principal(args.name, Role(args.role)), lifetime=timedelta(hours=args.hours))
    print(token)
    print(f"expires {expires.isoformat(timespec='seconds')}", flush=True)


if __name__ == "__main__":
    main()
