"""The earn/spend rules document (GET|PUT /admin/rules), validated on write."""

from __future__ import annotations

from importlib import resources
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.alias_generators import to_camel

# The zones the rules accept: the pinned tzdata package's list, so the document and the check are the same
# on every machine (and every one of them loads, from the system or from that package).
TIME_ZONES = tuple(sorted(resources.files("tzdata").joinpath("zones").read_text(encoding="utf-8").split()))
_KNOWN_ZONES = frozenset(TIME_ZONES)


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


class RateLimits(CamelModel):
    """Requests per member and minute, per kind of request (429 RATE_LIMITED beyond)."""

    sign_in: int = Field(default=10, ge=1, le=100_000)
    redemptions: int = Field(default=30, ge=1, le=100_000)
    claims: int = Field(default=10, ge=1, le=100_000)
    spins: int = Field(default=60, ge=1, le=100_000)


class RiskPolicy(CamelModel):
    """Beyond these in any `windowMinutes`, a member is frozen with reason RISK_AUTO_FREEZE."""

    window_minutes: int = Field(default=60, ge=1, le=10_080)
    max_non_purchase_points: int = Field(default=5000, ge=0, le=1_000_000_000)
    max_redemptions: int = Field(default=100, ge=0, le=1_000_000)


class DeductionPolicy(CamelModel):
    """Points as cash at the merchant's checkout: points per yuan of discount, and the most of an order
    that points may pay."""

    points_per_yuan: int = Field(default=100, ge=1, le=1_000_000)
    max_ratio: float = Field(default=0.5, gt=0, le=1)


class Rules(CamelModel):
    """The rules document. Besides each field's own bounds: the first tier's threshold is 0, thresholds
    strictly ascend, tier names are unique, and pendingDays is at most a rolling expiry's days."""

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
    # Member journey: points when an account opens, and the first purchase's multiplier (after the tier's).
    welcome_bonus: int = Field(default=0, ge=0, le=1_000_000)
    first_purchase_multiplier: float = Field(default=1, gt=0, le=100)
    # Tiers by the points earned in the last N business days (null: by lifetime earned).
    tier_window_days: int | None = Field(default=None, ge=1, le=366)
    # No earn, sign-in or redemption for this many business days: dormant (at least 7, so a member
    # opened in the last 7 days, segment NEW, is never dormant too).
    dormant_days: int = Field(default=90, ge=7, le=3650)
    wake_up_bonus: int = Field(default=0, ge=0, le=1_000_000)
    expiry: Expiry = Field(default_factory=lambda: RollingExpiry(mode="ROLLING", days=365))
    reminder_days: int = Field(default=7, ge=0, le=365)
    rate_limits: RateLimits = Field(default_factory=RateLimits)
    risk: RiskPolicy = Field(default_factory=RiskPolicy)
    # Business days purchase points stay pending (the return window): not spendable, not toward tiers.
    pending_days: int = Field(default=0, ge=0, le=365)
    deduction: DeductionPolicy = Field(default_factory=DeductionPolicy)
    # A redemption costing more points than this waits for an admin's review (null: none does).
    review_above_points: int | None = Field(default=None, ge=0, le=1_000_000_000)
    time_zone: str = Field(
        default="Asia/Shanghai",
        description="an IANA time-zone name (the pinned tzdata package's list)",
        json_schema_extra={"enum": list(TIME_ZONES)},
    )

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if value not in _KNOWN_ZONES:
            raise ValueError(f"unknown time zone {value!r}")
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
