"""Login: WeChat code -> member (account opened on first login); dev codes only in the local stack."""

from __future__ import annotations

import hashlib
import re
import secrets

from mall import clock
from mall.auth import wechat
from mall.auth.tokens import Principal, Role, issue
from mall.data import accounts as store
from mall.data import dynamo, rules_store
from mall.domain.account import Account
from mall.domain.calendar import iso
from mall.errors import InvalidCode
from mall.services.views import LoginView
from mall.settings import settings

_DEV_PREFIXES = {"dev:": Role.MEMBER, "dev-admin:": Role.ADMIN, "dev-service:": Role.SERVICE}
_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def _new_account(member_id: str) -> Account:
    return Account(member_id=member_id, created_at=iso(clock.now().astimezone(rules_store.current().zone)))


def _open_if_missing(member_id: str) -> None:
    try:
        dynamo.transact([store.create(_new_account(member_id))])
    except dynamo.TransactionFailed as failed:
        if not failed.failed_at(0):
            raise


def _openid_key(openid: str) -> tuple[str, str]:
    # Only a hash of the openid is used as a key, so it never appears in keys, indexes or logs.
    return f"OPENID#{hashlib.sha256(openid.encode()).hexdigest()}", "OPENID"


def _member_for_openid(openid: str) -> str:
    pk, sk = _openid_key(openid)
    known = dynamo.get(pk, sk)
    if known:
        return str(known["memberId"])
    member_id = "m" + secrets.token_hex(8)
    try:
        dynamo.transact(
            [
                dynamo.put({"PK": pk, "SK": sk, "memberId": member_id}),
                store.create(_new_account(member_id), extra={"openid": openid}),
            ]
        )
        return member_id
    except dynamo.TransactionFailed as failed:
        if failed.failed_at(0) and failed.reasons[0].item:  # a concurrent first login won
            return str(failed.reasons[0].item["memberId"])
        raise


def _dev_principal(code: str) -> Principal | None:
    for prefix, role in _DEV_PREFIXES.items():
        if code.startswith(prefix):
            name = code[len(prefix) :]
            if not _NAME.match(name):
                raise InvalidCode("dev code needs a name of letters, digits, '.', '_' or '-'")
            return Principal(subject=name, role=role)
    return None


def login(code: str) -> LoginView:
    dev = _dev_principal(code) if settings().local_stack else None
    if dev is not None:
        principal = dev
        if dev.role is Role.MEMBER:
            _open_if_missing(dev.subject)
    elif settings().wechat_enabled:
        principal = Principal(subject=_member_for_openid(wechat.code_to_openid(code)), role=Role.MEMBER)
    else:
        raise InvalidCode("unknown login code")
    token, expires = issue(principal)
    member_id = principal.subject if principal.role is Role.MEMBER else None
    return LoginView(token=token, member_id=member_id, expires_at=iso(expires))
