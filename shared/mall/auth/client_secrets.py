"""Service clients' secrets: random, shown once, stored only as a salted scrypt hash.

scrypt (memory-hard, ~16 MB and tens of milliseconds per check) makes a stolen table useless for
guessing and a guessing client slow; a secret is 256 random bits, so it is never guessable anyway."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from functools import cache

_N, _R, _P, _LENGTH = 2**14, 8, 1, 32
_SCHEME = "scrypt"


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _scrypt(secret: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(secret.encode(), salt=salt, n=n, r=r, p=p, dklen=_LENGTH, maxmem=64 * 1024 * 1024)


def hash_secret(secret: str) -> str:
    """`scrypt$n$r$p$salt$hash`: the parameters travel with the hash, so they can be raised later."""
    salt = secrets.token_bytes(16)
    return "$".join([_SCHEME, str(_N), str(_R), str(_P), _b64(salt), _b64(_scrypt(secret, salt, _N, _R, _P))])


@cache
def _decoy() -> str:
    """Checked when the client id is unknown, so that an unknown id costs what a wrong secret does. Made
    on first use: hashing at import would add a scrypt (~70 ms) to every function's cold start."""
    return hash_secret(new_secret())


def secret_matches(secret: str, stored: str | None) -> bool:
    scheme, n, r, p, salt, digest = (stored or _decoy()).split("$")
    if scheme != _SCHEME:
        return False
    computed = _scrypt(secret, _unb64(salt), int(n), int(r), int(p))
    return hmac.compare_digest(computed, _unb64(digest)) and stored is not None
