"""Login: WeChat code -> member (account opened on first login); dev codes only in the local stack."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from mall import clock
from mall.auth import wechat
from mall.auth.tokens import Principal, Role, issue
from mall.data import accounts, rules_store
from mall.data.retry import until_decided
from mall.domain.account import Account
from mall.domain.calendar import iso
from mall.errors import InvalidCode
from mall.settings import settings

_DEV_PREFIXES = {"dev:": Role.MEMBER, "dev-admin:": Role.ADMIN, "dev-service:": Role.SERVICE}
_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


@dataclass(frozen=True)
class Session:
    token: str
    member_id: str | None  # None for admin and service tokens
    expires_at: datetime


def _new_account(member_id: str) -> Account:
    return Account(member_id=member_id, created_at=iso(clock.now().astimezone(rules_store.current().zone)))


def _member_for_openid(openid: str) -> str:
    known = accounts.member_for_openid(openid)
    if known:
        return known
    new = _new_account("m" + secrets.token_hex(8))
    return until_decided(lambda: accounts.open_wechat_account(openid, new))


def _dev_principal(code: str) -> Principal | None:
    for prefix, role in _DEV_PREFIXES.items():
        if code.startswith(prefix):
            name = code[len(prefix) :]
            if not _NAME.match(name):
                raise InvalidCode("dev code needs a name of letters, digits, '.', '_' or '-'")
            return Principal(subject=name, role=role)
    return None


def login(code: str) -> Session:
    dev = _dev_principal(code) if settings().local_stack else None
    if dev is not None:
        principal = dev
        if dev.role is Role.MEMBER:
            account = _new_account(dev.subject)
            until_decided(lambda: accounts.open_account(account))
    elif settings().wechat_enabled:
        principal = Principal(subject=_member_for_openid(wechat.code_to_openid(code)), role=Role.MEMBER)
    else:
        raise InvalidCode("unknown login code")
    token, expires = issue(principal)
    return Session(token, principal.subject if principal.role is Role.MEMBER else None, expires)
