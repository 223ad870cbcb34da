"""Campaigns (moto in-process): scheduling, listing, and the multiplier inside the window for purchases,
tasks and sign-ins, after the tier multiplier, rounded once, under the daily cap, without stacking."""

from __future__ import annotations

from typing import Any

import pytest

from tests.bench.meter import Meter
from tests.conftest import Clock, Invoke, Tokens, _reset_caches

NOW = "2030-06-15T12:00:00+08:00"
TODAY = {"startsAt": "2030-06-15T00:00:00+08:00", "endsAt": "2030-06-16T00:00:00+08:00"}


def campaign(invoke: Invoke, admin: str, **fields: Any) -> Any:
    body = {"name": "积分翻倍日", "multiplier": 2, **TODAY, "kinds": ["PURCHASE"], **fields}
    status, created = invoke("campaigns", "POST", "/admin/campaigns", body, admin)
    assert status == 201, created
    return created


def earn(invoke: Invoke, service: str, member: str, event: str, **body: Any) -> int:
    status, answer = invoke(
        "earn", "POST", "/earn", {"memberId": member, "eventId": event, "kind": "PURCHASE", **body}, service
    )
    assert status == 200, answer
    return int(answer["awarded"])


@pytest.fixture
def now(clock: Clock) -> Clock:
    clock.set(NOW)
    return clock


def test_created_campaign_is_listed_while_active_or_upcoming(
    invoke: Invoke, tokens: Tokens, now: Clock
) -> None:
    admin, member = tokens.admin(), tokens.member("alice")
    active = campaign(invoke, admin, kinds=["PURCHASE", "SIGN_IN"], multiplier=1.5)
    assert active["campaignId"] and active["status"] == "ACTIVE"
    assert (active["multiplier"], active["kinds"], active["categories"]) == (
        1.5,
        ["PURCHASE", "SIGN_IN"],
        None,
    )
    upcoming = campaign(
        invoke, admin, startsAt="2030-07-01T00:00:00+08:00", endsAt="2030-07-02T00:00:00+08:00"
    )
    page = invoke("campaigns", "GET", "/campaigns", token=member)[1]
    assert [(c["campaignId"], c["status"]) for c in page["items"]] == [
        (active["campaignId"], "ACTIVE"),
        (upcoming["campaignId"], "UPCOMING"),
    ]
    first = invoke("campaigns", "GET", "/campaigns", token=member, query={"limit": "1"})[1]
    assert [c["campaignId"] for c in first["items"]] == [active["campaignId"]] and first["nextCursor"]
    rest = invoke(
        "campaigns", "GET", "/campaigns", token=member, query={"limit": "1", "cursor": first["nextCursor"]}
    )[1]
    assert [c["campaignId"] for c in rest["items"]] == [upcoming["campaignId"]] and rest["nextCursor"] is None

    now.set("2030-06-20T12:00:00+08:00")  # the first one has ended
    listed = invoke("campaigns", "GET", "/campaigns", token=tokens.member("alice"))[1]["items"]
    assert [c["campaignId"] for c in listed] == [upcoming["campaignId"]]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"endsAt": "2030-06-14T00:00:00+08:00"}, "endsAt"),
        ({"startsAt": "2030-06-15T00:00:00"}, "startsAt"),
        ({"multiplier": 0.5}, "multiplier"),
        ({"multiplier": "2"}, "multiplier"),
        ({"kinds": []}, "kinds"),
        ({"kinds": ["BIRTHDAY"]}, "kinds"),
        ({"kinds": ["TASK", "TASK"]}, "kinds"),
        ({"categories": ["a#b"]}, "categories"),
        ({"name": ""}, "name"),
    ],
)
def test_campaign_validation_names_the_field(
    invoke: Invoke, tokens: Tokens, now: Clock, change: dict[str, Any], field: str
) -> None:
    body = {"name": "x", "multiplier": 2, **TODAY, "kinds": ["PURCHASE"], **change}
    status, answer = invoke("campaigns", "POST", "/admin/campaigns", body, tokens.admin())
    assert (status, answer["error"]["code"]) == (400, "VALIDATION_ERROR")
    assert field in answer["error"]["message"]


def test_only_admins_schedule_campaigns(invoke: Invoke, tokens: Tokens, now: Clock) -> None:
    body = {"name": "x", "multiplier": 2, **TODAY, "kinds": ["PURCHASE"]}
    status, answer = invoke("campaigns", "POST", "/admin/campaigns", body, tokens.member())
    assert (status, answer["error"]["code"]) == (403, "FORBIDDEN")
    assert invoke("campaigns", "GET", "/campaigns")[0] == 401


