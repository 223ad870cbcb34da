"""Tests of the local stack runner itself, on a small fake template and fake handlers (not the app's).

One stack is started for the module (DynamoDB Local + moto + 4 workers) and shared by the tests.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import textwrap
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from local_stack import engines
from local_stack.engines import EngineUnavailable, start_engines
from local_stack.events import http_api_response
from local_stack.local_server import Stack, running_stack
from local_stack.routing import Router
from local_stack.template import HttpRoute, load_template

TEMPLATE = """
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Parameters:
  AppId:
    Type: String
    Default: wx-fake
  SlowWarm:
    Type: Number
    Default: 1
Conditions:
  SlowIsProvisioned: !Not [!Equals [!Ref SlowWarm, 0]]
Globals:
  Function:
    Runtime: python3.11
    MemorySize: 256
    Timeout: 5
    Layers: [!Ref Lib]
    Environment:
      Variables:
        TABLE_NAME: !Ref Table
        POWERTOOLS_LOG_LEVEL: INFO
        RULES_CACHE_SECONDS: "30"
Resources:
  Lib:
    Type: AWS::Serverless::LayerVersion
    Properties: {ContentUri: lib/}
    Metadata: {BuildMethod: python3.11}
  Api:
    Type: AWS::Serverless::HttpApi
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions:
        - {AttributeName: PK, AttributeType: S}
        - {AttributeName: SK, AttributeType: S}
        - {AttributeName: G1PK, AttributeType: S}
        - {AttributeName: G2PK, AttributeType: S}
      KeySchema:
        - {AttributeName: PK, KeyType: HASH}
        - {AttributeName: SK, KeyType: RANGE}
      GlobalSecondaryIndexes:
        - IndexName: GSI1
          KeySchema: [{AttributeName: G1PK, KeyType: HASH}, {AttributeName: SK, KeyType: RANGE}]
          Projection: {ProjectionType: ALL}
        - IndexName: GSI2
          KeySchema: [{AttributeName: G2PK, KeyType: HASH}]
          Projection: {ProjectionType: KEYS_ONLY}
  WorkQueue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 1
      RedrivePolicy: {deadLetterTargetArn: !GetAtt WorkDLQ.Arn, maxReceiveCount: 2}
  WorkDLQ:
    Type: AWS::SQS::Queue
  TokenKey:
    Type: AWS::SecretsManager::Secret
    Properties:
      GenerateSecretString: {PasswordLength: 64, ExcludePunctuation: true}
  AppCreds:
    Type: AWS::SecretsManager::Secret
    Properties:
      SecretString: !Sub '{"appId": "${AppId}", "region": "${AWS::Region}"}'
  ApiFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/api
      Handler: handler.lambda_handler
      Timeout: 3
      Environment:
        Variables:
          QUEUE_URL: !Ref WorkQueue
          DLQ_NAME: !GetAtt WorkDLQ.QueueName
          TOKEN_SECRET: !Ref TokenKey
          APP_ID: !Ref AppId
          TABLE_ARN_SUB: !Sub "${Table.Arn}/index/GSI1"
      Events:
        GetOrder: {Type: HttpApi, Properties: {ApiId: !Ref Api, Path: "/orders/{orderId}", Method: GET}}
        MyOrders: {Type: HttpApi, Properties: {ApiId: !Ref Api, Path: /orders/mine, Method: GET}}
        PostOrder: {Type: HttpApi, Properties: {ApiId: !Ref Api, Path: /orders, Method: post}}
        Items: {Type: HttpApi, Properties: {ApiId: !Ref Api, Path: "/items/{proxy+}", Method: ANY}}
        Sleep: {Type: HttpApi, Properties: {ApiId: !Ref Api, Path: /sleep, Method: GET}}
        Boom: {Type: HttpApi, Properties: {ApiId: !Ref Api, Path: /boom, Method: GET}}
  SlowFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/slow
      Handler: handler.lambda_handler
      Timeout: 1
      AutoPublishAlias: live
      ProvisionedConcurrencyConfig: !If
        - SlowIsProvisioned
        - ProvisionedConcurrentExecutions: !Ref SlowWarm
        - !Ref AWS::NoValue
      Events:
        Slow: {Type: HttpApi, Properties: {Path: /slow, Method: GET}}
  NightlyJob:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/job
      Handler: handler.lambda_handler
      Events:
        Nightly: {Type: Schedule, Properties: {Schedule: rate(1 day)}}
  Consumer:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/consumer
      Handler: handler.lambda_handler
      Timeout: 1
      Events:
        Work:
          Type: SQS
          Properties:
            Queue: !GetAtt WorkQueue.Arn
            BatchSize: 5
            FunctionResponseTypes: [ReportBatchItemFailures]
