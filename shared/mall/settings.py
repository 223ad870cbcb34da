"""Environment settings, validated once per cold start."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """What a function needs from its environment; a wrong value fails the cold start, not a request."""

    model_config = SettingsConfigDict(extra="ignore", case_sensitive=False)

    table_name: str = Field(min_length=3)
    signing_key_secret_id: str = Field(min_length=1)
    wechat_secret_id: str = Field(default="wechat", description="secret name, not the secret")
    # The app id is no secret: a deployed stack passes it as a parameter; empty: the secret's "appId".
    wechat_app_id: str = ""
    wechat_api_base: str = "https://api.weixin.qq.com"
    # The local stack has no WeChat: there only dev codes log in, unless a fake WeChat is configured.
    wechat_enabled: bool = True
    flash_sale_queue_url: str | None = None
    rules_cache_seconds: int = Field(default=30, ge=0, le=30)
    secret_cache_seconds: int = Field(default=300, ge=0)
    # The local stack sets these; a deployed stack never does, so dev logins and a movable clock stay local.
    local_stack: bool = False
    clock_file: str | None = None


@lru_cache(maxsize=1)
def settings() -> Settings:
    return Settings()  # type: ignore[call-arg]  # values come from the environment
