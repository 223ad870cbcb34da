"""Login through the real WeChat adapter, against a fake WeChat on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import Invoke, _reset_caches
from tests.fake_wechat import FakeWeChat, fake_wechat


@pytest.fixture
def wechat(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeWeChat]:
    with fake_wechat() as fake:
        monkeypatch.setenv("WECHAT_ENABLED", "true")
        monkeypatch.setenv("WECHAT_API_BASE", fake.base_url)
        _reset_caches()
        yield fake


def login(invoke: Invoke, code: str) -> tuple[int, Any]:
    return invoke("auth_login", "POST", "/auth/login", {"code": code})


def test_first_login_opens_an_account_and_later_logins_find_it(invoke: Invoke, wechat: FakeWeChat) -> None:
    wechat.codes |= {"c1": "openid-alice", "c2": "openid-alice", "c3": "openid-bob"}
    status, first = login(invoke, "c1")
    assert status == 200 and first["memberId"].startswith("m")
    assert login(invoke, "c2")[1]["memberId"] == first["memberId"]
    assert login(invoke, "c3")[1]["memberId"] != first["memberId"]
    status, me = invoke("member", "GET", "/me", token=first["token"])
    assert status == 200 and me["memberId"] == first["memberId"] and "openid" not in str(me)


def test_a_rejected_or_reused_code_is_invalid_code(invoke: Invoke, wechat: FakeWeChat) -> None:
    wechat.codes["once"] = "openid-carol"
    assert login(invoke, "once")[0] == 200
    status, body = login(invoke, "once")
    assert (status, body["error"]["code"]) == (401, "INVALID_CODE")


def test_dev_codes_are_refused_outside_the_local_stack(
    invoke: Invoke, wechat: FakeWeChat, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOCAL_STACK", "false")
    _reset_caches()
    status, body = login(invoke, "dev-admin:mallory")
    assert (status, body["error"]["code"]) == (401, "INVALID_CODE")


def test_wechat_down_is_a_retryable_503_not_invalid_code(
    invoke: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WECHAT_ENABLED", "true")
    monkeypatch.setenv("WECHAT_API_BASE", "http://127.0.0.1:9")  # nothing listens on the discard port
    _reset_caches()
    status, body = login(invoke, "whatever")
    assert (status, body["error"]["code"]) == (503, "UPSTREAM_UNAVAILABLE")
