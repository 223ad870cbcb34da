"""The member journey over HTTP on the local stack (DynamoDB Local serialises writes to an item as
DynamoDB does), moving the clock: welcome and first-purchase bonuses paid once (also when two first
purchases race), a weekly task paid once per week under concurrent events and replays, a member falling
from SILVER to MEMBER when the tier window moves on, one wake-up per dormant spell (also when two runs
race), segment counts that match the members; every ledger sums to its balance.

The tests share one stack and run in file order on a clock that only moves forward."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from local_stack.local_server import running_stack
from tests.stack.test_concurrency import Api, ledger_sum, race

RUN = uuid.uuid4().hex[:6]
MEMBERS: list[str] = []  # every member this module opened (the segment counts must match them)


@pytest.fixture(scope="module")
def api() -> Iterator[Api]:
    # No seed: every member of this stack is one of these tests', so segment counts are known exactly.
    with running_stack(workers=6, seed=False) as stack:
        yield Api(stack.url)


def at(api: Api, now: str) -> None:
    assert api.call("POST", "/_local/clock", {"now": now})[0] == 200


def member(api: Api, name: str) -> tuple[str, str]:
    member_id = f"j{RUN}{name}"
    if member_id not in MEMBERS:
        MEMBERS.append(member_id)
    return member_id, api.login(f"dev:{member_id}")


def set_rules(api: Api, **changes: Any) -> None:
    admin = api.login("dev-admin:ops")
    rules = api.call("GET", "/admin/rules", token=admin)[1]
    rules.pop("version", None)
    status, body = api.call("PUT", "/admin/rules", {**rules, **changes}, admin)
    assert status == 200, body
    time.sleep(1.2)  # the local stack caches rules for 1 second


def earn(api: Api, member_id: str, event: str, **body: Any) -> tuple[int, Any]:
    shop = api.login("dev-service:shop")
    return api.call("POST", "/earn", {"memberId": member_id, "eventId": event, **body}, shop)


def ledger(api: Api, token: str) -> list[dict[str, Any]]:
    status, page = api.call("GET", "/me/ledger?limit=100", token=token)
    assert status == 200
    return list(page["items"])


def balanced(api: Api, token: str) -> int:
    balance = int(api.call("GET", "/me", token=token)[1]["balance"])
    assert ledger_sum(api, token) == balance
    return balance


def test_welcome_and_first_purchase_are_paid_once_even_when_they_race(api: Api) -> None:
    at(api, "2031-03-03T10:00:00+08:00")
    set_rules(api, welcomeBonus=50, firstPurchaseMultiplier=2)
    ids = [f"j{RUN}w{i}" for i in range(8)]
    MEMBERS.extend(ids)
    # Four first logins of each member at once: the account opens once, with one welcome bonus.
    logins = race(32, lambda i: api.call("POST", "/auth/login", {"code": f"dev:{ids[i % 8]}"}))
    assert {status for status, _ in logins} == {200}

    # Two first purchases of each member at once: exactly one is first (multiplied).
    answers = race(
        16, lambda i: earn(api, ids[i % 8], f"{ids[i % 8]}-p{i // 8}", kind="PURCHASE", amountFen=10_000)
    )
    assert {status for status, _ in answers} == {200}
    assert Counter(body["awarded"] for _, body in answers) == {200: 8, 100: 8}
    for member_id in ids:
        token = api.login(f"dev:{member_id}")
        sources = Counter((e["source"], e["delta"]) for e in ledger(api, token))
        assert sources == {("WELCOME", 50): 1, ("FIRST_PURCHASE", 200): 1, ("PURCHASE", 100): 1}
        profile = api.call("GET", "/me", token=token)[1]
        assert profile["lifetimeEarned"] == 350
        assert balanced(api, token) == 350
    set_rules(api, welcomeBonus=0, firstPurchaseMultiplier=1)


def test_a_weekly_task_pays_once_per_week_under_concurrent_events_and_replays(api: Api) -> None:
    at(api, "2031-03-05T10:00:00+08:00")  # a Wednesday
    admin = api.login("dev-admin:ops")
    task = {"name": "三次问卷", "event": "TASK", "taskKind": "SURVEY", "target": 3, "period": "WEEK"}
    task["rewardPoints"] = 100
    assert api.call("PUT", f"/admin/tasks/survey-{RUN}", task, admin)[0] == 200
    time.sleep(1.2)  # task definitions ride on the rules' cache
    member_id, _ = member(api, "tasker")

    def survey(i: int) -> tuple[int, Any]:  # 6 distinct events, each sent twice at once
        return earn(api, member_id, f"{member_id}-s{i % 6}", kind="TASK", points=1, taskKind="SURVEY")

    answers = race(12, survey)
    assert {status for status, _ in answers} == {200}, answers
    assert sum(1 for _, body in answers if body["replayed"]) == 6
    token = api.login(f"dev:{member_id}")
    rewards = [e for e in ledger(api, token) if e["source"] == "TASK_REWARD"]
    assert [(e["type"], e["delta"]) for e in rewards] == [("EARN", 100)]
    mine = api.call("GET", "/me/tasks", token=token)[1]["items"]
    standing = next(t for t in mine if t["taskId"] == f"survey-{RUN}")
    assert (standing["progress"], standing["completed"]) == (3, True)
    assert standing["periodEndsAt"] == "2031-03-09T23:59:59+08:00"

    at(api, "2031-03-10T10:00:00+08:00")  # Monday: a new week
    answers = race(
        8, lambda i: earn(api, member_id, f"{member_id}-n{i}", kind="TASK", points=1, taskKind="SURVEY")
    )
    assert {status for status, _ in answers} == {200}
    token = api.login(f"dev:{member_id}")
    assert sum(1 for e in ledger(api, token) if e["source"] == "TASK_REWARD") == 2
    assert balanced(api, token) == 6 + 8 + 200


def test_a_member_falls_from_silver_to_member_when_the_window_passes(api: Api) -> None:
    at(api, "2031-03-11T10:00:00+08:00")
    set_rules(api, tierWindowDays=30)
    member_id, token = member(api, "silver")
    assert earn(api, member_id, f"{member_id}-p", kind="PURCHASE", amountFen=100_000)[0] == 200
    profile = api.call("GET", "/me", token=token)[1]
    assert profile["tier"] == {"name": "SILVER", "level": 2, "pointsInWindow": 1000}
    at(api, "2031-04-10T10:00:00+08:00")  # 30 business days later, without earning: no job runs
    token, admin = api.login(f"dev:{member_id}"), api.login("dev-admin:ops")
    profile = api.call("GET", "/me", token=token)[1]
    assert profile["tier"] == {"name": "MEMBER", "level": 1, "pointsInWindow": 0}
    assert profile["nextTier"] == {"name": "SILVER", "pointsNeeded": 1000}
    assert api.call("GET", f"/admin/members/{member_id}", token=admin)[1]["tier"]["name"] == "MEMBER"
    assert earn(api, member_id, f"{member_id}-p2", kind="PURCHASE", amountFen=1_000)[1]["awarded"] == 10
    assert balanced(api, token) == 1010
    set_rules(api, tierWindowDays=None)


def run_wake_up(api: Api) -> dict[str, Any]:
    status, result = api.call("POST", "/_local/jobs/WakeUpFunction/run")
    assert status == 200, result
    return dict(result)


def test_a_dormant_member_gets_one_wake_up_per_spell(api: Api) -> None:
    at(api, "2031-04-11T10:00:00+08:00")
    set_rules(api, dormantDays=30, wakeUpBonus=10)
    member_id, token = member(api, "sleeper")
    assert earn(api, member_id, f"{member_id}-p", kind="PURCHASE", amountFen=5_000)[0] == 200

    def notified() -> list[dict[str, Any]]:
        token = api.login(f"dev:{member_id}")
        items = api.call("GET", "/me/notifications", token=token)[1]["items"]
        return [n for n in items if n["type"] == "WAKE_UP"]

    at(api, "2031-05-11T11:00:00+08:00")  # 30 days without earn, sign-in or redemption
    race(2, lambda i: (200, run_wake_up(api)))  # two runs at once: still one wake-up
    run_wake_up(api)
    assert [(n["points"], n["expiresAt"]) for n in notified()] == [(50, "2032-04-10T23:59:59+08:00")]
    token = api.login(f"dev:{member_id}")
    assert balanced(api, token) == 60

    at(api, "2031-05-12T11:00:00+08:00")
    assert api.call("POST", "/sign-in", token=api.login(f"dev:{member_id}"))[0] == 200  # a new spell
    at(api, "2031-06-11T11:00:00+08:00")
    run_wake_up(api)
    run_wake_up(api)
    assert len(notified()) == 2
    assert balanced(api, api.login(f"dev:{member_id}")) == 50 + 10 + 5 + 10


def until(condition: Callable[[], bool], seconds: float = 15.0) -> None:
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < seconds, f"not within {seconds:.0f} s"
        time.sleep(0.3)


def test_segment_counts_match_the_members(api: Api) -> None:
    at(api, "2031-06-20T10:00:00+08:00")
    fresh, _ = member(api, "fresh")  # NEW: opened today, no purchase
    buyer, _ = member(api, "buyer")  # ACTIVE: opened today, purchased
    assert earn(api, buyer, f"{buyer}-p", kind="PURCHASE", amountFen=100)[0] == 200
    admin = api.login("dev-admin:ops")

    def by_member() -> Counter[str]:
        return Counter(api.call("GET", f"/admin/members/{m}", token=admin)[1]["segment"] for m in MEMBERS)

    expected = by_member()
    assert expected["NEW"] >= 1 and expected["DORMANT"] >= 1 and expected["ACTIVE"] >= 1, expected

    def counted() -> bool:
        body = api.call("GET", "/admin/segments", token=admin)[1]
        return all(body[k] == expected.get(k, 0) for k in ("NEW", "ACTIVE", "DORMANT"))

    until(counted)  # the counters follow the stream (within 10 seconds)
    assert earn(api, fresh, f"{fresh}-p", kind="PURCHASE", amountFen=100)[0] == 200  # no longer new
    expected = by_member()
    until(counted)
