"""WeChat subscribe-message adapter (订阅消息): a cached access token, then one HTTPS POST per message.

App id and secret come from the secret store (`mall.auth.wechat.credentials`), the API base URL from
`Settings.wechat_api_base`; what is sent (template id, page, data field names) from WECHAT_* variables
read here, so only the functions that push need them. The openid is never logged nor put in an error.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any, Literal

from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError, TransformParameterError
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from mall.auth.wechat import WeChatUnavailable, credentials, get_json
from mall.settings import settings

# errcodes meaning "this access token is not (or no longer) valid": fetch a new one and try once more.
_TOKEN_ERRORS = frozenset({40001, 40014, 42001})
# WeChat keeps an old token valid for a few minutes after a new one is issued elsewhere; renewing this
# long before `expires_in` keeps a token fetched near the end of its life from dying mid-run.
_RENEW_EARLY_SECONDS = 300


class PushFailed(Exception):
    """WeChat did not take the message; `code` is its errcode, or a word for a transport failure."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


class PushSettings(BaseSettings):
    """What the reminder message looks like; the template is chosen in the mini-program's console."""

    model_config = SettingsConfigDict(env_prefix="WECHAT_", extra="ignore", case_sensitive=False)

    reminder_template_id: str | None = None
    reminder_page: str | None = "pages/index/index"
    # The template's data keys for the points, the expiry date and a short tip (≤ 20 characters).
    reminder_fields: dict[str, str] = Field(
        default_factory=lambda: {"points": "number1", "expiresOn": "date2", "tip": "thing3"}
    )
    miniprogram_state: Literal["developer", "trial", "formal"] = "formal"
    timeout_seconds: float = Field(default=3.0, gt=0, le=10)

    @field_validator("reminder_template_id", "reminder_page", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        return value or None

    @field_validator("reminder_fields")
    @classmethod
    def _all_fields_named(cls, value: dict[str, str]) -> dict[str, str]:
        missing = {"points", "expiresOn", "tip"} - value.keys()
        if missing:
            raise ValueError(f"reminder_fields lacks {sorted(missing)}")
        return value


@lru_cache(maxsize=1)
def push_settings() -> PushSettings:
    return PushSettings()


@dataclass(frozen=True)
class SubscribeMessage:
    template_id: str | None
    page: str | None
    data: dict[str, str]  # template key -> value

    def body(self, openid: str, state: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "touser": openid,
            "template_id": self.template_id,
            "miniprogram_state": state,
            "lang": "zh_CN",
            "data": {key: {"value": value} for key, value in self.data.items()},
        }
        if self.page:
            body["page"] = self.page
        return body

    def as_record(self) -> dict[str, Any]:
        """What is stored with the notification (no recipient)."""
        return {"templateId": self.template_id, "page": self.page, "data": dict(self.data)}


def reminder_message(points: int, expires_on: date) -> SubscribeMessage:
    cfg = push_settings()
    keys = cfg.reminder_fields
    return SubscribeMessage(
        template_id=cfg.reminder_template_id,
        page=cfg.reminder_page,
        data={
            keys["points"]: str(points),
            keys["expiresOn"]: f"{expires_on.year}年{expires_on.month}月{expires_on.day}日",
            keys["tip"]: "积分即将过期，请及时使用",
        },
    )


@dataclass(frozen=True)
class _Token:
    value: str
    renew_at: float  # time.monotonic(): tokens expire in real time, whatever the app's clock says


_token: _Token | None = None  # per container; a Lambda runs one invocation at a time


def access_token(*, renew: bool = False) -> str:
    """The app's access token, fetched once and reused until shortly before it expires."""
    global _token
    if not renew and _token is not None and time.monotonic() < _token.renew_at:
        return _token.value
    try:
        creds = credentials()
        query = urllib.parse.urlencode(
            {"grant_type": "client_credential", "appid": creds.app_id, "secret": creds.app_secret}
        )
        answer = get_json(
            f"{settings().wechat_api_base}/cgi-bin/token?{query}", push_settings().timeout_seconds
        )
    except WeChatUnavailable as exc:
        raise PushFailed("UNAVAILABLE", str(exc)) from exc
    except (GetParameterError, TransformParameterError) as exc:
        # A missing or unreadable secret fails this push, not the whole job.
        raise PushFailed("NO_CREDENTIALS", type(exc).__name__) from exc
    if answer.get("errcode") or not answer.get("access_token"):
        raise PushFailed(str(answer.get("errcode", "NO_TOKEN")), str(answer.get("errmsg", "no access_token")))
    lifetime = int(answer.get("expires_in", 7200))
    _token = _Token(str(answer["access_token"]), time.monotonic() + max(0, lifetime - _RENEW_EARLY_SECONDS))
    return _token.value


def send(openid: str, message: SubscribeMessage) -> None:
    """Send one subscribe message; raises PushFailed unless WeChat answers errcode 0."""
    if not message.template_id:
        raise PushFailed("NOT_CONFIGURED", "no subscribe-message template id")
    body = message.body(openid, push_settings().miniprogram_state)
    answer = _post_send(access_token(), body)
    if answer.get("errcode") in _TOKEN_ERRORS:
        answer = _post_send(access_token(renew=True), body)
    if answer.get("errcode"):
        raise PushFailed(str(answer["errcode"]), str(answer.get("errmsg", "")))


def _post_send(token: str, body: dict[str, Any]) -> dict[str, Any]:
    url = f"{settings().wechat_api_base}/cgi-bin/message/subscribe/send?" + urllib.parse.urlencode(
        {"access_token": token}
    )
    request = urllib.request.Request(  # noqa: S310 - the base URL is configuration
        url,
        data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=push_settings().timeout_seconds) as response:  # noqa: S310
            return dict(json.loads(response.read().decode("utf-8")))
    except (urllib.error.URLError, TimeoutError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        # The URL carries the access token: say what failed, not where.
        raise PushFailed("UNAVAILABLE", type(exc).__name__) from exc
