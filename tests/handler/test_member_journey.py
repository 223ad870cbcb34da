"""Member journey (moto in-process): welcome and first-purchase bonuses, tasks with progress, the tier
window, the wake-up of dormant members, segments on the admin member view. Concurrency is on the stack
(tests/stack/test_journey_stack.py)."""

from __future__ import annotations

from typing import Any

from tests.conftest import Clock, FakeContext, Invoke, Tokens, load_handler


def set_rules(invoke: Invoke, admin: str, **changes: Any) -> None:
    rules = invoke("admin_rules", "GET", "/admin/rules", token=admin)[1]
    rules.pop("version", None)
    status, body = invoke("admin_rules", "PUT", "/admin/rules", {**rules, **changes}, admin)
    assert status == 200, body


def ledger(invoke: Invoke, token: str) -> list[dict[str, Any]]:
    return list(invoke("member", "GET", "/me/ledger", token=token, query={"limit": "100"})[1]["items"])


def me(invoke: Invoke, token: str) -> dict[str, Any]:
    status, body = invoke("member", "GET", "/me", token=token)
    assert status == 200, body
    return dict(body)


def balanced(invoke: Invoke, token: str) -> int:
    """The member's balance, checked against the ledger's sum."""
    balance = me(invoke, token)["balance"]
    assert sum(e["delta"] for e in ledger(invoke, token)) == balance
    return int(balance)


def earn(invoke: Invoke, tokens: Tokens, member: str, event: str, **body: Any) -> dict[str, Any]:
    """As the merchant, with a fresh token (tests move the clock across days; tokens last 2 hours)."""
    body = {"memberId": member, "eventId": event, **body}
    status, answer = invoke("earn", "POST", "/earn", body, tokens.service())
    assert status == 200, answer
    return dict(answer)


def test_welcome_bonus_once_when_the_account_opens(invoke: Invoke, tokens: Tokens) -> None:
    admin = tokens.admin()
    set_rules(invoke, admin, welcomeBonus=50)
    tokens.member("alice")
    tokens.member("alice")  # a second login opens nothing
    entries = ledger(invoke, tokens.member("alice"))
    assert [(e["type"], e["source"], e["delta"]) for e in entries] == [("EARN", "WELCOME", 50)]
    profile = me(invoke, tokens.member("alice"))
    assert (profile["balance"], profile["lifetimeEarned"]) == (50, 50)
    assert balanced(invoke, tokens.member("alice")) == 50


def test_first_purchase_is_multiplied_once(invoke: Invoke, tokens: Tokens) -> None:
    admin = tokens.admin()
    set_rules(invoke, admin, firstPurchaseMultiplier=2)
    tokens.member("alice")
    assert earn(invoke, tokens, "alice", "t1", kind="TASK", points=5)["awarded"] == 5  # not a purchase
    assert earn(invoke, tokens, "alice", "p1", kind="PURCHASE", amountFen=12_345)["awarded"] == 246
    assert earn(invoke, tokens, "alice", "p1", kind="PURCHASE", amountFen=12_345)["replayed"] is True
    assert earn(invoke, tokens, "alice", "p2", kind="PURCHASE", amountFen=12_345)["awarded"] == 123
    sources = [(e["source"], e["delta"]) for e in reversed(ledger(invoke, tokens.member("alice")))]
    assert sources == [("TASK", 5), ("FIRST_PURCHASE", 246), ("PURCHASE", 123)]
    assert me(invoke, tokens.member("alice"))["lifetimeEarned"] == 374
    assert balanced(invoke, tokens.member("alice")) == 374


