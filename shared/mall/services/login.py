"""Login: WeChat code -> member (account opened on first login); dev codes only in the local stack."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from mall.auth import wechat
from mall.auth.tokens import Principal, Role, issue
from mall.data import accounts
from mall.errors import InvalidCode
from mall.services.referrals import open_member
from mall.settings import settings

_DEV_PREFIXES = {"dev:": Role.MEMBER, "dev-admin:": Role.ADMIN, "dev-service:": Role.SERVICE}
_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


@dataclass(frozen=True)
class Session:
    token: str
    member_id: str | None  # None for admin and service tokens
    expires_at: datetime


def _member_for_openid(openid: str, invite_code: str | None) -> str:
    known = accounts.member_for_openid(openid)
    if known:
        return known
    return open_member("m" + secrets.token_hex(8), invite_code, openid)


def _dev_principal(code: str) -> Principal | None:
    for prefix, role in _DEV_PREFIXES.items():
        if code.startswith(prefix):
            name = code[len(prefix) :]
            if not _NAME.match(name):
                raise InvalidCode("dev code needs a name of letters, digits, '.', '_' or '-'")
            return Principal(subject=name, role=role)
    return None


def login(code: str, invite_code: str | None = None) -> Session:
    """A token for the code's principal; a member's first login opens the account (with a friend's
    `invite_code`, rewarding both: see `open_member`)."""
    dev = _dev_principal(code) if settings().local_stack else None
    if dev is not None:
        principal = dev
        if dev.role is Role.MEMBER:
            open_member(dev.subject, invite_code)
    elif settings().wechat_enabled:
        member = _member_for_openid(wechat.code_to_openid(code), invite_code)
        principal = Principal(subject=member, role=Role.MEMBER)
    else:
        raise InvalidCode("unknown login code")
    token, expires = issue(principal)
    return Session(token, principal.subject if principal.role is Role.MEMBER else None, expires)