"""

API_HANDLER = """
import json
import os
import time

import fakelib  # from the layer (lib/), as /opt/python would provide it

CALLS = []  # module state survives between invocations of one worker, as in a warm Lambda


def lambda_handler(event, context):
    CALLS.append(event["requestContext"]["requestId"])
    if event["routeKey"] == "GET /sleep":
        start = time.time()
        time.sleep(0.5)
        span = {"pid": os.getpid(), "start": start, "end": time.time()}
        return {"statusCode": 200, "body": json.dumps(span)}
    if event["routeKey"] == "GET /boom":
        raise RuntimeError("boom")
    body = {
        "event": event,
        "layer": fakelib.NAME,
        "warmCalls": len(CALLS),
        "context": {
            "function_name": context.function_name,
            "memory_limit_in_mb": context.memory_limit_in_mb,
            "invoked_function_arn": context.invoked_function_arn,
            "aws_request_id": context.aws_request_id,
            "remaining": context.get_remaining_time_in_millis(),
        },
        "env": dict(os.environ),
        "pid": os.getpid(),
    }
    return {"statusCode": 201, "headers": {"content-type": "application/json"}, "cookies": ["a=1"],
            "body": json.dumps(body)}
"""

SLOW_HANDLER = """
import os
import time

INIT_TYPE = os.environ["AWS_LAMBDA_INITIALIZATION_TYPE"]  # read in the init phase, as Lambda sets it


def lambda_handler(event, context):
    started = time.time()
    if event.get("queryStringParameters", {}).get("sleep"):
        time.sleep(float(event["queryStringParameters"]["sleep"]))
    return {"ok": True, "remaining": context.get_remaining_time_in_millis(), "pid": os.getpid(),
            "initType": INIT_TYPE, "started": started}
"""

JOB_HANDLER = """
import os


def lambda_handler(event, context):
    return {"detailType": event["detail-type"], "source": event["source"], "time": event["time"],
            "function": context.function_name, "clockFile": os.environ["CLOCK_FILE"], "niceness": os.nice(0)}
"""

CONSUMER_HANDLER = """
import os

import boto3

table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