def test_a_weekly_task_pays_once_per_week(invoke: Invoke, tokens: Tokens, clock: Clock) -> None:
    clock.set("2026-03-02T10:00:00+08:00")  # a Monday
    admin = tokens.admin()
    task = {"name": "Three surveys", "event": "TASK", "taskKind": "SURVEY", "target": 3, "period": "WEEK"}
    task["rewardPoints"] = 100
    status, body = invoke("tasks", "PUT", "/admin/tasks/surveys", task, admin)
    assert status == 200 and body["taskId"] == "surveys" and body["startsAt"] is None, body
    tokens.member("alice")

    def survey(event: str, kind: str | None = "SURVEY") -> dict[str, Any]:
        extra = {"taskKind": kind} if kind else {}
        return earn(invoke, tokens, "alice", event, kind="TASK", points=1, **extra)

    def standing() -> dict[str, Any]:
        items = invoke("tasks", "GET", "/me/tasks", token=tokens.member("alice"))[1]["items"]
        return dict(items[0])

    survey("s1")
    survey("s1")  # a replay counts nothing more
    survey("x1", kind="SHARE")  # another kind of task event
    survey("x2", kind=None)
    assert standing() == {
        "taskId": "surveys",
        "name": "Three surveys",
        "progress": 1,
        "target": 3,
        "completed": False,
        "rewardPoints": 100,
        "periodEndsAt": "2026-03-08T23:59:59+08:00",
    }
    clock.set("2026-03-04T10:00:00+08:00")
    survey("s2")
    survey("s3")  # completes: paid in the same write
    survey("s4")  # done for this week: nothing more
    assert (standing()["progress"], standing()["completed"]) == (3, True)
    rewards = [e for e in ledger(invoke, tokens.member("alice")) if e["source"] == "TASK_REWARD"]
    assert [(e["type"], e["delta"]) for e in rewards] == [("EARN", 100)]

    clock.set("2026-03-09T10:00:00+08:00")  # next Monday: a new period
    assert (standing()["progress"], standing()["completed"]) == (0, False)
    for event in ("s5", "s6", "s7"):
        survey(event)
    rewards = [e for e in ledger(invoke, tokens.member("alice")) if e["source"] == "TASK_REWARD"]
    assert len(rewards) == 2
    assert balanced(invoke, tokens.member("alice")) == 9 + 200


def test_a_task_reward_is_outside_the_daily_cap(invoke: Invoke, tokens: Tokens) -> None:
    admin = tokens.admin()
    set_rules(invoke, admin, dailyCap=10)
    task = {"name": "Sign in", "event": "SIGN_IN", "target": 1, "period": "DAY", "rewardPoints": 40}
    assert invoke("tasks", "PUT", "/admin/tasks/daily", task, admin)[0] == 200
    task = {"name": "Buy", "event": "PURCHASE", "target": 1, "period": "ONCE", "rewardPoints": 30}
    assert invoke("tasks", "PUT", "/admin/tasks/buy", task, admin)[0] == 200
    tokens.member("alice")
    assert earn(invoke, tokens, "alice", "t1", kind="TASK", points=10)["awarded"] == 10  # cap used up
    assert invoke("sign_in", "POST", "/sign-in", token=tokens.member("alice"))[1]["awarded"] == 5
    earn(invoke, tokens, "alice", "p1", kind="PURCHASE", amountFen=100)
    earn(invoke, tokens, "alice", "p2", kind="PURCHASE", amountFen=100)  # ONCE: paid once ever
    rewards = sorted(
        e["delta"] for e in ledger(invoke, tokens.member("alice")) if e["source"] == "TASK_REWARD"
    )
    assert rewards == [30, 40]
    items = invoke("tasks", "GET", "/me/tasks", token=tokens.member("alice"))[1]["items"]
    assert {i["taskId"]: (i["completed"], i["periodEndsAt"]) for i in items} == {
        "buy": (True, None),
        "daily": (True, items[1]["periodEndsAt"]),
    }
    assert balanced(invoke, tokens.member("alice")) == 10 + 5 + 40 + 2 + 30


