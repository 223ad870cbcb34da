"""The HMAC signing key, from the secret store (Secrets Manager), cached per container."""

from __future__ import annotations

from aws_lambda_powertools.utilities import parameters

from mall.settings import settings


def signing_key() -> bytes:
    cfg = settings()
    secret = parameters.get_secret(cfg.signing_key_secret_id, max_age=cfg.secret_cache_seconds)
    if not isinstance(secret, str) or len(secret) < 32:
        raise RuntimeError("signing key secret is missing or shorter than 32 characters")
    return secret.encode()
