"""The rules document: contract defaults, validation on write, camelCase on the wire."""

from __future__ import annotations

import copy
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from mall.domain.rules import DEFAULT_RULES, AnnualExpiry, RollingExpiry, Rules

CONTRACT_DEFAULTS: dict[str, Any] = {
    "signInRewards": [5, 5, 10, 10, 15, 15, 30],
    "purchasePointsPerYuan": 1,
    "categoryRates": {},
    "tiers": [
        {"name": "MEMBER", "threshold": 0, "multiplier": 1.0},
        {"name": "SILVER", "threshold": 1000, "multiplier": 1.2},
        {"name": "GOLD", "threshold": 5000, "multiplier": 1.5},
        {"name": "DIAMOND", "threshold": 20000, "multiplier": 2.0},
    ],
    "dailyCap": 500,
    "referralReward": 100,
    # Member journey
    "welcomeBonus": 0,
    "firstPurchaseMultiplier": 1,
    "tierWindowDays": None,
    "dormantDays": 90,
    "wakeUpBonus": 0,
    "expiry": {"mode": "ROLLING", "days": 365},
    "reminderDays": 7,
    "rateLimits": {"signIn": 10, "redemptions": 30, "claims": 10, "spins": 60},
    "risk": {"windowMinutes": 60, "maxNonPurchasePoints": 5000, "maxRedemptions": 100},
    "pendingDays": 0,  # purchase returns: points pending for that many business days
    "deduction": {"pointsPerYuan": 100, "maxRatio": 0.5},  # points as cash at the checkout
    "reviewAbovePoints": None,  # no redemption waits for review by its points alone
    "timeZone": "Asia/Shanghai",
}


def _doc(**changes: Any) -> dict[str, Any]:
    doc = copy.deepcopy(CONTRACT_DEFAULTS)
    doc.update(changes)
    return doc


# --- defaults ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "rules", [DEFAULT_RULES, Rules(), Rules.model_validate({})], ids=["DEFAULT", "ctor", "empty"]
)
def test_defaults_are_the_contracts_default_rules(rules: Rules) -> None:
    assert rules.model_dump(by_alias=True, mode="json") == CONTRACT_DEFAULTS


def test_default_fields_in_python() -> None:
    r = DEFAULT_RULES
    assert r.sign_in_rewards == [5, 5, 10, 10, 15, 15, 30]
    assert r.purchase_points_per_yuan == 1
    assert [(t.name, t.threshold, t.multiplier) for t in r.tiers] == [
        ("MEMBER", 0, 1.0),
        ("SILVER", 1000, 1.2),
        ("GOLD", 5000, 1.5),
        ("DIAMOND", 20000, 2.0),
    ]
    assert r.daily_cap == 500
    assert isinstance(r.expiry, RollingExpiry)
    assert r.expiry.days == 365
    assert r.reminder_days == 7
    assert r.time_zone == "Asia/Shanghai"
    assert r.zone == ZoneInfo("Asia/Shanghai")


def test_default_mutables_are_not_shared() -> None:
    first, second = Rules(), Rules()
    first.sign_in_rewards.append(99)
    first.tiers.append(first.tiers[-1])
    first.category_rates["food"] = 2
    assert second.sign_in_rewards == [5, 5, 10, 10, 15, 15, 30]
    assert len(second.tiers) == 4
    assert second.category_rates == {}


# --- validation -------------------------------------------------------------------------------


def _tiers(*thresholds: int) -> list[dict[str, Any]]:
    return [{"name": f"T{i}", "threshold": t, "multiplier": 1.0 + i / 10} for i, t in enumerate(thresholds)]


