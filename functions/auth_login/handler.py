"""POST /auth/login: exchange a wx.login code (or, locally, a dev code) for a bearer token."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import Field

from mall.api.app import entrypoint, make_app
from mall.api.models import WireModel
from mall.observability import logger, metrics
from mall.services.login import login
from mall.services.views import LoginView

router = APIGatewayHttpRouter()


class LoginBody(WireModel):
    code: str = Field(min_length=1, max_length=256)


@router.post("/auth/login", summary="Log in with a wx.login code", tags=["auth"])
def post_login(body: LoginBody) -> LoginView:
    result = login(body.code)
    logger.info("login", extra={"memberId": result.member_id})
    metrics.add_metric(name="Logins", unit="Count", value=1)
    return result


app = make_app(router)
lambda_handler = entrypoint(app)
