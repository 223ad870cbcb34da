"""The earn/spend rules document (GET|PUT /admin/rules), validated on write."""

from __future__ import annotations

from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.alias_generators import to_camel


class CamelModel(BaseModel):
    """camelCase on the wire, snake_case in Python; unknown fields rejected."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid", strict=True)


class Tier(CamelModel):
    name: str = Field(min_length=1, max_length=32)
    threshold: int = Field(ge=0)
    multiplier: float = Field(gt=0, le=100)


class RollingExpiry(CamelModel):
    mode: Literal["ROLLING"]
    days: int = Field(ge=1, le=3650)


class AnnualExpiry(CamelModel):
    mode: Literal["ANNUAL"]


Expiry = Annotated[RollingExpiry | AnnualExpiry, Field(discriminator="mode")]


class Rules(CamelModel):
    sign_in_rewards: list[Annotated[int, Field(ge=0, le=1_000_000)]] = Field(
        default=[5, 5, 10, 10, 15, 15, 30], min_length=1, max_length=366
    )
    purchase_points_per_yuan: float = Field(default=1, ge=0, le=1000)
    category_rates: dict[
        Annotated[str, Field(min_length=1, max_length=64)], Annotated[float, Field(ge=0, le=100)]
    ] = Field(default_factory=dict, max_length=500)
    tiers: list[Tier] = Field(
        default_factory=lambda: [
            Tier(name="MEMBER", threshold=0, multiplier=1.0),
            Tier(name="SILVER", threshold=1000, multiplier=1.2),
            Tier(name="GOLD", threshold=5000, multiplier=1.5),
            Tier(name="DIAMOND", threshold=20000, multiplier=2.0),
        ],
        min_length=1,
        max_length=20,
    )
    daily_cap: int = Field(default=500, ge=0, le=100_000_000)
    # Points for each side when a login with an invite code opens an account (the inviter's count
    # toward the inviter's daily cap).
    referral_reward: int = Field(default=100, ge=0, le=1_000_000)
    expiry: Expiry = Field(default_factory=lambda: RollingExpiry(mode="ROLLING", days=365))
    reminder_days: int = Field(default=7, ge=0, le=365)
    # Business days purchase points stay pending (the return window): not spendable, not toward tiers.
    pending_days: int = Field(default=0, ge=0, le=365)
    time_zone: str = Field(default="Asia/Shanghai", max_length=64, pattern=r"^[A-Za-z][A-Za-z0-9_+\-/]*$")

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError, RecursionError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @model_validator(mode="after")
    def _tiers_ascending(self) -> Rules:
        thresholds = [t.threshold for t in self.tiers]
        if thresholds[0] != 0:
            raise ValueError("tiers: the first tier must have threshold 0")
        if thresholds != sorted(set(thresholds)) or len(set(thresholds)) != len(thresholds):
            raise ValueError("tiers: thresholds must be strictly ascending")
        if len({t.name for t in self.tiers}) != len(self.tiers):
            raise ValueError("tiers: names must be unique")
        return self

    @model_validator(mode="after")
    def _pending_within_expiry(self) -> Rules:
        if isinstance(self.expiry, RollingExpiry) and self.pending_days > self.expiry.days:
            raise ValueError(
                "pendingDays: must not exceed expiry.days (the points would expire while pending)"
            )
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


DEFAULT_RULES = Rules()
