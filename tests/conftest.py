"""Fixtures for handler tests: moto in-process (single-threaded only), real handlers, API Gateway events."""

from __future__ import annotations

import functools
import importlib.util
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests import iam  # one module, however often this conftest is imported (as conftest, tests.conftest)

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events"

LOCAL_ENV = {
    "TABLE_NAME": "PointsTable",
    "SIGNING_KEY_SECRET_ID": "SigningKeySecret",
    "WECHAT_SECRET_ID": "WeChatSecret",
    "LOCAL_STACK": "true",
    "WECHAT_ENABLED": "false",
    "RULES_CACHE_SECONDS": "0",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_NAMESPACE": "PointsMallTest",
    "POWERTOOLS_SERVICE_NAME": "points-mall",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
}


@functools.lru_cache(maxsize=1)
def table_definitions() -> list[dict[str, Any]]:
    """CreateTable requests for every table in template.yaml (the single source of truth)."""
    requests = []
    for table in template().tables:
        props = table.properties
        request = {
            "TableName": table.name,
            "KeySchema": props["KeySchema"],
            "AttributeDefinitions": props["AttributeDefinitions"],
            "BillingMode": "PAY_PER_REQUEST",
        }
        if props.get("GlobalSecondaryIndexes"):
            request["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
        requests.append(request)
    return requests


@functools.lru_cache(maxsize=1)
def template() -> Any:
    from local_stack.template import load_template

    return load_template(ROOT / "template.yaml")


def handler_folder(logical_id: str) -> str:
    """functions/<folder> of a template function (its CodeUri)."""
    return template().function(logical_id).handler_file.parent.name


@functools.lru_cache(maxsize=1)
def template_router() -> Any:
    """API Gateway's route keys ("GET /orders/{orderId}") come from the template, as they do deployed."""
    from local_stack.routing import Router

    return Router((route, fn.logical_id) for fn in template().functions for route in fn.routes)


@dataclass
class FakeContext:
    function_name: str = "test-function"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:test-function"
    aws_request_id: str = "test-request"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


def load_handler(folder: str) -> Any:
    """Import functions/<folder>/handler.py once, under a unique module name (every file is handler.py).

    Its `lambda_handler` runs as its template function: every AWS call it makes is checked against that
    function's policy in template.yaml (`iam_checked`)."""
    name = f"{folder}.handler"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "functions" / folder / "handler.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        owner = {fn.handler_file.parent.name: fn.logical_id for fn in template().functions}.get(folder)
        if owner and hasattr(module, "lambda_handler"):
            module.lambda_handler = iam.running_as(owner, module.lambda_handler)  # type: ignore[attr-defined]
    return sys.modules[name]


@pytest.fixture(autouse=True)
def iam_checked() -> Iterator[None]:
    """Fail any test during which a handler made an AWS call its template policy would refuse."""
    iam.VIOLATIONS.clear()
    yield
    found, iam.VIOLATIONS[:] = list(iam.VIOLATIONS), []
    assert not found, "AccessDenied in AWS:\n" + "\n".join(sorted(set(found)))


def http_event(
    method: str,
    path: str,
    body: Any = None,
    token: str | None = None,
    query: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """An API Gateway HTTP API (payload 2.0) event, built from events/http_request.json."""
    event = json.loads((EVENTS / "http_request.json").read_text())
    matched = template_router().match(method, path.split("?", 1)[0])
    event["routeKey"] = matched.route_key if matched else f"{method} {path}"
    event["pathParameters"] = matched.path_parameters if matched else None
    event["rawPath"] = path
    event["requestContext"]["http"].update(method=method, path=path)
    event["requestContext"]["routeKey"] = event["routeKey"]
    event["headers"] = {
        "content-type": "application/json",
        **{k.lower(): v for k, v in (headers or {}).items()},
    }
    if token:
        event["headers"]["authorization"] = f"Bearer {token}"
    event["queryStringParameters"] = query
    event["rawQueryString"] = "&".join(f"{k}={v}" for k, v in (query or {}).items())
    event["body"] = body if isinstance(body, str) or body is None else json.dumps(body)
    return event


def through_gateway(event: dict[str, Any]) -> tuple[int, Any] | None:
    """API Gateway's authorizer step for the event's route, as deployed (`local_stack.authorizer`): the
    route's Lambda authorizer runs first and its verdict rides in the event. Returns the gateway's own
    answer when it stops the request."""
    from local_stack.authorizer import Authorizers

    matched = template_router().match(event["requestContext"]["http"]["method"], event["rawPath"])
    if matched is None:
        return None
    authorizers = Authorizers(
        template().authorizers,
        lambda fn, ev: load_handler(handler_folder(fn)).lambda_handler(ev, FakeContext()),
    )
    stopped = authorizers.apply(matched.authorizer, event)
    return (stopped.status, stopped.body) if stopped else None


_SECRETS = {
    "SigningKeySecret": "k" * 64,
    "WeChatSecret": json.dumps({"appId": "wx1", "appSecret": "s3cr3t"}),
}


@pytest.fixture(scope="session")
def _moto() -> Iterator[str]:
    """moto in-process, started once for the whole session: tables, secrets and the queue made once."""
    session_env = pytest.MonkeyPatch()
    for key, value in LOCAL_ENV.items():
        session_env.setenv(key, value)
    import botocore.client

    session_env.setattr(
        botocore.client.BaseClient,
        "_make_api_call",
        iam.checked(botocore.client.BaseClient._make_api_call),  # type: ignore[attr-defined]
    )
    with mock_aws():
        ddb = boto3.client("dynamodb")
        for request in table_definitions():
            ddb.create_table(**request)
        sm = boto3.client("secretsmanager")
        for name, value in _SECRETS.items():
            sm.create_secret(Name=name, SecretString=value)
        yield boto3.client("sqs").create_queue(QueueName="FlashSaleQueue")["QueueUrl"]
        _admin_clients.cache_clear()
    session_env.undo()


@functools.lru_cache(maxsize=1)
def _admin_clients() -> tuple[Any, Any, Any]:
    """The fixtures' own clients (moto's session outlives them); handlers make their own."""
    return boto3.client("dynamodb"), boto3.client("secretsmanager"), boto3.client("sqs")


def _empty_tables() -> None:
    """What a test wrote goes away (a scan of a small in-process table), so each test starts empty."""
    ddb = _admin_clients()[0]
    for request in table_definitions():
        name = request["TableName"]
        keys = [a["AttributeName"] for a in request["KeySchema"]]
        pages = ddb.get_paginator("scan").paginate(TableName=name, ProjectionExpression=", ".join(keys))
        doomed = [item for page in pages for item in page["Items"]]
        for start in range(0, len(doomed), 25):
            batch = [{"DeleteRequest": {"Key": key}} for key in doomed[start : start + 25]]
            ddb.batch_write_item(RequestItems={name: batch})


def _drain(queue_url: str) -> None:
    """Messages a test left in the queue (PurgeQueue may run only once a minute)."""
    sqs = _admin_clients()[2]
    while messages := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages"):
        entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)]
        sqs.delete_message_batch(QueueUrl=queue_url, Entries=entries)


