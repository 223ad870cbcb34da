"""Orders for operations staff: the fulfilment and review queues, a member's orders, one order, ship and
complete, approve and reject an order under review."""

from __future__ import annotations

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler.openapi.params import Query

from mall.api.access import ADMIN, Caller, Routes
from mall.api.app import entrypoint, make_app
from mall.api.cursor import paged
from mall.api.wire.common import ID_PATTERN, Cursor, Id, Limit, Page
from mall.api.wire.orders import AdminOrderView, RejectBody, ShipBody
from mall.errors import ValidationFailed
from mall.observability import logger
from mall.services.orders import (
    any_order,
    approve,
    fulfil,
    member_orders,
    pending_review,
    reject,
    waiting_to_ship,
)

routes = Routes()

MemberFilter = Annotated[
    str | None, Query(alias="memberId", pattern=ID_PATTERN, description="this member's orders")
]
StatusFilter = Annotated[
    Literal["CONFIRMED", "PENDING_REVIEW"] | None,
    Query(
        description="CONFIRMED: physical orders waiting to ship; PENDING_REVIEW: orders waiting for a "
        "review; oldest first"
    ),
]


@routes.get(
    "/admin/orders",
    allow=ADMIN,
    summary="Orders waiting to ship or for a review, or one member's",
    description="Give exactly one of `memberId` and `status` (neither or both: 400 VALIDATION_ERROR).",
    tags=["admin"],
)
def get_orders(
    who: Caller,
    member: MemberFilter = None,
    status: StatusFilter = None,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> Page[AdminOrderView]:
    if (member is None) == (status is None):
        raise ValidationFailed("memberId, status: give exactly one of them")
    if member is not None:
        found, next_cursor = paged(
            who.subject, f"orders:{member}", cursor, lambda at: member_orders(member, limit, at)
        )
    elif status == "PENDING_REVIEW":
        found, next_cursor = paged(
            who.subject, "orders:to-review", cursor, lambda at: pending_review(limit, at)
        )
    else:
        found, next_cursor = paged(
            who.subject, "orders:to-ship", cursor, lambda at: waiting_to_ship(limit, at)
        )
    return Page[AdminOrderView](items=[AdminOrderView.of(o) for o in found], next_cursor=next_cursor)


@routes.get("/admin/orders/<orderId>", allow=ADMIN, summary="One order", tags=["admin"])
def get_order(orderId: Id) -> AdminOrderView:
    return AdminOrderView.of(any_order(orderId))


@routes.post("/admin/orders/<orderId>/ship", allow=ADMIN, summary="Ship a confirmed order", tags=["admin"])
def post_ship(orderId: Id, body: ShipBody, who: Caller) -> AdminOrderView:
    logger.info("ship", extra={"orderId": orderId, "admin": who.subject})
    return AdminOrderView.of(
        fulfil(orderId, "ship", who.actor, carrier=body.carrier, tracking_no=body.tracking_no)
    )


@routes.post(
    "/admin/orders/<orderId>/complete", allow=ADMIN, summary="Complete a shipped order", tags=["admin"]
)
def post_complete(orderId: Id, who: Caller) -> AdminOrderView:
    logger.info("complete", extra={"orderId": orderId, "admin": who.subject})
    return AdminOrderView.of(fulfil(orderId, "complete", who.actor))


@routes.post(
    "/admin/orders/<orderId>/approve",
    allow=ADMIN,
    summary="Approve an order under review (PENDING_REVIEW -> CONFIRMED)",
    tags=["admin"],
)
def post_approve(orderId: Id, who: Caller) -> AdminOrderView:
    logger.info("review approved", extra={"orderId": orderId, "admin": who.subject})
    return AdminOrderView.of(approve(orderId, who.actor))


@routes.post(
    "/admin/orders/<orderId>/reject",
    allow=ADMIN,
    summary="Reject an order under review: CANCELLED, points refunded, stock back",
    tags=["admin"],
)
def post_reject(orderId: Id, body: RejectBody, who: Caller) -> AdminOrderView:
    logger.info("review rejected", extra={"orderId": orderId, "admin": who.subject})
    return AdminOrderView.of(reject(orderId, body.reason, who.actor))


lambda_handler = entrypoint(make_app(routes))
