"""Signed, expiring bearer tokens (HS256 JWT) with one role each.

No token lives longer than MAX_LIFETIME, whoever mints it: `issue` refuses to, and `verify` refuses a
token whose own claims say it was made to live longer (one minted before the limit, say)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import jwt

from mall import clock
from mall.auth.keys import signing_key
from mall.domain.audit import Actor
from mall.errors import Unauthenticated

TOKEN_LIFETIME = timedelta(hours=2)
MAX_LIFETIME = timedelta(hours=12)
_ISSUER = "points-mall"


class Role(StrEnum):
    MEMBER = "member"
    SERVICE = "service"
    ADMIN = "admin"


@dataclass(frozen=True)
class Principal:
    subject: str  # memberId for members, a name for service and admin callers
    role: Role
    client_id: str | None = None  # service tokens got by client credentials: revoked with the client

    @property
    def actor(self) -> Actor:
        """Who the audit log says acted."""
        return Actor(self.subject, self.role.value)


def issue(principal: Principal, lifetime: timedelta = TOKEN_LIFETIME) -> tuple[str, datetime]:
    if not timedelta(0) < lifetime <= MAX_LIFETIME:
        raise ValueError(f"a token lives at most {MAX_LIFETIME} (asked: {lifetime})")
    issued = clock.now()
    expires = issued + lifetime
    claims = {
        "sub": principal.subject,
        "role": principal.role.value,
        "iss": _ISSUER,
        "iat": int(issued.timestamp()),
        "exp": int(expires.timestamp()),
    }
    if principal.client_id:
        claims["cid"] = principal.client_id
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
            options={"verify_exp": False, "verify_iat": False, "require": ["sub", "role", "exp", "iat"]},
        )
        role = Role(claims["role"])
        expires, issued = int(claims["exp"]), int(claims["iat"])
    except (jwt.InvalidTokenError, ValueError, TypeError) as exc:
        raise Unauthenticated("invalid token") from exc
    if expires - issued > MAX_LIFETIME.total_seconds():
        raise Unauthenticated(f"token made to live longer than {MAX_LIFETIME}")
    if expires <= clock.now().timestamp():
        raise Unauthenticated("token expired")
    client_id = claims.get("cid")
    principal = Principal(
        subject=str(claims["sub"]), role=role, client_id=str(client_id) if client_id else None
    )
    return principal, expires
