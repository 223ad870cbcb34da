"""Service clients: created by admins (the secret shown once), exchanged for 2-hour service tokens,
revoked (no new token; issued ones refused within the rules-cache interval). Audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mall import clock
from mall.auth import client_secrets
from mall.auth.tokens import Principal, Role, issue
from mall.data import audit
from mall.data import clients as store
from mall.data.retry import until_decided
from mall.domain.audit import Action, Actor, entry
from mall.domain.clients import ServiceClient, new_client_id
from mall.errors import ClientNotFound, InvalidClient, Unauthenticated


@dataclass(frozen=True)
class NewClient:
    client: ServiceClient
    secret: str  # shown once; only its hash is stored


@dataclass(frozen=True)
class ServiceToken:
    token: str
    expires_at: datetime


def create_client(name: str, by: Actor) -> NewClient:
    now, secret = clock.now(), client_secrets.new_secret()
    client = ServiceClient(client_id=new_client_id(), name=name, created_at=now, created_by=by.name)
    target = f"client:{client.client_id}"
    record = entry(Action.CLIENT_CREATED, by, target, now, after={"clientId": client.client_id, "name": name})
    store.create(client, client_secrets.hash_secret(secret), audit.record(record))
    return NewClient(client, secret)


def clients_page(limit: int, start: str | None) -> tuple[list[ServiceClient], str | None]:
    return store.page(limit, start)


def revoke_client(client_id: str, by: Actor) -> ServiceClient:
    """Revoke once; revoking a revoked client answers it as it is."""

    def attempt() -> ServiceClient:
        found = store.get(client_id)
        if found is None:
            raise ClientNotFound(f"no client {client_id}")
        client, _ = found
        if not client.active:
            return client
        now = clock.now()
        before, after = {"revokedAt": None}, {"revokedAt": now}
        record = entry(Action.CLIENT_REVOKED, by, f"client:{client_id}", now, before=before, after=after)
        store.revoke(client_id, now, audit.record(record))  # LostRace if revoked meanwhile: read again
        return ServiceClient(client.client_id, client.name, client.created_at, client.created_by, now)

    return until_decided(attempt)


def token_for(client_id: str, secret: str) -> ServiceToken:
    """A 2-hour service token for the client's name; a wrong or revoked pair is INVALID_CLIENT."""
    found = store.get(client_id)
    client, stored_hash = found if found else (None, None)
    if not client_secrets.secret_matches(secret, stored_hash) or client is None or not client.active:
        raise InvalidClient("unknown client, wrong secret or revoked client")
    token, expires = issue(Principal(client.name, Role.SERVICE, client_id=client.client_id))
    return ServiceToken(token, expires)


def ensure_not_revoked(principal: Principal) -> None:
    """Tokens issued to a client stop working once its revocation reaches this function's cache."""
    if principal.client_id is not None and principal.client_id in store.revoked():
        raise Unauthenticated("the client this token was issued to is revoked")
