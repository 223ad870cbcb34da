"""The expiry sweep, the expiry reminder and GET /me/notifications (moto in-process, single-threaded)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import boto3
import pytest

from tests.conftest import FakeContext, Invoke, Tokens, load_handler
from tests.fake_wechat import fake_wechat

SHANGHAI = ZoneInfo("Asia/Shanghai")
PRODUCT = {
    "name": "Thermos cup",
    "category": "home",
    "type": "PHYSICAL",
    "pointsPrice": 100,
    "cashPriceFen": 0,
    "stock": 50,
    "status": "ON_SHELF",
}


def sweep(context: Any = None) -> dict[str, Any]:
    return dict(load_handler("expiry_sweep").lambda_handler({}, context or FakeContext()))


def remind() -> dict[str, Any]:
    return dict(load_handler("expiry_reminder").lambda_handler({}, FakeContext()))


def earn(invoke: Invoke, tokens: Tokens, member_id: str, event_id: str, points: int) -> dict[str, Any]:
    """A purchase worth `points` (members here stay below SILVER, so no tier multiplier)."""
    tokens.member(member_id)  # opens the account on first login
    body = {"memberId": member_id, "eventId": event_id, "kind": "PURCHASE", "amountFen": points * 100}
    status, answer = invoke("earn", "POST", "/earn", body, tokens.service())
    assert status == 200 and answer["awarded"] == points, answer
    return dict(answer)


def me(invoke: Invoke, tokens: Tokens, member_id: str) -> dict[str, Any]:
    status, body = invoke("member", "GET", "/me", token=tokens.member(member_id))
    assert status == 200, body
    return dict(body)


def ledger(invoke: Invoke, tokens: Tokens, member_id: str) -> list[dict[str, Any]]:
    """Every entry, newest first (all pages)."""
    token, entries, cursor = tokens.member(member_id), [], None
    while True:
        query = {"limit": "100"} | ({"cursor": cursor} if cursor else {})
        status, page = invoke("member", "GET", "/me/ledger", token=token, query=query)
        assert status == 200, page
        entries += page["items"]
        cursor = page["nextCursor"]
        if cursor is None:
            return entries


def assert_ledger_matches_balance(invoke: Invoke, tokens: Tokens, member_id: str) -> None:
    entries = ledger(invoke, tokens, member_id)
    balance = me(invoke, tokens, member_id)["balance"]
    assert sum(e["delta"] for e in entries) == balance
    if entries:
        assert entries[0]["balanceAfter"] == balance


def expiries(invoke: Invoke, tokens: Tokens, member_id: str) -> list[tuple[str, int]]:
    return [(e["ref"], e["delta"]) for e in ledger(invoke, tokens, member_id) if e["type"] == "EXPIRE"]


def notifications(invoke: Invoke, tokens: Tokens, member_id: str, **query: str) -> tuple[int, Any]:
    return invoke("notifications", "GET", "/me/notifications", token=tokens.member(member_id), query=query)


def table_item(pk: str, sk: str) -> dict[str, Any] | None:
    from mall.data import dynamo

    found = dynamo.batch_get([(pk, sk)])
    return dynamo.plain(found[(pk, sk)]) if found else None


# --- the sweep ---------------------------------------------------------------------------------------


def test_unspent_remainder_expires_at_the_end_of_its_last_day(
    invoke: Invoke, tokens: Tokens, clock: Any
) -> None:
    clock.set("2026-11-24T10:00:00+08:00")
    admin = tokens.admin()
    for sku, price in (("cup", 100), ("lamp", 250)):
        assert (
            invoke("catalog", "PUT", f"/admin/products/{sku}", PRODUCT | {"pointsPrice": price}, admin)[0]
            == 200
        )
    assert earn(invoke, tokens, "alice", "a1", 300)["expiresAt"] == "2027-11-24T23:59:59+08:00"
    # 00:30 in Shanghai is still the previous day in UTC: the business day is Shanghai's.
    clock.set("2026-11-25T00:30:00+08:00")
    assert earn(invoke, tokens, "alice", "a2", 200)["expiresAt"] == "2027-11-25T23:59:59+08:00"

    clock.set("2027-01-10T12:00:00+08:00")
    alice = tokens.member("alice")

    def redeem(key: str, sku: str) -> dict[str, Any]:
        body = {"sku": sku, "quantity": 1}
        status, order = invoke(
            "redeem", "POST", "/redemptions", body, alice, headers={"Idempotency-Key": key}
        )
        assert status == 201, order
        return dict(order)

    redeem("k1", "cup")  # soonest lot first: 2027-11-24 300 -> 200
    lamp = redeem("k2", "lamp")  # 200 from 2027-11-24, 50 from 2027-11-25
    assert [(x["points"], x["expiresAt"][:10]) for x in me(invoke, tokens, "alice")["expiring"]] == [
        (150, "2027-11-25")
    ]
    status, _ = invoke("orders", "POST", f"/orders/{lamp['orderId']}/cancel", token=alice)
    assert status == 200  # the refund goes back into both lots, with their original expiry days
    redeem("k3", "cup")
    assert me(invoke, tokens, "alice")["expiring"] == [
        {"points": 100, "expiresAt": "2027-11-24T23:59:59+08:00"},
        {"points": 200, "expiresAt": "2027-11-25T23:59:59+08:00"},
    ]

    clock.set("2027-11-24T23:59:00+08:00")  # the last minute of the lot's last day: still spendable
    assert sweep() == {"expiredAccounts": 0, "skipped": 0, "complete": True}
    assert me(invoke, tokens, "alice")["balance"] == 300

    clock.set("2027-11-25T00:00:01+08:00")  # = 2027-11-24T16:00:01Z, still the 24th in UTC
    assert sweep() == {"expiredAccounts": 1, "skipped": 0, "complete": True}
    assert sweep() == {"expiredAccounts": 0, "skipped": 0, "complete": True}  # nothing expires twice
    assert expiries(invoke, tokens, "alice") == [("EXPIRY#2027-11-24", -100)]
    profile = me(invoke, tokens, "alice")
    assert profile["balance"] == 200
    assert profile["expiring"] == [{"points": 200, "expiresAt": "2027-11-25T23:59:59+08:00"}]

    clock.set("2027-11-26T00:00:01+08:00")
    assert sweep()["expiredAccounts"] == 1
    assert sweep()["expiredAccounts"] == 0
    assert expiries(invoke, tokens, "alice") == [("EXPIRY#2027-11-25", -200), ("EXPIRY#2027-11-24", -100)]
    assert [(e["type"], e["delta"]) for e in ledger(invoke, tokens, "alice")] == [
        ("EXPIRE", -200),
        ("EXPIRE", -100),
        ("SPEND", -100),
        ("REFUND", 250),
        ("SPEND", -250),
        ("SPEND", -100),
        ("EARN", 200),
        ("EARN", 300),
    ]
    assert me(invoke, tokens, "alice")["balance"] == 0
    assert_ledger_matches_balance(invoke, tokens, "alice")
    # An account without points leaves the index: nothing left for a sweep to read.
    assert "DUE_PK" not in (table_item("MEMBER#alice", "ACCOUNT") or {})


def test_annual_mode_expires_year_y_points_at_the_end_of_y_plus_one(
    invoke: Invoke, tokens: Tokens, clock: Any
) -> None:
    clock.set("2026-03-01T10:00:00+08:00")
    admin = tokens.admin()
    rules = invoke("admin_rules", "GET", "/admin/rules", token=admin)[1]
    status, saved = invoke(
        "admin_rules", "PUT", "/admin/rules", rules | {"expiry": {"mode": "ANNUAL"}}, admin
    )
    assert status == 200 and saved["expiry"] == {"mode": "ANNUAL"}
    assert earn(invoke, tokens, "bob", "b1", 100)["expiresAt"] == "2027-12-31T23:59:59+08:00"
    clock.set("2026-12-31T23:30:00+08:00")
    assert earn(invoke, tokens, "bob", "b2", 50)["expiresAt"] == "2027-12-31T23:59:59+08:00"
    clock.set("2027-01-01T00:30:00+08:00")  # already 2027 in Shanghai, still 2026 in UTC
    assert earn(invoke, tokens, "bob", "b3", 70)["expiresAt"] == "2028-12-31T23:59:59+08:00"

    clock.set("2027-12-31T23:59:00+08:00")
    assert sweep()["expiredAccounts"] == 0
    clock.set("2028-01-01T00:00:01+08:00")
    assert sweep()["expiredAccounts"] == 1
    assert sweep()["expiredAccounts"] == 0
    assert expiries(invoke, tokens, "bob") == [("EXPIRY#2027-12-31", -150)]  # one entry per lot
    assert me(invoke, tokens, "bob")["balance"] == 70
    assert_ledger_matches_balance(invoke, tokens, "bob")


def test_a_request_that_settled_first_leaves_the_sweep_nothing_to_do(
    invoke: Invoke, tokens: Tokens, clock: Any
) -> None:
    clock.set("2026-05-01T09:00:00+08:00")
    earn(invoke, tokens, "carol", "c1", 40)
    clock.set("2027-05-02T00:00:01+08:00")
    assert me(invoke, tokens, "carol")["balance"] == 0  # GET /me settles before it answers
    assert sweep()["expiredAccounts"] == 0
    assert expiries(invoke, tokens, "carol") == [("EXPIRY#2027-05-01", -40)]


class DynamoCalls:
    """Every DynamoDB call of every client created after `install` (rules reads included)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str | None]] = []  # (operation, index)
        self.items: Counter[str] = Counter()  # items returned, by operation (index queries apart)

    def install(self) -> None:
        from mall.data import dynamo, rules_store

        events = boto3._get_default_session().events
        events.register("provide-client-params.dynamodb", self._before)
        events.register("after-call.dynamodb", self._after)
        # Clients copy the session's hooks when created: make the cached ones anew.
        dynamo.client.cache_clear()
        rules_store._provider.cache_clear()

    def uninstall(self) -> None:
        events = boto3._get_default_session().events
        events.unregister("provide-client-params.dynamodb", self._before)
        events.unregister("after-call.dynamodb", self._after)

    def reset(self) -> None:
        self.calls.clear()
        self.items.clear()

    def _before(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        self.calls.append((model.name, params.get("IndexName")))

    def _after(self, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        name = f"{model.name}:{self.calls[-1][1]}" if self.calls[-1][1] else model.name
        if "Items" in parsed:
            self.items[name] += len(parsed["Items"])
        elif "Item" in parsed:
            self.items[name] += 1
        elif "Responses" in parsed:
            self.items[name] += sum(len(v) for v in parsed["Responses"].values())

    def count(self, operation: str, index: str | None = None) -> int:
        return sum(1 for op, ix in self.calls if op == operation and ix == index)


@contextmanager
def counting() -> Iterator[DynamoCalls]:
    calls = DynamoCalls()
    calls.install()
    try:
        yield calls
    finally:
        calls.uninstall()


def test_sweep_reads_follow_the_due_accounts_not_the_table(
    invoke: Invoke, tokens: Tokens, clock: Any
) -> None:
    from mall.data.accounts import EXPIRY_SHARDS, expiry_shard
    from mall.data.due import expiry_shards

    clock.set("2026-06-01T10:00:00+08:00")
    due = ["due-1", "due-2", "due-3"]
    for member_id in due:
        earn(invoke, tokens, member_id, f"e-{member_id}", 10)
    clock.set("2026-12-01T10:00:00+08:00")
    not_due = [f"later-{n:02d}" for n in range(57)]
    for member_id in not_due:
        earn(invoke, tokens, member_id, f"e-{member_id}", 10)
    assert {expiry_shard(m) for m in due + not_due} <= set(expiry_shards())
    assert len(expiry_shards()) == EXPIRY_SHARDS

    clock.set("2027-06-02T00:00:01+08:00")
    with counting() as ddb:
        assert sweep() == {"expiredAccounts": 3, "skipped": 0, "complete": True}
        assert ddb.count("Query", "DueIndex") == EXPIRY_SHARDS  # one page per shard
        assert ddb.items["Query:DueIndex"] == 3  # only the due accounts come back, not the 57 others
        assert ddb.count("GetItem") == 3 and ddb.count("TransactWriteItems") == 3
        assert ddb.count("Scan") == 0
        # The rest are rules reads (the test stack caches them 0 s; a deployed one 30 s).
        rules_reads = ddb.count("Query")
        assert rules_reads <= 1 + 3
        assert len(ddb.calls) == EXPIRY_SHARDS + 3 * 2 + rules_reads <= EXPIRY_SHARDS + 1 + 3 * 3
        per_due = {op: ddb.count(op) / 3 for op in ("GetItem", "TransactWriteItems")}
        assert per_due == {"GetItem": 1, "TransactWriteItems": 1}

        ddb.reset()
        assert sweep() == {"expiredAccounts": 0, "skipped": 0, "complete": True}
        assert ddb.count("Query", "DueIndex") == EXPIRY_SHARDS and ddb.items["Query:DueIndex"] == 0
        assert ddb.count("GetItem") == ddb.count("TransactWriteItems") == 0
    for member_id in due:
        assert expiries(invoke, tokens, member_id) == [("EXPIRY#2027-06-01", -10)]
    assert me(invoke, tokens, "later-00")["balance"] == 10


class RunningOut:
    """A Lambda context with plenty of time for the first `allowed` checks, then almost none."""

    def __init__(self, allowed: int) -> None:
        self.allowed = allowed
        self.checks = 0

    def get_remaining_time_in_millis(self) -> int:
        self.checks += 1
        return 600_000 if self.checks <= self.allowed else 1_000

    def __getattr__(self, name: str) -> Any:
        return getattr(FakeContext(), name)


def test_sweep_stops_before_the_timeout_and_the_next_run_resumes(
    invoke: Invoke, tokens: Tokens, clock: Any
) -> None:
    clock.set("2026-06-01T10:00:00+08:00")
    members = [f"m{n}" for n in range(5)]
    for member_id in members:
        earn(invoke, tokens, member_id, f"e-{member_id}", 10)
    clock.set("2027-06-02T00:00:01+08:00")
    assert sweep(RunningOut(allowed=2)) == {"expiredAccounts": 2, "skipped": 0, "complete": False}
    assert sweep(RunningOut(allowed=0)) == {"expiredAccounts": 0, "skipped": 0, "complete": False}
    assert sweep() == {"expiredAccounts": 3, "skipped": 0, "complete": True}
    assert sweep() == {"expiredAccounts": 0, "skipped": 0, "complete": True}
    for member_id in members:
        assert expiries(invoke, tokens, member_id) == [("EXPIRY#2027-06-01", -10)]
        assert_ledger_matches_balance(invoke, tokens, member_id)


# --- the reminder ------------------------------------------------------------------------------------


def test_one_reminder_per_member_and_expiry_date_with_catch_up(
    invoke: Invoke, tokens: Tokens, clock: Any
) -> None:
    clock.set("2026-11-24T10:00:00+08:00")
    earn(invoke, tokens, "alice", "a1", 300)  # expires 2027-11-24
    clock.set("2026-11-28T10:00:00+08:00")
    earn(invoke, tokens, "alice", "a2", 40)  # expires 2027-11-28
    clock.set("2026-12-20T10:00:00+08:00")
    earn(invoke, tokens, "bob", "b1", 25)  # expires 2027-12-20

    clock.set("2027-11-16T10:00:00+08:00")  # 8 days before: outside the 7-day window
    assert remind() == {"accounts": 0, "reminded": 0, "push": {}, "complete": True}

    clock.set("2027-11-17T10:00:00+08:00")  # 7 days before 2027-11-24
    assert remind() == {"accounts": 1, "reminded": 1, "push": {"RECORDED": 1}, "complete": True}
    clock.set("2027-11-17T18:00:00+08:00")  # run again (or concurrently): nothing more is recorded
    assert remind() == {"accounts": 1, "reminded": 0, "push": {}, "complete": True}
    status, page = notifications(invoke, tokens, "alice")
    assert status == 200 and page["nextCursor"] is None
    assert [{k: v for k, v in n.items() if k != "notificationId"} for n in page["items"]] == [
        {
            "type": "EXPIRY_REMINDER",
            "points": 300,
            "expiresAt": "2027-11-24T23:59:59+08:00",
            "createdAt": "2027-11-17T10:00:00+08:00",
        }
    ]

    # The runs of 11-18 to 11-21 were missed; 2027-11-28 entered the window on 11-21: caught up on 11-22.
    clock.set("2027-11-22T10:00:00+08:00")
    assert remind()["reminded"] == 1
    page = notifications(invoke, tokens, "alice")[1]
    assert [(n["points"], n["expiresAt"][:10]) for n in page["items"]] == [
        (40, "2027-11-28"),
        (300, "2027-11-24"),
    ]
    assert remind()["reminded"] == 0

    # Bob's day passed without a run: after the expiry date nothing is sent (the sweep has not run
    # either, so his account is still on the index and is read, but nothing is due).
    clock.set("2027-12-21T10:00:00+08:00")
    assert remind() == {"accounts": 2, "reminded": 0, "push": {}, "complete": True}
    assert notifications(invoke, tokens, "bob")[1] == {"items": [], "nextCursor": None}

    # What was recorded: one marker per date, and the message the local stack did not send.
    notification_id = page["items"][1]["notificationId"]
    stored = table_item("MEMBER#alice", f"NOTIFICATION#{notification_id}")
    assert stored is not None and stored["push"] == "RECORDED"
    assert stored["message"]["data"] == {
        "number1": "300",
        "date2": "2027年11月24日",
        "thing3": "积分即将过期，请及时使用",
    }
    marker = table_item("MEMBER#alice", "REMINDER#2027-11-24")
    assert marker is not None and marker["notificationId"] == notification_id
    assert marker["ttl"] > datetime(2027, 11, 24, 23, 59, 59, tzinfo=SHANGHAI).timestamp()


def test_a_lot_expiring_today_is_still_reminded(invoke: Invoke, tokens: Tokens, clock: Any) -> None:
    clock.set("2026-05-10T10:00:00+08:00")
    earn(invoke, tokens, "dora", "d1", 15)
    clock.set("2027-05-10T23:00:00+08:00")  # every run of the window was missed but the last day's
    assert remind()["reminded"] == 1
    clock.set("2027-05-11T00:00:01+08:00")
    assert remind()["reminded"] == 0
    assert len(notifications(invoke, tokens, "dora")[1]["items"]) == 1


def test_notifications_page_with_signed_cursors_and_member_auth(
    invoke: Invoke, tokens: Tokens, clock: Any
) -> None:
    for day in range(1, 6):
        clock.set(f"2026-03-0{day}T10:00:00+08:00")
        earn(invoke, tokens, "alice", f"a{day}", 10 * day)
    clock.set("2027-02-27T10:00:00+08:00")  # window 02-27..03-06 holds all five lots
    assert remind()["reminded"] == 5

    alice, bob = tokens.member("alice"), tokens.member("bob")
    seen, cursor = [], None
    while True:
        query = {"limit": "2"} | ({"cursor": cursor} if cursor else {})
        status, page = invoke("notifications", "GET", "/me/notifications", token=alice, query=query)
        assert status == 200, page
        assert len(page["items"]) <= 2
        seen += page["items"]
        cursor = page["nextCursor"]
        if cursor is None:
            break
        # Someone else's cursor, an edited one, or one of another list is not accepted.
        status, other = invoke(
            "notifications", "GET", "/me/notifications", token=bob, query={"cursor": cursor}
        )
        assert (status, other["error"]["code"]) == (400, "VALIDATION_ERROR")
        edited = cursor[:-2] + ("xx" if cursor[-2:] != "xx" else "yy")
        status, body = invoke(
            "notifications", "GET", "/me/notifications", token=alice, query={"cursor": edited}
        )
        assert (status, body["error"]["code"]) == (400, "VALIDATION_ERROR")
    assert len(seen) == 5 and len({n["notificationId"] for n in seen}) == 5
    ids = [n["notificationId"] for n in seen]
    assert ids == sorted(ids, reverse=True)  # newest first
    assert [n["points"] for n in seen] == [50, 40, 30, 20, 10]

    ledger_cursor = invoke("member", "GET", "/me/ledger", token=alice, query={"limit": "1"})[1]["nextCursor"]
    status, body = invoke(
        "notifications", "GET", "/me/notifications", token=alice, query={"cursor": ledger_cursor}
    )
    assert status == 400
    for limit in ("0", "101", "x"):
        status, body = invoke(
            "notifications", "GET", "/me/notifications", token=alice, query={"limit": limit}
        )
        assert status == 400 and "limit" in body["error"]["message"]

    status, body = invoke("notifications", "GET", "/me/notifications")
    assert (status, body["error"]["code"]) == (401, "UNAUTHENTICATED")
    status, body = invoke("notifications", "GET", "/me/notifications", token="not-a-token")
    assert (status, body["error"]["code"]) == (401, "UNAUTHENTICATED")
    for other_role in (tokens.service(), tokens.admin()):
        status, body = invoke("notifications", "GET", "/me/notifications", token=other_role)
        assert (status, body["error"]["code"]) == (403, "FORBIDDEN")


def test_reminder_push_goes_to_wechat_and_a_failed_push_keeps_the_notification(
    invoke: Invoke, tokens: Tokens, clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As deployed (no local stack, real clock): members with an openid get a subscribe message."""
    from mall.notify import wechat_push
    from mall.services import reminders
    from mall.settings import settings

    real_today = datetime.now(UTC).astimezone(SHANGHAI).date()
    earned_on: date = real_today + timedelta(days=3) - timedelta(days=365)  # expires in 3 days
    clock.set(f"{earned_on.isoformat()}T12:00:00+08:00")
    for member_id in ("carol", "dave", "erin"):
        earn(invoke, tokens, member_id, f"e-{member_id}", 20)
    ddb = boto3.client("dynamodb")
    for member_id in ("carol", "erin"):  # as a WeChat login stores it; dave is a dev member without one
        ddb.update_item(
            TableName="PointsTable",
            Key={"PK": {"S": f"MEMBER#{member_id}"}, "SK": {"S": "ACCOUNT"}},
            UpdateExpression="SET openid = :o",
            ExpressionAttributeValues={":o": {"S": f"o-{member_id}-openid"}},
        )

    logged: list[str] = []

    class Recorder:
        def __getattr__(self, level: str) -> Any:
            return lambda *args, **kwargs: logged.append(repr((level, args, kwargs)))

    with fake_wechat() as wechat:
        wechat.refused.add("o-erin-openid")
        for key, value in {
            "LOCAL_STACK": "false",
            "WECHAT_ENABLED": "true",
            "WECHAT_API_BASE": wechat.base_url,
            "WECHAT_REMINDER_TEMPLATE_ID": "tmpl-1",
        }.items():
            monkeypatch.setenv(key, value)
        settings.cache_clear()
        wechat_push.push_settings.cache_clear()
        monkeypatch.setattr(wechat_push, "_token", None)
        monkeypatch.setattr(reminders, "logger", Recorder())
        try:
            first = remind()
            second = remind()
        finally:
            wechat_push.push_settings.cache_clear()

    assert first == {
        "accounts": 3,
        "reminded": 3,
        "push": {"SENT": 1, "FAILED": 1, "NO_OPENID": 1},
        "complete": True,
    }
    assert second == {"accounts": 3, "reminded": 0, "push": {}, "complete": True}
    assert wechat.token_calls == 1
    assert sorted((s["body"]["touser"], s["answer"]["errcode"]) for s in wechat.sends) == [
        ("o-carol-openid", 0),
        ("o-erin-openid", 43101),
    ]
    body = wechat.sends[0]["body"]
    assert body["template_id"] == "tmpl-1" and body["data"]["number1"] == {"value": "20"}

    def stored(member_id: str) -> dict[str, Any]:
        items = ddb.query(
            TableName="PointsTable",
            KeyConditionExpression="PK = :pk AND begins_with(SK, :n)",
            ExpressionAttributeValues={":pk": {"S": f"MEMBER#{member_id}"}, ":n": {"S": "NOTIFICATION#"}},
        )["Items"]
        assert len(items) == 1  # exactly one, pushed or not
        return {k: next(iter(v.values())) for k, v in items[0].items()}

    assert stored("carol")["push"] == "SENT"
    assert (stored("erin")["push"], stored("erin")["pushError"]) == ("FAILED", "43101")
    assert stored("dave")["push"] == "NO_OPENID"
    assert any("43101" in line for line in logged)
    assert not any("o-carol-openid" in line or "o-erin-openid" in line for line in logged)
    assert "o-erin-openid" not in repr(first) and "o-carol-openid" not in repr(first)
