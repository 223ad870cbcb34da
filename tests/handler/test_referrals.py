"""Referrals (moto in-process): every member's invite code on /me; a login that opens an account with a
friend's code rewards both sides once; own, unknown, malformed or reused codes award nothing and never
fail the login; the inviter's reward stays inside the inviter's daily cap."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from tests.conftest import Invoke, Tokens, _reset_caches
from tests.fake_wechat import FakeWeChat, fake_wechat


def login(invoke: Invoke, code: str, invite: str | None = None) -> Any:
    body = {"code": code} | ({"inviteCode": invite} if invite is not None else {})
    status, answer = invoke("auth_login", "POST", "/auth/login", body)
    assert status == 200, answer
    return answer


def me(invoke: Invoke, token: str) -> Any:
    return invoke("member", "GET", "/me", token=token)[1]


def referral_entries(invoke: Invoke, token: str) -> list[tuple[str, int, str]]:
    items = invoke("member", "GET", "/me/ledger", token=token)[1]["items"]
    return [(e["type"], e["delta"], e["ref"]) for e in items if e["source"] == "REFERRAL"]


def test_every_member_has_a_stable_invite_code(invoke: Invoke, tokens: Tokens) -> None:
    alice, bob = tokens.member("alice"), tokens.member("bob")
    code = me(invoke, alice)["inviteCode"]
    assert re.fullmatch(r"[A-HJ-NP-Z2-9]{8}", code)
    assert me(invoke, tokens.member("alice"))["inviteCode"] == code != me(invoke, bob)["inviteCode"]


def test_a_new_account_opened_with_a_friends_code_rewards_both_once(invoke: Invoke, tokens: Tokens) -> None:
    alice = tokens.member("alice")
    code = me(invoke, alice)["inviteCode"]
    bob = login(invoke, "dev:bob", code.lower())["token"]  # typed in any case
    assert me(invoke, bob)["balance"] == 100 and me(invoke, bob)["lifetimeEarned"] == 100
    assert me(invoke, alice)["balance"] == 100
    assert referral_entries(invoke, bob) == [("EARN", 100, "REFERRAL#bob")]
    assert referral_entries(invoke, alice) == [("EARN", 100, "REFERRAL#bob")]

    login(invoke, "dev:bob", code)  # an existing account: nothing more
    login(invoke, "dev:alice", code)  # one's own code: nothing
    carol_code = me(invoke, tokens.member("carol"))["inviteCode"]
    login(invoke, "dev:bob", carol_code)  # bob was already invited
    assert me(invoke, bob)["balance"] == 100 and me(invoke, alice)["balance"] == 100
    assert me(invoke, tokens.member("carol"))["balance"] == 0


@pytest.mark.parametrize("code", ["ZZZZZZZZ", "nope", "", "   ", "🙂"])
def test_unknown_or_malformed_codes_award_nothing_and_log_in(invoke: Invoke, code: str) -> None:
    token = login(invoke, "dev:dave", code)["token"]
    assert me(invoke, token)["balance"] == 0


def test_an_invite_code_longer_than_a_code_can_be_is_a_validation_error(invoke: Invoke) -> None:
    status, answer = invoke("auth_login", "POST", "/auth/login", {"code": "dev:x", "inviteCode": "A" * 33})
    assert (status, answer["error"]["code"]) == (400, "VALIDATION_ERROR") and "inviteCode" in answer["error"][
        "message"
    ]


def test_the_inviters_reward_stays_inside_the_daily_cap(invoke: Invoke, tokens: Tokens) -> None:
    alice, service = tokens.member("alice"), tokens.service()
    task = {"memberId": "alice", "eventId": "t", "kind": "TASK", "points": 450}
    assert invoke("earn", "POST", "/earn", task, service)[1]["awarded"] == 450
    code = me(invoke, alice)["inviteCode"]
    bob = login(invoke, "dev:bob", code)["token"]
    erin = login(invoke, "dev:erin", code)["token"]
    assert me(invoke, alice)["balance"] == 500  # 450 + 50: the cap of 500 was reached
    assert [e[1] for e in referral_entries(invoke, alice)] == [50]
    assert me(invoke, bob)["balance"] == 100 == me(invoke, erin)["balance"]  # the new members' are not capped
    task = {"memberId": "alice", "eventId": "t2", "kind": "TASK", "points": 1}
    assert invoke("earn", "POST", "/earn", task, service)[1]["awarded"] == 0


def test_a_frozen_inviter_earns_nothing_the_new_member_still_does(invoke: Invoke, tokens: Tokens) -> None:
    admin, alice = tokens.admin(), tokens.member("alice")
    code = me(invoke, alice)["inviteCode"]
    assert invoke("member_admin", "POST", "/admin/members/alice/freeze", {"reason": "x"}, admin)[0] == 200
    bob = login(invoke, "dev:bob", code)["token"]
    assert me(invoke, bob)["balance"] == 100
    assert invoke("member_admin", "GET", "/admin/members/alice", token=admin)[1]["balance"] == 0


def test_the_reward_comes_from_the_rules(invoke: Invoke, tokens: Tokens) -> None:
    admin, alice = tokens.admin(), tokens.member("alice")
    rules = invoke("admin_rules", "GET", "/admin/rules", token=admin)[1]
    assert rules["referralReward"] == 100
    invoke("admin_rules", "PUT", "/admin/rules", rules | {"referralReward": 0}, admin)
    bob = login(invoke, "dev:bob", me(invoke, alice)["inviteCode"])["token"]
    assert me(invoke, bob)["balance"] == 0 == me(invoke, alice)["balance"]
    assert referral_entries(invoke, bob) == []


def test_an_account_from_before_invite_codes_gets_one_when_shown(invoke: Invoke, tokens: Tokens) -> None:
    old = tokens.member("old")
    boto3.client("dynamodb").update_item(
        TableName="PointsTable",
        Key={"PK": {"S": "MEMBER#old"}, "SK": {"S": "ACCOUNT"}},
        UpdateExpression="REMOVE inviteCode",
    )
    code = me(invoke, old)["inviteCode"]
    assert code and me(invoke, old)["inviteCode"] == code
    bob = login(invoke, "dev:bob", code)["token"]
    assert me(invoke, bob)["balance"] == 100 == me(invoke, old)["balance"]


@pytest.fixture
def wechat(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeWeChat]:
    with fake_wechat() as fake:
        monkeypatch.setenv("WECHAT_ENABLED", "true")
        monkeypatch.setenv("WECHAT_API_BASE", fake.base_url)
        _reset_caches()
        yield fake


def test_a_wechat_first_login_with_a_code_rewards_both(invoke: Invoke, wechat: FakeWeChat) -> None:
    wechat.codes |= {"a1": "openid-alice", "b1": "openid-bob", "b2": "openid-bob"}
    alice = login(invoke, "a1")
    code = me(invoke, alice["token"])["inviteCode"]
    bob = login(invoke, "b1", code)
    assert me(invoke, bob["token"])["balance"] == 100 and me(invoke, alice["token"])["balance"] == 100
    assert login(invoke, "b2", code)["memberId"] == bob["memberId"]  # known: no second reward
    assert me(invoke, bob["token"])["balance"] == 100 and me(invoke, alice["token"])["balance"] == 100
