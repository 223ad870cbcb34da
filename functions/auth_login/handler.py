"""POST /auth/login: exchange a wx.login code (or, locally, a dev code) for a bearer token."""

from __future__ import annotations

from mall.api.access import PUBLIC, Routes
from mall.api.app import entrypoint, make_app
from mall.api.wire.members import LoginBody, LoginView
from mall.observability import logger, metrics
from mall.services.login import login

routes = Routes()


@routes.post("/auth/login", allow=PUBLIC, summary="Log in with a wx.login code", tags=["auth"])
def post_login(body: LoginBody) -> LoginView:
    session = login(body.code, body.invite_code)
    logger.info("login", extra={"memberId": session.member_id})
    metrics.add_metric(name="Logins", unit="Count", value=1)
    return LoginView.of(session)


lambda_handler = entrypoint(make_app(routes))
