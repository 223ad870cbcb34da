"""Mint an admin token (or, as a last resort, a service token) for a deployed stack.

    python -m deploy.mint_token --secret-id <SigningKeySecret ARN> --role admin --name alice --hours 8

Reads the signing key from Secrets Manager with your AWS credentials, so only someone allowed to read
that secret can mint. No token lives longer than 12 hours, whoever mints it. The merchant's back end
should not run on minted tokens: create it a client (POST /admin/clients) and let it fetch 2-hour
tokens with POST /auth/token, which can be revoked. Member tokens come only from WeChat login."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import timedelta

from mall.auth import tokens
from mall.auth.tokens import MAX_LIFETIME, Principal, Role

_MAX_HOURS = MAX_LIFETIME.total_seconds() / 3600


def _hours(text: str) -> float:
    hours = float(text)
    if not 0 < hours <= _MAX_HOURS:
        raise argparse.ArgumentTypeError(f"a token lives more than 0 and at most {_MAX_HOURS:g} hours")
    return hours


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--secret-id", required=True, help="the SigningKeySecret's name or ARN")
    parser.add_argument("--role", choices=[Role.SERVICE.value, Role.ADMIN.value], required=True)
    parser.add_argument("--name", required=True, help="who the token is for (logged with every action)")
    parser.add_argument(
        "--hours", type=_hours, default=2.0, help=f"lifetime (default 2, at most {_MAX_HOURS:g})"
    )
    args = parser.parse_args(argv)
    if args.role == Role.SERVICE.value:
        print(
            "note: a minted service token cannot be revoked before it expires; give the back end a client "
            "(POST /admin/clients) and let it use POST /auth/token instead",
            file=sys.stderr,
        )
    os.environ.setdefault("TABLE_NAME", "unused-by-minting")
    os.environ["SIGNING_KEY_SECRET_ID"] = args.secret_id
    token, expires = tokens.issue(Principal(args.name, Role(args.role)), lifetime=timedelta(hours=args.hours))
    print(token)
    print(f"expires {expires.isoformat(timespec='seconds')}", flush=True)


if __name__ == "__main__":
    main()
