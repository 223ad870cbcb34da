"""Service clients: one item each, listed through GSI1, and the revocations every function learns of.

A revocation is also written as a `CONFIG` / `REVOKED#<clientId>` item, read with the rules through
the one cached `CONFIG` query (`rules_store.config`), so the gate refuses a revoked client's tokens
within the rules-cache interval without a read per request. It expires (TTL) once every token issued
before it has."""

from __future__ import annotations

from datetime import datetime, timedelta

from pynamodb.attributes import UnicodeAttribute

from mall.data import dynamo, rules_store
from mall.data.dynamo import IntegerAttribute, Item, Key
from mall.data.transaction import Transaction
from mall.domain.clients import ServiceClient

_LIST_PK = "CLIENTS"
_REVOKED_PREFIX = "REVOKED#"
# Tokens live at most 12 hours: a revocation older than this has no token left to refuse.
REVOCATION_KEPT = timedelta(hours=13)


class ClientItem(Item):
    """`CLIENT#<clientId>` / `CLIENT`; on GSI1 under `CLIENTS`, newest first (clients are few)."""

    gsi1_pk = UnicodeAttribute(attr_name="GSI1PK")
    gsi1_sk = UnicodeAttribute(attr_name="GSI1SK")
    client_id = UnicodeAttribute(attr_name="clientId")
    name = UnicodeAttribute()
    secret_hash = UnicodeAttribute(attr_name="secretHash")  # never the secret
    created_at = UnicodeAttribute(attr_name="createdAt")
    created_by = UnicodeAttribute(attr_name="createdBy")
    revoked_at = UnicodeAttribute(attr_name="revokedAt", null=True)


class RevokedItem(Item):
    """`CONFIG` / `REVOKED#<clientId>`: `value` is when (the parameters provider reads `value`)."""

    value = UnicodeAttribute()
    ttl = IntegerAttribute()


def _key(client_id: str) -> Key:
    return f"CLIENT#{client_id}", "CLIENT"


def _client(item: ClientItem) -> ServiceClient:
    return ServiceClient(
        client_id=item.client_id,
        name=item.name,
        created_at=datetime.fromisoformat(item.created_at),
        created_by=item.created_by,
        revoked_at=datetime.fromisoformat(item.revoked_at) if item.revoked_at else None,
    )


def _iso(at: datetime) -> str:
    return at.isoformat(timespec="milliseconds")


def create(client: ServiceClient, secret_hash: str, also: Transaction) -> None:
    item = ClientItem(
        *_key(client.client_id),
        gsi1_pk=_LIST_PK,
        gsi1_sk=f"{_iso(client.created_at)}#{client.client_id}",
        client_id=client.client_id,
        name=client.name,
        secret_hash=secret_hash,
        created_at=_iso(client.created_at),
        created_by=client.created_by,
    )
    Transaction().put("client", item).extend(also).commit()


def get(client_id: str) -> tuple[ServiceClient, str] | None:
    """The client and its secret's hash (a consistent read: a revocation counts at once here)."""
    item = dynamo.get(ClientItem, _key(client_id))
    return (_client(item), item.secret_hash) if item else None


def revoke(client_id: str, at: datetime, also: Transaction) -> None:
    """Mark the client revoked (only once: `LostRace` if it already is) and publish the revocation."""
    item = ClientItem(*_key(client_id))
    actions = [ClientItem.revoked_at.set(_iso(at))]
    once = ClientItem.PK.exists() & ClientItem.revoked_at.does_not_exist()
    notice = RevokedItem(
        rules_store.CONFIG_PK,
        _REVOKED_PREFIX + client_id,
        value=_iso(at),
        ttl=int((at + REVOCATION_KEPT).timestamp()),
    )
    tx = Transaction().update("client", item, actions, condition=once)
    tx.put("revocation", notice)
    tx.extend(also).commit()


def page(limit: int, start: str | None) -> tuple[list[ServiceClient], str | None]:
    raws, position = dynamo.newest_first(_LIST_PK, limit, start, index="GSI1", keys=("GSI1PK", "GSI1SK"))
    return [_client(ClientItem.from_raw_data(raw)) for raw in raws], position


def revoked() -> set[str]:
    """Client ids revoked lately, from the cached `CONFIG` query (at most RULES_CACHE_SECONDS old)."""
    return {sk[len(_REVOKED_PREFIX) :] for sk in rules_store.config() if sk.startswith(_REVOKED_PREFIX)}
