"""Traces never record what a handler answered (tokens, addresses, member ids) nor the request body."""

from __future__ import annotations

import contextlib
import importlib.util
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FakeContext, http_event

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
        self.opened: list[str] = []

    @contextlib.contextmanager
    def in_subsegment(self, name: str, **_: Any) -> Iterator[_Subsegment]:
        self.opened.append(name)
        yield _Subsegment(self.recorded)


@pytest.fixture
def traces(monkeypatch: pytest.MonkeyPatch) -> _Provider:
    """Tracing on, as in Lambda (tests run with it off, so handlers skip the tracer altogether)."""
    from aws_lambda_powertools import Tracer

    from mall.observability import tracer

    monkeypatch.setattr(Tracer, "_is_tracer_disabled", staticmethod(lambda: False))
    provider = _Provider()
    monkeypatch.setattr(tracer(), "provider", provider)
    return provider


def _traced_handler(folder: str) -> Any:
    """functions/<folder>/handler.py imported afresh, so its handler is wrapped while tracing is on."""
    spec = importlib.util.spec_from_file_location(
        f"traced_{folder}", ROOT / "functions" / folder / "handler.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.lambda_handler


def test_http_handlers_record_no_response(aws: None, traces: _Provider) -> None:
    login = _traced_handler("auth_login")
    answer = login(http_event("POST", "/auth/login", {"code": "dev:alice"}), FakeContext())
    assert answer["statusCode"] == 200
    token = json.loads(answer["body"])["token"]
    assert traces.opened, "the handler was not traced"
    assert not [key for key, _ in traces.recorded if "response" in key], traces.recorded
    assert token not in repr(traces.recorded)


def test_scheduled_handlers_record_no_response(aws: None, traces: _Provider) -> None:
    result = _traced_handler("order_timeout")({}, FakeContext())
    assert traces.opened, "the handler was not traced"
    assert result == {"due": 0, "cancelled": 0}
    assert not [key for key, _ in traces.recorded if "response" in key], traces.recorded


def test_the_template_keeps_responses_and_events_out_of_traces_and_logs() -> None:
    from local_stack.template import load_template

    env = load_template(ROOT / "template.yaml").global_environment
    assert env["POWERTOOLS_TRACER_CAPTURE_RESPONSE"] == "false"
    assert env["POWERTOOLS_LOGGER_LOG_EVENT"] == "false"