def lambda_handler(event, context):
    failures = []
    for record in event["Records"]:
        table.put_item(Item={
            "PK": "msg#" + record["body"],
            "SK": record["attributes"]["ApproximateReceiveCount"],
            "messageId": record["messageId"],
            "source": record["eventSourceARN"],
            "eventSource": record["eventSource"],
            "kind": record["messageAttributes"].get("kind", {}).get("stringValue", ""),
        })
        if record["body"].startswith("fail"):
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
"""


def write_project(root: Path) -> Path:
    files = {
        "template.yaml": TEMPLATE,
        "lib/fakelib/__init__.py": 'NAME = "fakelib from the layer"\n',
        "functions/api/handler.py": API_HANDLER,
        "functions/slow/handler.py": SLOW_HANDLER,
        "functions/job/handler.py": JOB_HANDLER,
        "functions/consumer/handler.py": CONSUMER_HANDLER,
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return root / "template.yaml"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_project(tmp_path_factory.mktemp("project"))


SEEDED: list[str] = []


def failing_seed(base_url: str) -> None:
    SEEDED.append(base_url)
    raise RuntimeError("seed is broken; the stack must stay up")


@pytest.fixture(scope="module")
def stack(project: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    state = tmp_path_factory.mktemp("state")
    with running_stack(
        template_path=project, workers=4, idle_timeout=2, seed=failing_seed, state_dir=state
    ) as running:
        yield running


def aws(stack: Stack, service: str) -> Any:
    endpoint = stack.dynamodb_endpoint if service == "dynamodb" else stack.moto_endpoint
    return engines.client(service, endpoint)


def get(stack: Stack, path: str, **kwargs: Any) -> requests.Response:
    return requests.get(stack.url + path, timeout=30, **kwargs)


# --- template and routing (no engines) ---------------------------------------------------------------


def test_template_is_read_with_globals_merged(project: Path) -> None:
    template = load_template(project)
    api = template.function("ApiFunction")
    assert api.timeout == 3 and api.memory_size == 256
    assert api.handler_file == project.parent / "functions/api/handler.py"
    assert api.module_name == "api.handler"
    assert api.environment["TABLE_NAME"] == {"Ref": "Table"}
    assert api.environment["QUEUE_URL"] == {"Ref": "WorkQueue"}
    assert HttpRoute("POST", "/orders") in api.routes
    assert template.function("NightlyJob").timeout == 5
    assert template.function("NightlyJob").schedules[0].expression == "rate(1 day)"
    (work,) = template.function("Consumer").queues
    assert (work.queue, work.batch_size, work.report_batch_item_failures) == ("WorkQueue", 5, True)
    assert [q.dead_letter_queue for q in template.queues] == ["WorkDLQ", None]
    assert template.layer_dirs == (project.parent / "lib",)
    assert template.warnings == ()


def test_router_prefers_literal_then_parameter_then_greedy() -> None:
    router = Router(
        [
            (HttpRoute("GET", "/orders/{orderId}"), "byId"),
            (HttpRoute("GET", "/orders/mine"), "mine"),
            (HttpRoute("ANY", "/orders/{proxy+}"), "greedy"),
            (HttpRoute("POST", "/orders/{orderId}/cancel"), "cancel"),
            (HttpRoute("ANY", "/x/{id}"), "any"),
            (HttpRoute("DELETE", "/x/{id}"), "delete"),
        ]
    )
    match = router.match("GET", "/orders/o%2F1")
    assert match is not None and (match.target, match.path_parameters) == ("byId", {"orderId": "o/1"})
    assert getattr(router.match("GET", "/orders/mine"), "target", None) == "mine"
    greedy = router.match("GET", "/orders/a/b")
    assert greedy is not None and (greedy.target, greedy.path_parameters) == ("greedy", {"proxy": "a/b"})
    assert getattr(router.match("POST", "/orders/1/cancel"), "target", None) == "cancel"
    assert getattr(router.match("DELETE", "/x/1"), "target", None) == "delete"
    assert getattr(router.match("PATCH", "/x/1"), "target", None) == "any"
    assert router.match("GET", "/nowhere") is None
    assert router.allowed_methods("/orders/1/cancel") == ["ANY", "POST"]


def test_handler_results_map_to_http_like_api_gateway() -> None:
    plain = http_api_response({"hello": "world"})
    assert (plain.status, plain.body) == (200, b'{"hello": "world"}')
    assert ("content-type", "application/json") in plain.headers
    full = http_api_response({"statusCode": 302, "headers": {"location": "/x"}, "cookies": ["a=1", "b=2"]})
    assert full.status == 302 and full.body == b""
    assert [v for k, v in full.headers if k == "set-cookie"] == ["a=1", "b=2"]
    binary = http_api_response({"statusCode": 200, "body": "AAEC", "isBase64Encoded": True})
    assert binary.body == b"\x00\x01\x02"


def test_missing_java_is_explained_and_fatal(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("DYNAMODB_ENDPOINT", raising=False)
    monkeypatch.delenv("ALLOW_MOTO_DYNAMODB", raising=False)
    monkeypatch.setattr("local_stack.engines.shutil.which", lambda _name: None)
    with pytest.raises(EngineUnavailable) as caught:
        start_engines(log_dir=tmp_path)
    assert "apt-get install openjdk-17-jre-headless" in str(caught.value)
    assert "--allow-moto-dynamodb" in str(caught.value)


def test_missing_jar_is_explained(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(engines, "DYNAMODB_PACKAGE", tmp_path / "nothing")
    message = engines.missing_dynamodb_local()
    assert message is not None and "npm ci" in message and "DynamoDBLocal.jar" in message


# --- the running stack ---------------------------------------------------------------------------------


def test_resources_exist_on_the_engines(stack: Stack) -> None:
    table = aws(stack, "dynamodb").describe_table(TableName="Table")["Table"]
    assert stack.table_name == "Table"
    assert sorted(i["IndexName"] for i in table["GlobalSecondaryIndexes"]) == ["GSI1", "GSI2"]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    sqs = aws(stack, "sqs")
    url = sqs.get_queue_url(QueueName="WorkQueue")["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    redrive = json.loads(attributes["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"] == stack.resources["WorkDLQ"].attributes["Arn"]
    assert int(redrive["maxReceiveCount"]) == 2
    assert attributes["VisibilityTimeout"] == "1"
    secrets = aws(stack, "secretsmanager")
    generated = secrets.get_secret_value(SecretId="TokenKey")["SecretString"]
    assert re.fullmatch(r"[A-Za-z0-9]{64}", generated)
    creds = json.loads(secrets.get_secret_value(SecretId="AppCreds")["SecretString"])
    assert creds == {"appId": "wx-fake", "region": "us-east-1"}


def test_seed_failure_is_logged_not_fatal(stack: Stack) -> None:
    assert stack.url in SEEDED
    assert get(stack, "/orders/1").status_code == 201


def test_event_shape_and_context(stack: Stack) -> None:
    response = get(
        stack,
        "/orders/o%201?x=1&x=2&empty=",
        headers={"X-Custom": "Yes", "Cookie": "session=abc; theme=dark", "User-Agent": "pytest"},
    )
    assert response.status_code == 201
    assert response.headers["set-cookie"] == "a=1"
    body = response.json()
    event = body["event"]
    assert event["version"] == "2.0"
    assert event["routeKey"] == "GET /orders/{orderId}"
    assert event["rawPath"] == "/orders/o%201"
    assert event["rawQueryString"] == "x=1&x=2&empty="
    assert event["pathParameters"] == {"orderId": "o 1"}
    assert event["queryStringParameters"] == {"x": "1,2", "empty": ""}
    assert event["headers"]["x-custom"] == "Yes"
    assert event["cookies"] == ["session=abc", "theme=dark"]
    assert "body" not in event and event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["http"] == {
        "method": "GET",
        "path": "/orders/o%201",
        "protocol": "HTTP/1.1",
        "sourceIp": "127.0.0.1",
        "userAgent": "pytest",
    }
    assert context["stage"] == "$default" and context["routeKey"] == event["routeKey"]
    assert abs(context["timeEpoch"] / 1000 - time.time()) < 30
    assert response.headers["apigw-requestid"] == context["requestId"]
    assert body["layer"] == "fakelib from the layer"
    fake = body["context"]
    assert fake["function_name"] == "ApiFunction" and fake["memory_limit_in_mb"] == 256
    assert fake["invoked_function_arn"].endswith(":function:ApiFunction")
    assert 0 < fake["remaining"] <= 3000


def test_post_body_and_method_case(stack: Stack) -> None:
    response = requests.post(stack.url + "/orders", json={"sku": "cup"}, timeout=30)
    event = response.json()["event"]
    assert event["routeKey"] == "POST /orders"
    assert json.loads(event["body"]) == {"sku": "cup"}
    assert event["isBase64Encoded"] is False
    assert "pathParameters" not in event and "queryStringParameters" not in event
    greedy = requests.delete(stack.url + "/items/a/b", timeout=30).json()["event"]
    assert (greedy["routeKey"], greedy["pathParameters"]) == ("ANY /items/{proxy+}", {"proxy": "a/b"})


def test_environment_is_resolved_to_local_resources(stack: Stack) -> None:
    env = get(stack, "/orders/mine").json()["env"]
    assert env["TABLE_NAME"] == "Table"
    assert env["QUEUE_URL"] == stack.resources["WorkQueue"].ref and env["QUEUE_URL"].startswith("http://")
    assert env["DLQ_NAME"] == "WorkDLQ"
    assert env["TOKEN_SECRET"].startswith("arn:aws:secretsmanager:us-east-1:")
    assert env["APP_ID"] == "wx-fake"
    assert env["TABLE_ARN_SUB"].endswith(":table/Table/index/GSI1")
    assert env["LOCAL_STACK"] == "true"
    assert env["AWS_ENDPOINT_URL_DYNAMODB"] == stack.dynamodb_endpoint
    assert env["AWS_ENDPOINT_URL_SQS"] == env["AWS_ENDPOINT_URL_SECRETS_MANAGER"] == stack.moto_endpoint
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "us-east-1"
    assert env["RULES_CACHE_SECONDS"] == "1"
    assert env["POWERTOOLS_LOG_LEVEL"] in ("WARNING", env.get("LOG_LEVEL"))
    assert env["CLOCK_FILE"] == str(stack.clock_file)
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "ApiFunction"
    assert "AWS_PROFILE" not in env and "AWS_SESSION_TOKEN" not in env
    assert stack.env["TABLE_NAME"] == "Table" and stack.env["LOCAL_STACK"] == "true"


def test_unknown_route_is_404_and_wrong_method_405(stack: Stack) -> None:
    missing = get(stack, "/nope")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "NOT_FOUND"
    wrong = requests.put(stack.url + "/orders/1", timeout=30)
    assert wrong.status_code == 405
    assert wrong.json()["error"]["code"] == "METHOD_NOT_ALLOWED"
    assert wrong.headers["allow"] == "GET"


def test_handler_error_is_500_and_timeout_503_like_api_gateway(stack: Stack) -> None:
    boom = get(stack, "/boom")
    assert (boom.status_code, boom.json()) == (500, {"message": "Internal Server Error"})
    started = time.monotonic()
    slow = get(stack, "/slow", params={"sleep": "3"})
    assert (slow.status_code, slow.json()) == (503, {"message": "Service Unavailable"})
    assert time.monotonic() - started < 2.9  # killed at the 1 s Timeout, not after the 3 s sleep
    # The timed-out environment is gone for good; the next request starts a fresh one.
    assert get(stack, "/slow").json()["ok"] is True
    assert stack.invoker._pool.sizes()["SlowFunction"] == 1


def test_concurrent_requests_run_in_parallel_one_per_worker(stack: Stack) -> None:
    get(stack, "/sleep")  # warm
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(lambda _: get(stack, "/sleep"), range(8)))
    elapsed = time.monotonic() - started
    assert all(r.status_code == 200 for r in responses)
    assert elapsed < 2.5, f"8 x 0.5 s on 4 workers took {elapsed:.2f} s"
    by_pid: dict[int, list[tuple[float, float]]] = {}
    for r in responses:
        body = r.json()
        by_pid.setdefault(body["pid"], []).append((body["start"], body["end"]))
    assert len(by_pid) > 1
    for spans in by_pid.values():  # never two invocations at once in one worker process
        spans.sort()
        assert all(a_end <= b_start for (_, a_end), (b_start, _) in itertools.pairwise(spans))


def test_clock_route_writes_the_clock_file(stack: Stack) -> None:
    target = datetime(2031, 2, 3, 4, 5, 6, tzinfo=UTC)
    response = requests.post(
        stack.url + "/_local/clock", json={"now": "2031-02-03T12:05:06+08:00"}, timeout=30
    )
    assert response.status_code == 200
    assert datetime.fromisoformat(response.json()["now"]) == target
    offset = json.loads(stack.clock_file.read_text())["offsetSeconds"]
    assert abs(time.time() + offset - target.timestamp()) < 5
    current = datetime.fromisoformat(get(stack, "/_local/clock").json()["now"])
    assert abs((current - target).total_seconds()) < 5
    for bad in ({}, {"now": "tomorrow"}, {"now": "2031-02-03T12:05:06"}):
        rejected = requests.post(stack.url + "/_local/clock", json=bad, timeout=30)
        assert rejected.status_code == 400
        error = rejected.json()["error"]
        assert error["code"] == "VALIDATION_ERROR" and error["message"].startswith("now:")
    assert requests.delete(stack.url + "/_local/clock", timeout=30).status_code == 200
    assert not stack.clock_file.exists()


def test_jobs_run_schedule_handlers_at_the_local_clock(stack: Stack) -> None:
    requests.post(stack.url + "/_local/clock", json={"now": "2030-01-01T00:00:00Z"}, timeout=30)
    try:
        response = requests.post(stack.url + "/_local/jobs/NightlyJob/run", timeout=30)
    finally:
        requests.delete(stack.url + "/_local/clock", timeout=30)
    assert response.status_code == 200
    assert response.json() == {
        "job": "NightlyJob",
        "result": {
            "detailType": "Scheduled Event",
            "source": "aws.events",
            "time": "2030-01-01T00:00:00Z",
            "function": "NightlyJob",
            "clockFile": str(stack.clock_file),
            # No HTTP route reaches it: its environment yields the CPU to those answering requests.
            "niceness": min(19, os.nice(0) + 10),
        },
    }
    unknown = requests.post(stack.url + "/_local/jobs/ApiFunction/run", timeout=30)
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "JOB_NOT_FOUND"


def test_sqs_consumer_deletes_successes_and_redrives_reported_failures(stack: Stack) -> None:
    sqs = aws(stack, "sqs")
    queue_url = stack.resources["WorkQueue"].ref
    kind = {"kind": {"DataType": "String", "StringValue": "test"}}
    sqs.send_message(QueueUrl=queue_url, MessageBody="ok-1", MessageAttributes=kind)
    sqs.send_message(QueueUrl=queue_url, MessageBody="fail-1")
    table = boto3.resource(
        "dynamodb",
        endpoint_url=stack.dynamodb_endpoint,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    ).Table(stack.table_name)
    dlq_url = stack.resources["WorkDLQ"].ref
    dead: list[dict[str, Any]] = []
    deadline = time.monotonic() + 30
    while not dead and time.monotonic() < deadline:
        dead = sqs.receive_message(QueueUrl=dlq_url, WaitTimeSeconds=1).get("Messages", [])
    assert [m["Body"] for m in dead] == ["fail-1"], "the reported failure should reach the DLQ"

    def deliveries(body: str) -> list[dict[str, Any]]:
        return table.query(
            KeyConditionExpression="PK = :pk", ExpressionAttributeValues={":pk": f"msg#{body}"}
        )["Items"]

    ok = deliveries("ok-1")
    assert [item["SK"] for item in ok] == ["1"], "a success is deleted, never redelivered"
    assert ok[0]["kind"] == "test" and ok[0]["eventSource"] == "aws:sqs"
    assert ok[0]["source"] == stack.resources["WorkQueue"].attributes["Arn"]
    assert [item["SK"] for item in deliveries("fail-1")] == ["1", "2"], "redelivered up to maxReceiveCount"


def test_stack_invoke_runs_a_function_directly(stack: Stack) -> None:
    result = stack.invoke("SlowFunction", {"queryStringParameters": {}})
    assert result.ok and result.payload["ok"] is True


def test_teardown_leaves_no_processes(project: Path, tmp_path: Path) -> None:
    """A second, short-lived stack: every engine and worker it started is gone after exit."""
    with running_stack(template_path=project, workers=1, seed=False, state_dir=tmp_path) as small:
        assert get(small, "/orders/1").status_code == 201
        pool = small.invoker._pool
        workers = [w.process for w in pool._workers]
        port = small.port
    assert all(not p.is_alive() for p in workers)
    assert not any(consumer.is_alive() for consumer in small.consumers)
    for url in (f"http://127.0.0.1:{port}/orders/1", small.dynamodb_endpoint, small.moto_endpoint):
        with pytest.raises(requests.ConnectionError):
            requests.get(url, timeout=2)
