"""The WeChat subscribe-message adapter against a fake WeChat HTTP server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from mall.notify import wechat_push
from mall.notify.wechat_push import PushFailed, SubscribeMessage
from tests.fake_wechat import FakeWeChat, fake_wechat

OPENID = "o-secret-openid-123"
MESSAGE = SubscribeMessage(template_id="tmpl-1", page="pages/points/index", data={"number1": "120"})


@pytest.fixture
def wechat(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeWeChat]:
    """The adapter wired to the fake server; app id and secret come from the (moto) secret store."""
    from mall.settings import settings

    with fake_wechat() as fake:
        monkeypatch.setenv("WECHAT_API_BASE", fake.base_url)
        settings.cache_clear()
        wechat_push.push_settings.cache_clear()
        monkeypatch.setattr(wechat_push, "_token", None)
        yield fake
        settings.cache_clear()
        wechat_push.push_settings.cache_clear()


def test_token_is_fetched_once_and_reused(wechat: FakeWeChat) -> None:
    wechat_push.send(OPENID, MESSAGE)
    wechat_push.send("o-other", MESSAGE)
    assert wechat.token_calls == 1
    assert [s["token"] for s in wechat.sends] == ["tok-1", "tok-1"]
    body = wechat.sends[0]["body"]
    assert body["touser"] == OPENID and body["template_id"] == "tmpl-1"
    assert body["page"] == "pages/points/index"
    assert body["data"] == {"number1": {"value": "120"}}
    assert body["miniprogram_state"] == "formal"


def test_expired_token_is_renewed_once_and_the_send_retried(wechat: FakeWeChat) -> None:
    wechat_push.send(OPENID, MESSAGE)
    wechat.expire_tokens()
    wechat_push.send(OPENID, MESSAGE)  # 42001 on tok-1, then a new token and one retry
    assert wechat.token_calls == 2
    assert [(s["token"], s["answer"]["errcode"]) for s in wechat.sends] == [
        ("tok-1", 0),
        ("tok-1", 42001),
        ("tok-2", 0),
    ]
    wechat_push.send(OPENID, MESSAGE)
    assert wechat.token_calls == 2  # the renewed token is cached in turn


def test_a_token_error_after_renewal_is_not_retried_forever(wechat: FakeWeChat) -> None:
    wechat.send_errors = [40001, 40001]
    with pytest.raises(PushFailed) as failed:
        wechat_push.send(OPENID, MESSAGE)
    assert failed.value.code == "40001"
    assert wechat.token_calls == 2 and len(wechat.sends) == 2


def test_token_is_renewed_shortly_before_it_expires(
    wechat: FakeWeChat, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [1000.0]
    monkeypatch.setattr("mall.notify.wechat_push.time.monotonic", lambda: now[0])
    wechat_push.send(OPENID, MESSAGE)
    now[0] += 7200 - 301
    wechat_push.send(OPENID, MESSAGE)
    assert wechat.token_calls == 1
    now[0] += 2  # within the last five minutes of its life: fetch a fresh one
    wechat_push.send(OPENID, MESSAGE)
    assert wechat.token_calls == 2


def test_wechat_errors_surface_as_push_failed_without_the_openid(wechat: FakeWeChat) -> None:
    wechat.refused.add(OPENID)
    with pytest.raises(PushFailed) as refused:
        wechat_push.send(OPENID, MESSAGE)
    assert refused.value.code == "43101"
    assert OPENID not in str(refused.value)
    assert wechat.token_calls == 1  # not a token problem: no renewal


def test_bad_credentials_and_transport_errors_are_push_failed(
    wechat: FakeWeChat, monkeypatch: pytest.MonkeyPatch
) -> None:
    import boto3

    from mall.settings import settings

    boto3.client("secretsmanager").put_secret_value(
        SecretId="WeChatSecret", SecretString='{"appId": "wx1", "appSecret": "wrong"}'
    )
    from aws_lambda_powertools.utilities import parameters

    parameters.clear_caches()
    with pytest.raises(PushFailed) as bad_secret:
        wechat_push.send(OPENID, MESSAGE)
    assert bad_secret.value.code == "40013" and wechat.sends == []

    monkeypatch.setenv("WECHAT_API_BASE", "http://127.0.0.1:9")  # nothing listens there
    settings.cache_clear()
    with pytest.raises(PushFailed) as down:
        wechat_push.send(OPENID, MESSAGE)
    assert down.value.code == "UNAVAILABLE"


def test_without_a_template_nothing_is_sent(wechat: FakeWeChat) -> None:
    with pytest.raises(PushFailed) as failed:
        wechat_push.send(OPENID, SubscribeMessage(template_id=None, page=None, data={}))
    assert failed.value.code == "NOT_CONFIGURED"
    assert wechat.token_calls == 0 and wechat.sends == []


def test_reminder_message_follows_the_configured_template(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WECHAT_REMINDER_TEMPLATE_ID", "tmpl-9")
    monkeypatch.setenv(
        "WECHAT_REMINDER_FIELDS", '{"points": "number4", "expiresOn": "time2", "tip": "thing1"}'
    )
    wechat_push.push_settings.cache_clear()
    try:
        message = wechat_push.reminder_message(120, date(2027, 11, 24))
    finally:
        wechat_push.push_settings.cache_clear()
    assert message.template_id == "tmpl-9"
    assert message.data == {"number4": "120", "time2": "2027年11月24日", "thing1": "积分即将过期，请及时使用"}
    assert len(message.data["thing1"]) <= 20  # WeChat's limit for a `thing` value
    assert "touser" not in message.as_record()


def test_blank_template_id_means_not_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WECHAT_REMINDER_TEMPLATE_ID", "")
    wechat_push.push_settings.cache_clear()
    try:
        assert wechat_push.reminder_message(1, date(2027, 1, 1)).template_id is None
    finally:
        wechat_push.push_settings.cache_clear()


def test_an_unreadable_secret_is_push_failed(wechat: FakeWeChat, monkeypatch: pytest.MonkeyPatch) -> None:
    from mall.settings import settings

    monkeypatch.setenv("WECHAT_SECRET_ID", "NoSuchSecret")
    settings.cache_clear()
    with pytest.raises(PushFailed) as failed:
        wechat_push.send(OPENID, MESSAGE)
    assert failed.value.code == "NO_CREDENTIALS" and wechat.token_calls == 0