def test_task_definitions_are_validated_and_audited(invoke: Invoke, tokens: Tokens) -> None:
    admin = tokens.admin()
    good = {"name": "Buy", "event": "PURCHASE", "target": 2, "period": "MONTH", "rewardPoints": 30}
    cases = {
        "taskKind": {**good, "taskKind": "SURVEY"},  # only TASK events carry a kind
        "target": {**good, "target": 0},
        "period": {**good, "period": "YEAR"},
        "rewardPoints": {**good, "rewardPoints": -1},
        "endsAt": {**good, "startsAt": "2026-03-02T00:00:00+08:00", "endsAt": "2026-03-01T00:00:00+08:00"},
        "startsAt": {**good, "startsAt": "2026-03-02T00:00:00"},  # no offset
        "name": {k: v for k, v in good.items() if k != "name"},
    }
    for field, body in cases.items():
        status, answer = invoke("tasks", "PUT", "/admin/tasks/buy", body, admin)
        assert (status, answer["error"]["code"]) == (400, "VALIDATION_ERROR"), field
        assert field in answer["error"]["message"], (field, answer)
    assert invoke("tasks", "PUT", "/admin/tasks/buy", good, tokens.member("alice"))[0] == 403
    assert invoke("tasks", "PUT", "/admin/tasks/buy", good, admin)[0] == 200
    assert invoke("tasks", "PUT", "/admin/tasks/buy", {**good, "target": 3}, admin)[0] == 200
    listed = invoke("tasks", "GET", "/admin/tasks", token=admin)[1]
    assert [(t["taskId"], t["target"]) for t in listed["items"]] == [("buy", 3)]
    audit = invoke("admin_audit", "GET", "/admin/audit", token=admin)[1]["items"]
    puts = [a for a in audit if a["action"] == "TASK_PUT"]
    assert len(puts) == 2 and puts[0]["before"]["target"] == 2 and puts[0]["after"]["target"] == 3
    body = {"memberId": "alice", "eventId": "p", "kind": "PURCHASE", "amountFen": 1, "taskKind": "X"}
    tokens.member("alice")
    status, answer = invoke("earn", "POST", "/earn", body, tokens.service())
    assert (status, answer["error"]["code"]) == (400, "VALIDATION_ERROR") and "taskKind" in str(answer)


def test_a_member_falls_back_a_tier_when_the_window_moves_on(
    invoke: Invoke, tokens: Tokens, clock: Clock
) -> None:
    clock.set("2026-03-02T10:00:00+08:00")
    admin = tokens.admin()
    set_rules(invoke, admin, tierWindowDays=30)
    tokens.member("alice")
    earn(invoke, tokens, "alice", "p1", kind="PURCHASE", amountFen=100_000)  # 1000 points
    profile = me(invoke, tokens.member("alice"))
    assert profile["tier"] == {"name": "SILVER", "level": 2, "pointsInWindow": 1000}
    assert profile["nextTier"] == {"name": "GOLD", "pointsNeeded": 4000}
    # The 30th business day of the window (2026-03-31) still counts the points: still SILVER, ×1.2.
    clock.set("2026-03-31T23:00:00+08:00")
    assert earn(invoke, tokens, "alice", "p2", kind="PURCHASE", amountFen=1_000)["awarded"] == 12
    clock.set("2026-04-01T10:00:00+08:00")  # the purchase of 03-02 left the window: no job needed
    profile = me(invoke, tokens.member("alice"))
    assert profile["tier"] == {"name": "MEMBER", "level": 1, "pointsInWindow": 12}
    assert profile["nextTier"] == {"name": "SILVER", "pointsNeeded": 988}
    assert profile["lifetimeEarned"] == 1012
    admin_view = invoke("member_admin", "GET", "/admin/members/alice", token=tokens.admin())[1]
    assert admin_view["tier"] == profile["tier"]
    assert earn(invoke, tokens, "alice", "p3", kind="PURCHASE", amountFen=1_000)["awarded"] == 10  # ×1.0


