"""Members: login, profile, ledger, sign-in, earn, notifications, and the admin's member views."""

from __future__ import annotations

from typing import Annotated, Self

from aws_lambda_powertools.event_handler.openapi.params import Path
from pydantic import ConfigDict, Field, field_validator, model_validator

from mall.api.wire.common import ID_PATTERN, WireModel
from mall.domain.calendar import iso
from mall.domain.earning import EarnKind, EarnResult, SignInResult
from mall.domain.journey import Segment
from mall.domain.ledger import LedgerEntry
from mall.domain.members import Adjusted
from mall.domain.notifications import Notification
from mall.domain.profile import Profile
from mall.domain.reversal import ReversalResult
from mall.services.login import Session


class LoginBody(WireModel):
    code: str = Field(min_length=1, max_length=256)
    invite_code: str | None = Field(
        default=None,
        max_length=32,
        description="a friend's invite code: rewards both when this login opens the account",
    )


class LoginView(WireModel):
    token: str
    member_id: str | None
    expires_at: str

    @classmethod
    def of(cls, session: Session) -> LoginView:
        return cls(token=session.token, member_id=session.member_id, expires_at=iso(session.expires_at))


class TierView(WireModel):
    name: str
    level: int
    points_in_window: int | None = Field(
        default=None, description="with the rules' tierWindowDays: points earned in the window (else null)"
    )


class NextTierView(WireModel):
    name: str
    points_needed: int


class SignInView(WireModel):
    streak: int
    signed_in_today: bool


class ExpiringView(WireModel):
    points: int
    expires_at: str


class PendingView(WireModel):
    points: int
    available_at: str = Field(description="the start of the business day the points become spendable")


class ProfileView(WireModel):
    member_id: str
    balance: int
    lifetime_earned: int
    frozen: bool
    tier: TierView
    next_tier: NextTierView | None
    sign_in: SignInView
    expiring: list[ExpiringView]
    pending: list[PendingView] = Field(
        description="purchase points not spendable yet (outside the balance and tier progress)"
    )
    shortfall: int = Field(
        description="reversed points the balance could not cover, repaid first out of the next earnings"
    )
    invite_code: str | None = Field(description="the member's own code for inviting friends")

    @classmethod
    def fields_of(cls, p: Profile) -> dict[str, object]:
        return {
            "member_id": p.member_id,
            "balance": p.balance,
            "lifetime_earned": p.lifetime_earned,
            "frozen": p.frozen,
            "tier": TierView(name=p.tier.name, level=p.tier.level, points_in_window=p.tier.points_in_window),
            "next_tier": NextTierView(name=p.next_tier.name, points_needed=p.next_tier.points_needed)
            if p.next_tier
            else None,
            "sign_in": SignInView(streak=p.streak, signed_in_today=p.signed_in_today),
            "expiring": [ExpiringView(points=e.points, expires_at=e.expires_at) for e in p.expiring],
            "pending": [PendingView(points=e.points, available_at=e.available_at) for e in p.pending],
            "shortfall": p.shortfall,
            "invite_code": p.invite_code,
        }

    @classmethod
    def of(cls, profile: Profile) -> Self:
        return cls.model_validate(cls.fields_of(profile))


class AdminProfileView(ProfileView):
    frozen_reason: str | None
    segment: Segment | None = Field(
        description="NEW, ACTIVE or DORMANT (null for an account opened before segments were kept)"
    )

    @classmethod
    def of(cls, profile: Profile) -> Self:
        extra = {"frozen_reason": profile.frozen_reason, "segment": profile.segment}
        return cls.model_validate(cls.fields_of(profile) | extra)


class LedgerEntryView(WireModel):
    entry_id: str
    type: str
    source: str
    delta: int
    balance_after: int
    ref: str | None
    note: str | None
    created_at: str

    @classmethod
    def of(cls, e: LedgerEntry) -> LedgerEntryView:
        return cls(
            entry_id=e.entry_id,
            type=e.type.value,
            source=e.source,
            delta=e.delta,
            balance_after=e.balance_after,
            ref=e.ref,
            note=e.note,
            created_at=iso(e.created_at),
        )


class SignInResultView(WireModel):
    awarded: int
    streak: int
    balance: int
    shortfall_repaid: int = Field(description="the part of `awarded` that repaid a reversal shortfall")

    @classmethod
    def of(cls, r: SignInResult) -> SignInResultView:
        return cls(awarded=r.awarded, streak=r.streak, balance=r.balance, shortfall_repaid=r.shortfall_repaid)


