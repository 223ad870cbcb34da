"""Service clients for admins: create (the secret shown once), list, revoke."""

from __future__ import annotations

from mall.api.access import ADMIN, Caller, Routes
from mall.api.app import entrypoint, make_app
from mall.api.cursor import paged
from mall.api.wire.clients import ClientBody, ClientView, NewClientView
from mall.api.wire.common import Cursor, Id, Limit, Page
from mall.observability import logger
from mall.services.clients import clients_page, create_client, revoke_client

routes = Routes()


@routes.post(
    "/admin/clients", allow=ADMIN, summary="Create a service client", tags=["admin"], status_code=201
)
def post_client(body: ClientBody, who: Caller) -> NewClientView:
    created = create_client(body.name, who.actor)
    logger.info("client created", extra={"clientId": created.client.client_id, "admin": who.subject})
    return NewClientView.of(created)


@routes.get("/admin/clients", allow=ADMIN, summary="Service clients, newest first", tags=["admin"])
def get_clients(who: Caller, limit: Limit = 20, cursor: Cursor = None) -> Page[ClientView]:
    found, next_cursor = paged(who.subject, "clients", cursor, lambda at: clients_page(limit, at))
    return Page[ClientView](items=[ClientView.of(c) for c in found], next_cursor=next_cursor)


@routes.delete("/admin/clients/<clientId>", allow=ADMIN, summary="Revoke a service client", tags=["admin"])
def delete_client(clientId: Id, who: Caller) -> ClientView:
    revoked = revoke_client(clientId, who.actor)
    logger.info("client revoked", extra={"clientId": clientId, "admin": who.subject})
    return ClientView.of(revoked)


lambda_handler = entrypoint(make_app(routes))
