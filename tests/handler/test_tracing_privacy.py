"""Traces never record what a handler answered (tokens, addresses, member ids) nor the request body."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FakeContext, Invoke, Tokens, load_handler

ROOT = Path(__file__).resolve().parents[2]


class _Subsegment:
    def __init__(self, recorded: list[tuple[str, Any]]) -> None:
        self.recorded = recorded

    def put_metadata(self, key: str, value: Any, namespace: str = "default") -> None:
        self.recorded.append((key, value))

    def put_annotation(self, key: str, value: Any) -> None:
        pass


class _Provider:
    """Stands in for X-Ray: keeps whatever metadata the tracer puts on a handler's subsegment."""

    def __init__(self) -> None:
        self.recorded: list[tuple[str, Any]] = []

    @contextlib.contextmanager
    def in_subsegment(self, name: str, **_: Any) -> Iterator[_Subsegment]:
        yield _Subsegment(self.recorded)


@pytest.fixture
def traces(monkeypatch: pytest.MonkeyPatch) -> _Provider:
    from mall.observability import tracer

    provider = _Provider()
    monkeypatch.setattr(tracer, "provider", provider)
    return provider


def test_http_handlers_record_no_response(invoke: Invoke, tokens: Tokens, traces: _Provider) -> None:
    status, body = invoke("auth_login", "POST", "/auth/login", {"code": "dev:alice"})
    assert status == 200
    assert invoke("member", "GET", "/me", token=body["token"])[0] == 200
    assert not [key for key, _ in traces.recorded if "response" in key], traces.recorded
    assert body["token"] not in repr(traces.recorded)


def test_scheduled_handlers_record_no_response(aws: None, traces: _Provider) -> None:
    result = load_handler("order_timeout").lambda_handler({}, FakeContext())
    assert result == {"due": 0, "cancelled": 0}
    assert not [key for key, _ in traces.recorded if "response" in key], traces.recorded


def test_the_template_keeps_responses_and_events_out_of_traces_and_logs() -> None:
    from local_stack.template import load_template

    env = load_template(ROOT / "template.yaml").global_environment
    assert env["POWERTOOLS_TRACER_CAPTURE_RESPONSE"] == "false"
    assert env["POWERTOOLS_LOGGER_LOG_EVENT"] == "false"