class EarnBody(WireModel):
    # PURCHASE needs amountFen, TASK and CAMPAIGN need points: said in the schema too, not only checked.
    model_config = ConfigDict(
        json_schema_extra={
            "if": {"properties": {"kind": {"const": "PURCHASE"}}},
            "then": {"required": ["amountFen"], "properties": {"amountFen": {"type": "integer"}}},
            "else": {"required": ["points"], "properties": {"points": {"type": "integer"}}},
        }
    )

    member_id: str = Field(pattern=ID_PATTERN)
    event_id: str = Field(min_length=1, max_length=128)
    kind: EarnKind
    amount_fen: int | None = Field(default=None, ge=1, le=10_000_000_000, strict=True)
    category: str | None = Field(default=None, min_length=1, max_length=64)
    points: int | None = Field(default=None, ge=1, le=10_000_000, strict=True)
    note: str | None = Field(default=None, max_length=256)
    task_kind: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9_-]{1,32}$",
        description="with kind TASK: which tasks with progress it counts toward (e.g. SURVEY, SHARE)",
    )

    @model_validator(mode="after")
    def _amount_or_points(self) -> Self:
        if self.kind is EarnKind.PURCHASE and self.amount_fen is None:
            raise ValueError("amountFen is required for kind PURCHASE")
        if self.kind is not EarnKind.PURCHASE and self.points is None:
            raise ValueError(f"points is required for kind {self.kind.value}")
        if self.task_kind is not None and self.kind is not EarnKind.TASK:
            raise ValueError("taskKind: only an event of kind TASK carries a taskKind")
        return self


class EarnResultView(WireModel):
    awarded: int = Field(description="points awarded, pending ones included")
    balance: int = Field(description="spendable points only")
    expires_at: str | None
    replayed: bool = False
    pending_until: str | None = Field(
        description="when pending purchase points become spendable; null when they are spendable now"
    )
    shortfall_repaid: int = Field(description="the part of `awarded` that repaid a reversal shortfall")

    @classmethod
    def of(cls, r: EarnResult) -> EarnResultView:
        return cls(
            awarded=r.awarded,
            balance=r.balance,
            expires_at=r.expires_at,
            replayed=r.replayed,
            pending_until=r.pending_until,
            shortfall_repaid=r.shortfall_repaid,
        )


# As long as the eventId `POST /earn` takes; a path segment, so it never holds a '/'.
EventId = Annotated[
    str, Path(min_length=1, max_length=128, description="the eventId the purchase was earned under")
]


class ReverseBody(WireModel):
    reason: str = Field(min_length=1, max_length=256)
    amount_fen: int | None = Field(
        default=None,
        ge=1,
        le=10_000_000_000,
        strict=True,
        description="the part of the purchase refunded; omitted: all of it that is not refunded yet",
    )
    refund_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=128,
        description="the merchant's refund id: the reversal is idempotent on it (default: on the amount)",
    )
    member_id: str | None = Field(
        default=None,
        pattern=ID_PATTERN,
        description="the purchase's member (optional): saves a read; another member's event is 404",
    )


class ReversalView(WireModel):
    reversed: int = Field(description="every point this reversal took back: pending, spendable and shortfall")
    balance: int
    shortfall: int = Field(description="the part of `reversed` the balance could not cover")
    replayed: bool

    @classmethod
    def of(cls, r: ReversalResult) -> ReversalView:
        return cls(reversed=r.reversed, balance=r.balance, shortfall=r.shortfall, replayed=r.replayed)


class NotificationView(WireModel):
    notification_id: str
    type: str
    points: int | None
    expires_at: str | None
    created_at: str

    @classmethod
    def of(cls, n: Notification) -> NotificationView:
        return cls(
            notification_id=n.notification_id,
            type=n.type.value,
            points=n.points,
            expires_at=n.expires_at,
            created_at=n.created_at,
        )


class ReasonBody(WireModel):
    reason: str = Field(min_length=1, max_length=256)


class AdjustBody(WireModel):
    delta: int = Field(
        ge=-100_000_000,
        le=100_000_000,
        strict=True,
        description="points to add (> 0) or take (< 0); not 0",
        json_schema_extra={"not": {"const": 0}},
    )
    reason: str = Field(min_length=1, max_length=256)

    @field_validator("delta")
    @classmethod
    def _not_zero(cls, value: int) -> int:
        if value == 0:
            raise ValueError("must not be 0")
        return value


class AdjustmentView(WireModel):
    member_id: str
    delta: int
    balance: int
    entry_id: str

    @classmethod
    def of(cls, a: Adjusted) -> AdjustmentView:
        return cls(member_id=a.member_id, delta=a.delta, balance=a.balance, entry_id=a.entry_id)
