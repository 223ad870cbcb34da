"""Read models the API returns (camelCase on the wire)."""

from __future__ import annotations

from mall.api.models import WireModel


class TierView(WireModel):
    name: str
    level: int


class NextTierView(WireModel):
    name: str
    points_needed: int


class SignInView(WireModel):
    streak: int
    signed_in_today: bool


class ExpiringView(WireModel):
    points: int
    expires_at: str


class ProfileView(WireModel):
    member_id: str
    balance: int
    lifetime_earned: int
    frozen: bool
    tier: TierView
    next_tier: NextTierView | None
    sign_in: SignInView
    expiring: list[ExpiringView]


class AdminProfileView(ProfileView):
    frozen_reason: str | None


class LedgerEntryView(WireModel):
    entry_id: str
    type: str
    source: str
    delta: int
    balance_after: int
    ref: str | None
    note: str | None
    created_at: str


class EarnResultView(WireModel):
    awarded: int
    balance: int
    expires_at: str | None
    replayed: bool = False


class SignInResultView(WireModel):
    awarded: int
    streak: int
    balance: int


class LoginView(WireModel):
    token: str
    member_id: str | None
    expires_at: str