@pytest.fixture
def aws(_moto: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for key, value in LOCAL_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("FLASH_SALE_QUEUE_URL", _moto)
    _empty_tables()
    sm = _admin_clients()[1]
    for name, value in _SECRETS.items():
        sm.put_secret_value(SecretId=name, SecretString=value)
    _drain(_moto)
    _reset_caches()
    yield
    _reset_caches()


def _reset_caches() -> None:
    """Per-container caches (clients, settings, rules, secrets) must not leak between tests."""
    from aws_lambda_powertools.utilities import parameters

    from mall.data import dynamo, rules_store
    from mall.data import flash_sales as flash_sale_store
    from mall.services import catalog, draws, flash_sales
    from mall.settings import settings

    parameters.clear_caches()
    settings.cache_clear()
    dynamo.client.cache_clear()
    rules_store._provider.cache_clear()
    flash_sale_store._sqs.cache_clear()
    flash_sales._sales.clear()
    draws._definitions.clear()
    catalog._hot.clear()


Invoke = Any


@pytest.fixture
def invoke(aws: None) -> Invoke:
    def call(
        folder: str,
        method: str,
        path: str,
        body: Any = None,
        token: str | None = None,
        query: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        event = http_event(method, path, body, token, query, headers)
        stopped = through_gateway(event)
        if stopped is not None:
            return stopped
        response = load_handler(folder).lambda_handler(event, FakeContext())
        payload = json.loads(response["body"]) if response.get("body") else None
        return response["statusCode"], payload

    return call


class Tokens:
    def __init__(self, invoke: Invoke) -> None:
        self._invoke = invoke

    def _login(self, code: str) -> str:
        status, body = self._invoke("auth_login", "POST", "/auth/login", {"code": code})
        assert status == 200, body
        return str(body["token"])

    def member(self, member_id: str = "alice") -> str:
        return self._login(f"dev:{member_id}")

    def admin(self, name: str = "ops") -> str:
        return self._login(f"dev-admin:{name}")

    def service(self, name: str = "shop") -> str:
        return self._login(f"dev-service:{name}")


@pytest.fixture
def tokens(invoke: Invoke) -> Tokens:
    return Tokens(invoke)


class Clock:
    """Moves the clock every function reads, the way POST /_local/clock does in the local stack."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def set(self, iso_time: str) -> None:
        from datetime import datetime

        offset = datetime.fromisoformat(iso_time).timestamp() - __import__("time").time()
        self.path.write_text(json.dumps({"offsetSeconds": offset}))

    def advance(self, seconds: float) -> None:
        current = json.loads(self.path.read_text())["offsetSeconds"] if self.path.exists() else 0.0
        self.path.write_text(json.dumps({"offsetSeconds": current + seconds}))


@pytest.fixture
def clock(aws: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Clock:
    monkeypatch.setenv("CLOCK_FILE", str(tmp_path / "clock.json"))
    _reset_caches()
    return Clock(tmp_path / "clock.json")
