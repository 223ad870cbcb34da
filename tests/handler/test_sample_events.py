"""The sample events in events/ (what `sam local invoke` is given) drive the real handlers."""

from __future__ import annotations

import json
from typing import Any

import pytest

from local_stack.events import sample
from tests.conftest import ROOT, FakeContext, Invoke, handler_folder, load_handler, template


def test_the_http_sample_asks_for_a_token(invoke: Invoke) -> None:
    response = load_handler("member").lambda_handler(sample("http_request.json"), FakeContext())
    assert response["statusCode"] == 401  # the sample's placeholder is not a token
    assert json.loads(response["body"])["error"]["code"] == "UNAUTHENTICATED"


def test_the_schedule_sample_runs_a_job(invoke: Invoke) -> None:
    result = load_handler("expiry_sweep").lambda_handler(sample("schedule.json"), FakeContext())
    assert result == {"expiredAccounts": 0, "skipped": 0, "complete": True}


def test_the_sqs_sample_settles_a_claim_nobody_made(invoke: Invoke) -> None:
    event: dict[str, Any] = sample("sqs_batch.json")
    assert load_handler("flash_settle").lambda_handler(event, FakeContext()) == {"batchItemFailures": []}


def test_the_stream_sample_is_counted_once(invoke: Invoke, tokens: Any) -> None:
    event: dict[str, Any] = sample("dynamodb_stream.json")
    for _ in range(2):
        assert load_handler("stats_aggregator").lambda_handler(event, FakeContext()) == {
            "batchItemFailures": []
        }
    stats = invoke("stats", "GET", "/admin/stats", token=tokens.admin(), query={"to": "2026-11-29"})[1]
    assert stats["days"][0]["issued"] == 888 and stats["outstanding"] == 888


def _functions() -> list[Any]:
    return list(template().functions)


@pytest.mark.parametrize("fn", _functions(), ids=lambda fn: fn.logical_id)
def test_every_function_answers_its_own_sample_event(invoke: Invoke, fn: Any) -> None:
    """events/<FunctionLogicalId>.json exists for every function (`python -m tools.sample_events` writes
    a missing one) and its handler answers it: what `sam local invoke <Fn> -e events/<Fn>.json` runs."""
    path = ROOT / "events" / f"{fn.logical_id}.json"
    assert path.is_file(), f"no sample event for {fn.logical_id}: run python -m tools.sample_events"
    result = load_handler(handler_folder(fn.logical_id)).lambda_handler(sample(path.name), FakeContext())
    if fn.logical_id == "AuthorizerFunction":
        assert result == {"isAuthorized": True, "context": {"error": "invalid token"}}
    elif fn.routes:
        # The verdict in the sample names a role the route allows: the gate lets it through.
        assert result["statusCode"] < 500 and result["statusCode"] not in (401, 403), result
    elif fn.queues or fn.streams:
        assert result == {"batchItemFailures": []}
    else:
        assert isinstance(result, dict)
