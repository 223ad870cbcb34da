"""Service clients: the merchant's back ends, which get service tokens by client credentials."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class ServiceClient:
    client_id: str
    name: str  # the service principal its tokens carry (earn events are unique per this name)
    created_at: datetime
    created_by: str
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def new_client_id() -> str:
    return "c" + secrets.token_hex(8)
