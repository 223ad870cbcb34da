"""Service clients on the wire: the client-credentials exchange and the admin's client list (never a
stored secret: the secret appears once, in the answer that creates the client)."""

from __future__ import annotations

from pydantic import Field

from mall.api.wire.common import ID_PATTERN, WireModel
from mall.domain.calendar import iso
from mall.domain.clients import ServiceClient
from mall.services.clients import NewClient, ServiceToken


class TokenBody(WireModel):
    client_id: str = Field(min_length=1, max_length=64)
    client_secret: str = Field(min_length=1, max_length=256)


class TokenView(WireModel):
    token: str
    expires_at: str

    @classmethod
    def of(cls, t: ServiceToken) -> TokenView:
        return cls(token=t.token, expires_at=iso(t.expires_at))


class ClientBody(WireModel):
    name: str = Field(
        pattern=ID_PATTERN,
        description="the service its tokens name (earn event ids are unique per name): letters, digits, "
        "'.', '_' or '-', at most 64",
    )


class ClientView(WireModel):
    client_id: str
    name: str
    status: str
    created_at: str
    created_by: str
    revoked_at: str | None

    @classmethod
    def of(cls, c: ServiceClient) -> ClientView:
        return cls(
            client_id=c.client_id,
            name=c.name,
            status="ACTIVE" if c.active else "REVOKED",
            created_at=iso(c.created_at),
            created_by=c.created_by,
            revoked_at=iso(c.revoked_at) if c.revoked_at else None,
        )


class NewClientView(WireModel):
    client_id: str
    client_secret: str = Field(description="shown this once: only a hash of it is stored")
    name: str
    created_at: str

    @classmethod
    def of(cls, new: NewClient) -> NewClientView:
        c = new.client
        return cls(client_id=c.client_id, client_secret=new.secret, name=c.name, created_at=iso(c.created_at))