def test_purchase_points_are_multiplied_after_the_tier_and_rounded_once(
    invoke: Invoke, tokens: Tokens, now: Clock
) -> None:
    admin, service = tokens.admin(), tokens.service()
    tokens.member("alice")
    assert earn(invoke, service, "alice", "before", amountFen=1299) == 12  # no campaign yet
    campaign(invoke, admin, multiplier=1.5)
    # ⌊1299 × 1 × 1.5 / 100⌋ = ⌊19.485⌋ = 19 (rounding the un-boosted 12 first would give 18)
    assert earn(invoke, service, "alice", "boosted", amountFen=1299) == 19
    assert earn(invoke, service, "alice", "to-silver", amountFen=100_000) == 1500  # lifetime now ≥ 1000
    # SILVER ×1.2, then the campaign ×1.5: ⌊1299 × 1.2 × 1.5 / 100⌋ = ⌊23.382⌋ = 23
    assert earn(invoke, service, "alice", "silver", amountFen=1299) == 23


def test_overlapping_campaigns_do_not_stack(invoke: Invoke, tokens: Tokens, now: Clock) -> None:
    admin, service = tokens.admin(), tokens.service()
    tokens.member("alice")
    campaign(invoke, admin, multiplier=1.5)
    campaign(invoke, admin, multiplier=3, kinds=["TASK"])  # another kind: not for purchases
    campaign(invoke, admin, multiplier=2)
    assert earn(invoke, service, "alice", "p", amountFen=1000) == 20  # ×2, not ×3 nor ×1.5×2


def test_task_points_are_multiplied_then_capped(invoke: Invoke, tokens: Tokens, now: Clock) -> None:
    admin, service = tokens.admin(), tokens.service()
    tokens.member("alice")
    campaign(invoke, admin, kinds=["TASK"], multiplier=2)
    assert earn(invoke, service, "alice", "t1", kind="TASK", points=150) == 300
    assert earn(invoke, service, "alice", "t2", kind="TASK", points=150) == 200  # the cap of 500 holds
    assert earn(invoke, service, "alice", "t3", kind="TASK", points=1) == 0
    replay = {"memberId": "alice", "eventId": "t3", "kind": "TASK", "points": 1}
    replayed = invoke("earn", "POST", "/earn", replay, service)[1]
    assert (replayed["awarded"], replayed["expiresAt"], replayed["replayed"]) == (0, None, True)
    assert earn(invoke, service, "alice", "c1", kind="CAMPAIGN", points=7) == 0  # same cap, not boosted


def test_sign_in_reward_is_multiplied_inside_the_window_only(
    invoke: Invoke, tokens: Tokens, now: Clock
) -> None:
    admin, alice = tokens.admin(), tokens.member("alice")
    campaign(invoke, admin, kinds=["SIGN_IN"], multiplier=2.5)
    assert invoke("sign_in", "POST", "/sign-in", token=alice)[1]["awarded"] == 12  # ⌊5 × 2.5⌋
    now.set("2030-06-16T12:00:00+08:00")  # the campaign ended at midnight
    assert (
        invoke("sign_in", "POST", "/sign-in", token=tokens.member("alice"))[1]["awarded"] == 5
    )  # day 2: 5, not boosted


def test_categories_narrow_purchase_campaigns(invoke: Invoke, tokens: Tokens, now: Clock) -> None:
    admin, service = tokens.admin(), tokens.service()
    tokens.member("alice")
    assert campaign(invoke, admin, categories=[], multiplier=1.5)["categories"] is None  # empty: all
    campaign(invoke, admin, categories=["electronics"])
    assert earn(invoke, service, "alice", "e", amountFen=1000, category="electronics") == 20
    assert earn(invoke, service, "alice", "h", amountFen=1000, category="home") == 15
    assert earn(invoke, service, "alice", "n", amountFen=1000) == 15


def test_a_campaign_that_has_not_started_multiplies_nothing(
    invoke: Invoke, tokens: Tokens, now: Clock
) -> None:
    admin, service = tokens.admin(), tokens.service()
    tokens.member("alice")
    campaign(invoke, admin, startsAt="2030-06-15T13:00:00+08:00")
    assert earn(invoke, service, "alice", "early", amountFen=1000) == 10
    now.advance(3600)
    assert earn(invoke, service, "alice", "on-time", amountFen=1000) == 20


def test_earn_and_sign_in_read_campaigns_from_the_rules_cache(
    invoke: Invoke, tokens: Tokens, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the cache warm, neither the table's client nor the cache's own client makes a request for
    the campaigns: earn and sign-in keep their one read and one write."""
    clock.set(NOW)
    admin, service, alice = tokens.admin(), tokens.service(), tokens.member("alice")
    campaign(invoke, admin, kinds=["PURCHASE", "SIGN_IN"])
    monkeypatch.setenv("RULES_CACHE_SECONDS", "30")
    _reset_caches()
    from mall.data import dynamo, rules_store

    table, cache = Meter(dynamo.client()), Meter(rules_store._provider().table.meta.client)
    assert earn(invoke, service, "alice", "warm", amountFen=1000) == 20  # fills the cache: one query
    assert dict(cache.calls) == {"Query": 1}
    table.reset()
    cache.reset()
    assert earn(invoke, service, "alice", "e2", amountFen=1000) == 20
    assert invoke("sign_in", "POST", "/sign-in", token=alice)[1]["awarded"] == 10
    assert dict(table.calls) == {"GetItem": 2, "TransactWriteItems": 2} and not cache.calls
