"""Signed, expiring bearer tokens (HS256 JWT) with one role each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import jwt

from mall import clock
from mall.auth.keys import signing_key
from mall.errors import Unauthenticated

TOKEN_LIFETIME = timedelta(hours=2)
_ISSUER = "points-mall"


class Role(StrEnum):
    MEMBER = "member"
    SERVICE = "service"
    ADMIN = "admin"


@dataclass(frozen=True)
class Principal:
    subject: str  # memberId for members, a name for service and admin callers
    role: Role


def issue(principal: Principal, lifetime: timedelta = TOKEN_LIFETIME) -> tuple[str, datetime]:
    issued = clock.now()
    expires = issued + lifetime
    claims = {
        "sub": principal.subject,
        "role": principal.role.value,
        "iss": _ISSUER,
        "iat": int(issued.timestamp()),
        "exp": int(expires.timestamp()),
    }
    return jwt.encode(claims, signing_key(), algorithm="HS256"), expires


def verify(token: str) -> Principal:
    """Signature and issuer by PyJWT; expiry against our clock (which the local stack can move)."""
    return verify_until(token)[0]


def verify_until(token: str) -> tuple[Principal, int]:
    """`verify`, and the token's expiry (epoch seconds), for whoever hands the principal on."""
    try:
        claims = jwt.decode(
            token,
            signing_key(),
            algorithms=["HS256"],
            issuer=_ISSUER,
            options={"verify_exp": False, "verify_iat": False, "require": ["sub", "role", "exp"]},
        )
        role = Role(claims["role"])
    except (jwt.InvalidTokenError, ValueError) as exc:
        raise Unauthenticated("invalid token") from exc
    if int(claims["exp"]) <= clock.now().timestamp():
        raise Unauthenticated("token expired")
    return Principal(subject=str(claims["sub"]), role=role), int(claims["exp"])