def test_tier_window_days_is_validated(invoke: Invoke, tokens: Tokens) -> None:
    admin = tokens.admin()
    rules = invoke("admin_rules", "GET", "/admin/rules", token=admin)[1]
    rules.pop("version")
    for field, value in [
        ("tierWindowDays", 0),
        ("tierWindowDays", 367),
        ("dormantDays", 6),
        ("welcomeBonus", -1),
        ("firstPurchaseMultiplier", 0),
        ("wakeUpBonus", "5"),
    ]:
        status, answer = invoke("admin_rules", "PUT", "/admin/rules", {**rules, field: value}, admin)
        assert (status, answer["error"]["code"]) == (400, "VALIDATION_ERROR"), field
        assert field in answer["error"]["message"], (field, answer)
    without = {k: v for k, v in rules.items() if k != "tierWindowDays"}
    status, answer = invoke("admin_rules", "PUT", "/admin/rules", without, admin)
    assert status == 400 and "tierWindowDays" in answer["error"]["message"]


def wake_up() -> dict[str, Any]:
    return dict(load_handler("wake_up").lambda_handler({}, FakeContext()))


def test_a_dormant_member_gets_one_wake_up_per_spell(invoke: Invoke, tokens: Tokens, clock: Clock) -> None:
    clock.set("2026-03-02T10:00:00+08:00")
    admin = tokens.admin()
    set_rules(invoke, admin, dormantDays=30, wakeUpBonus=20)
    tokens.member("alice")
    tokens.member("bob")  # opened, never earned: holds no points, so no wake-up
    earn(invoke, tokens, "alice", "p1", kind="PURCHASE", amountFen=10_000)
    assert wake_up()["woken"] == 0  # nobody dormant yet

    clock.set("2026-03-31T11:00:00+08:00")  # 29 days: not yet
    assert wake_up()["woken"] == 0
    clock.set("2026-04-01T11:00:00+08:00")  # 30 days without activity
    result = wake_up()
    assert (result["woken"], result["members"], result["days"]) == (1, 2, ["2026-03-02"])
    assert wake_up()["woken"] == 0  # once per spell
    tokens.member("alice")
    notes = invoke("notifications", "GET", "/me/notifications", token=tokens.member("alice"))[1]["items"]
    assert [(n["type"], n["points"], n["expiresAt"]) for n in notes] == [
        ("WAKE_UP", 100, "2027-03-02T23:59:59+08:00")
    ]
    assert next(e["source"] for e in ledger(invoke, tokens.member("alice"))) == "WAKE_UP"
    assert balanced(invoke, tokens.member("alice")) == 120
    segment = invoke("member_admin", "GET", "/admin/members/alice", token=tokens.admin())[1]["segment"]
    assert segment == "DORMANT"  # the bonus is not the member's own activity

    clock.set("2026-04-02T11:00:00+08:00")
    assert invoke("sign_in", "POST", "/sign-in", token=tokens.member("alice"))[0] == 200  # a new spell
    assert (
        invoke("member_admin", "GET", "/admin/members/alice", token=tokens.admin())[1]["segment"] == "ACTIVE"
    )
    clock.set("2026-05-02T11:00:00+08:00")
    assert wake_up()["woken"] == 1
    notes = invoke("notifications", "GET", "/me/notifications", token=tokens.member("alice"))[1]["items"]
    assert [n["type"] for n in notes] == ["WAKE_UP", "WAKE_UP"]
    assert balanced(invoke, tokens.member("alice")) == 100 + 20 + 5 + 20


def test_segment_of_a_member(invoke: Invoke, tokens: Tokens, clock: Clock) -> None:
    clock.set("2026-03-02T10:00:00+08:00")
    tokens.member("alice")

    def segment() -> str:
        return str(invoke("member_admin", "GET", "/admin/members/alice", token=tokens.admin())[1]["segment"])

    assert segment() == "NEW"
    clock.set("2026-03-08T10:00:00+08:00")  # the 7th business day
    assert segment() == "NEW"
    clock.set("2026-03-09T10:00:00+08:00")
    assert segment() == "ACTIVE"
    clock.set("2026-03-03T10:00:00+08:00")
    earn(invoke, tokens, "alice", "p1", kind="PURCHASE", amountFen=100)
    assert segment() == "ACTIVE"  # purchased: no longer new
    clock.set("2026-06-01T10:00:00+08:00")  # 90 days after the purchase
    assert segment() == "DORMANT"