INVALID: list[tuple[str, dict[str, Any], str]] = [
    ("unknown zone", _doc(timeZone="Mars/Olympus_Mons"), "timeZone"),
    ("zone is a region directory", _doc(timeZone="Asia"), "timeZone"),
    ("zone path traversal", _doc(timeZone="../../etc/passwd"), "timeZone"),
    ("empty zone", _doc(timeZone=""), "timeZone"),
    ("descending tiers", _doc(tiers=_tiers(0, 5000, 1000)), "tiers"),
    ("duplicate thresholds", _doc(tiers=_tiers(0, 1000, 1000)), "tiers"),
    ("duplicate zero threshold", _doc(tiers=_tiers(0, 0)), "tiers"),
    ("first tier not zero", _doc(tiers=_tiers(100, 1000)), "tiers"),
    ("single tier not zero", _doc(tiers=_tiers(1)), "tiers"),
    ("negative threshold", _doc(tiers=_tiers(0, -5)), "tiers"),
    ("no tiers", _doc(tiers=[]), "tiers"),
    (
        "duplicate tier names",
        _doc(
            tiers=[
                {"name": "A", "threshold": 0, "multiplier": 1},
                {"name": "A", "threshold": 9, "multiplier": 2},
            ]
        ),
        "tiers",
    ),
    ("zero multiplier", _doc(tiers=[{"name": "A", "threshold": 0, "multiplier": 0}]), "tiers"),
    ("negative daily cap", _doc(dailyCap=-1), "dailyCap"),
    ("negative reminder days", _doc(reminderDays=-1), "reminderDays"),
    ("negative points per yuan", _doc(purchasePointsPerYuan=-0.5), "purchasePointsPerYuan"),
    ("negative category rate", _doc(categoryRates={"food": -1}), "categoryRates"),
    ("negative sign-in reward", _doc(signInRewards=[5, -5]), "signInRewards"),
    ("no sign-in rewards", _doc(signInRewards=[]), "signInRewards"),
    ("unknown expiry mode", _doc(expiry={"mode": "MONTHLY"}), "expiry"),
    ("expiry without mode", _doc(expiry={"days": 30}), "expiry"),
    ("rolling without days", _doc(expiry={"mode": "ROLLING"}), "expiry"),
    ("rolling zero days", _doc(expiry={"mode": "ROLLING", "days": 0}), "expiry"),
    ("annual with days", _doc(expiry={"mode": "ANNUAL", "days": 30}), "expiry"),
    ("unknown top-level field", _doc(bonusPoints=10), "bonusPoints"),
    (
        "unknown tier field",
        _doc(tiers=[{"name": "A", "threshold": 0, "multiplier": 1, "color": "red"}]),
        "color",
    ),
    ("unknown expiry field", _doc(expiry={"mode": "ROLLING", "days": 30, "grace": 1}), "grace"),
]


@pytest.mark.parametrize(("doc", "field"), [(d, f) for _, d, f in INVALID], ids=[i for i, _, _ in INVALID])
def test_invalid_documents_are_rejected_naming_the_field(doc: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        Rules.model_validate(doc)
    described = " ".join(
        ".".join(str(part) for part in error["loc"]) + " " + error["msg"] for error in excinfo.value.errors()
    )
    assert field in described


@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Europe/Berlin", "Asia/Shanghai"])
def test_known_zones_are_accepted(zone: str) -> None:
    rules = Rules.model_validate(_doc(timeZone=zone))
    assert rules.zone == ZoneInfo(zone)


def test_annual_expiry_and_custom_values_are_accepted() -> None:
    rules = Rules.model_validate(
        _doc(
            expiry={"mode": "ANNUAL"},
            tiers=_tiers(0, 1, 2),
            categoryRates={"food": 1.5, "books": 0},
            dailyCap=0,
            reminderDays=0,
            signInRewards=[0],
        )
    )
    assert isinstance(rules.expiry, AnnualExpiry)
    assert [t.threshold for t in rules.tiers] == [0, 1, 2]
    assert rules.category_rates == {"food": 1.5, "books": 0}
    assert rules.daily_cap == 0


def test_snake_case_names_are_accepted_in_python() -> None:
    rules = Rules(daily_cap=100, time_zone="UTC", sign_in_rewards=[1, 2])
    assert (rules.daily_cap, rules.time_zone, rules.sign_in_rewards) == (100, "UTC", [1, 2])


# --- wire format ------------------------------------------------------------------------------

CUSTOM = _doc(
    signInRewards=[1, 2, 3],
    purchasePointsPerYuan=0.7,
    categoryRates={"food": 1.5, "digital": 0.3},
    tiers=[
        {"name": "BASIC", "threshold": 0, "multiplier": 1.0},
        {"name": "VIP", "threshold": 300, "multiplier": 1.25},
    ],
    dailyCap=42,
    expiry={"mode": "ANNUAL"},
    reminderDays=3,
    timeZone="America/New_York",
)


@pytest.mark.parametrize("doc", [CONTRACT_DEFAULTS, CUSTOM], ids=["defaults", "custom"])
def test_camel_case_round_trip(doc: dict[str, Any]) -> None:
    rules = Rules.model_validate(doc)
    dumped = rules.model_dump(by_alias=True)
    assert Rules.model_validate(dumped) == rules
    assert Rules.model_validate_json(rules.model_dump_json(by_alias=True)) == rules
    assert rules.model_dump(by_alias=True, mode="json") == doc


def test_wire_names_are_camel_case() -> None:
    dumped = DEFAULT_RULES.model_dump(by_alias=True)
    assert set(dumped) == set(CONTRACT_DEFAULTS)
    assert not any("_" in key for key in dumped)
    assert set(dumped["tiers"][0]) == {"name", "threshold", "multiplier"}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"deduction": {"pointsPerYuan": 0, "maxRatio": 0.5}}, "pointsPerYuan"),
        ({"deduction": {"pointsPerYuan": 100, "maxRatio": 0}}, "maxRatio"),
        ({"deduction": {"pointsPerYuan": 100, "maxRatio": 1.5}}, "maxRatio"),
        ({"reviewAbovePoints": -1}, "reviewAbovePoints"),
        ({"reviewAbovePoints": "100"}, "reviewAbovePoints"),
    ],
)
def test_spending_fields_are_validated_naming_the_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        Rules.model_validate(_doc(**changes))
    assert field in str(raised.value)
