"""WeChat mini-program API adapter: code2session (login) over plain HTTPS."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.utilities import parameters

from mall.errors import InvalidCode
from mall.settings import settings


class WeChatUnavailable(Exception):
    """WeChat did not answer usefully; not the client's fault."""


@dataclass(frozen=True)
class WeChatCredentials:
    app_id: str
    app_secret: str


def credentials() -> WeChatCredentials:
    cfg = settings()
    raw = parameters.get_secret(cfg.wechat_secret_id, max_age=cfg.secret_cache_seconds, transform="json")
    if not isinstance(raw, dict):
        raise WeChatUnavailable("WeChat secret must be JSON with appSecret (and appId)")
    app_id = cfg.wechat_app_id or raw.get("appId")
    if not app_id or not raw.get("appSecret"):
        raise WeChatUnavailable("WeChat app id or app secret not set (README: Deploy)")
    return WeChatCredentials(app_id=str(app_id), app_secret=str(raw["appSecret"]))


def get_json(url: str, timeout: float = 5.0) -> dict[str, Any]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - base URL is configuration
            return dict(json.loads(response.read().decode("utf-8")))
    except (urllib.error.URLError, TimeoutError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise WeChatUnavailable(str(exc)) from exc


def code_to_openid(code: str) -> str:
    """Exchange a wx.login code for the user's openid; a rejected code is INVALID_CODE."""
    creds = credentials()
    query = urllib.parse.urlencode(
        {
            "appid": creds.app_id,
            "secret": creds.app_secret,
            "js_code": code,
            "grant_type": "authorization_code",
        }
    )
    answer = get_json(f"{settings().wechat_api_base}/sns/jscode2session?{query}")
    if answer.get("errcode"):
        if answer["errcode"] in (40029, 40163, 40226):  # invalid, already used, blocked user
            raise InvalidCode("WeChat rejected the code")
        raise WeChatUnavailable(f"WeChat error {answer['errcode']}")
    if not answer.get("openid"):
        raise WeChatUnavailable("WeChat answered without an openid")
    return str(answer["openid"])
