"""Build the events AWS would deliver (HTTP API v2.0, EventBridge schedule, SQS) and read HTTP responses.

Shapes follow the AWS documentation for each integration so handlers see locally what they get deployed.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any
from urllib.parse import parse_qsl

from local_stack import LOCAL_ACCOUNT_ID, LOCAL_REGION, REPO_ROOT

SAMPLES = REPO_ROOT / "events"


def sample(name: str) -> Any:
    """A sample event from `events/` (the shapes `sam local invoke` and the tests use), fresh each call."""
    return json.loads(_sample_text(name))


@cache
def _sample_text(name: str) -> str:
    return (SAMPLES / name).read_text(encoding="utf-8")


@dataclass(frozen=True)
class HttpRequest:
    """One request as received by the local front door."""

    method: str
    raw_path: str
    raw_query: str
    headers: list[tuple[str, str]]
    body: bytes
    source_ip: str


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def http_api_event(
    request: HttpRequest,
    *,
    route_key: str,
    path_parameters: Mapping[str, str],
    request_id: str,
    host: str,
    now: float | None = None,
) -> dict[str, Any]:
    """API Gateway HTTP API payload format 2.0, as sent to a Lambda proxy integration."""
    now = time.time() if now is None else now
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in request.headers:
        key = name.lower()
        if key == "cookie":
            cookies.extend(c.strip() for c in value.split(";") if c.strip())
            continue
        headers[key] = f"{headers[key]},{value}" if key in headers else value
    headers.setdefault("x-forwarded-for", request.source_ip)
    headers.setdefault("x-forwarded-proto", "http")
    headers.setdefault("x-forwarded-port", host.rpartition(":")[2] or "80")
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": request.raw_path,
        "rawQueryString": request.raw_query,
        "headers": headers,
        "requestContext": {
            "accountId": LOCAL_ACCOUNT_ID,
            "apiId": "local",
            "domainName": host,
            "domainPrefix": host.split(".", 1)[0].split(":", 1)[0],
            "http": {
                "method": request.method,
                "path": request.raw_path,
                "protocol": "HTTP/1.1",
                "sourceIp": request.source_ip,
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": request_id,
            "routeKey": route_key,
            "stage": "$default",
            "time": datetime.fromtimestamp(now, UTC).strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": False,
    }
    if cookies:
        event["cookies"] = cookies
    query = _joined(parse_qsl(request.raw_query, keep_blank_values=True))
    if query:
        event["queryStringParameters"] = query
    if path_parameters:
        event["pathParameters"] = dict(path_parameters)
    if request.body:
        if _utf8(request.body):
            event["body"] = request.body.decode("utf-8")
        else:
            event["body"] = base64.b64encode(request.body).decode("ascii")
            event["isBase64Encoded"] = True
    return event


def http_api_response(result: Any) -> HttpResponse:
    """Map a handler's return value to HTTP the way HTTP API does for payload format 2.0."""
    if not (isinstance(result, dict) and "statusCode" in result):
        # No statusCode: API Gateway assumes 200 and JSON, with the whole return value as the body.
        whole = result if isinstance(result, str) else json.dumps(result)
        return HttpResponse(200, [("content-type", "application/json")], whole.encode("utf-8"))
    headers = [(str(k), str(v)) for k, v in (result.get("headers") or {}).items()]
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers.extend((str(name), str(v)) for v in values)
    headers.extend(("set-cookie", str(c)) for c in result.get("cookies") or [])
    raw = result.get("body")
    text = "" if raw is None else raw if isinstance(raw, str) else json.dumps(raw)
    body = base64.b64decode(text) if result.get("isBase64Encoded") else text.encode("utf-8")
    return HttpResponse(int(result["statusCode"]), headers, body)


def scheduled_event(when: datetime, input_json: str | None = None) -> Any:
    """What EventBridge sends for a schedule rule; a rule's ``Input`` replaces the event entirely."""
    if input_json is not None:
        return json.loads(input_json)
    event = sample("schedule.json")
    event.update(
        id=str(uuid.uuid4()),
        time=when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        account=LOCAL_ACCOUNT_ID,
        region=LOCAL_REGION,
        resources=[],
    )
    return event


def sqs_event(messages: Iterable[Mapping[str, Any]], queue_arn: str) -> dict[str, Any]:
    """The Lambda SQS event for messages returned by ReceiveMessage (system and message attributes: All)."""
    shape = sample("sqs_batch.json")["Records"][0]
    return {"Records": [_sqs_record(shape, m, queue_arn) for m in messages]}


def _sqs_record(shape: Mapping[str, Any], m: Mapping[str, Any], queue_arn: str) -> dict[str, Any]:
    record = dict(shape)
    record.update(
        messageId=m["MessageId"],
        receiptHandle=m["ReceiptHandle"],
        body=m.get("Body", ""),
        attributes=dict(m.get("Attributes") or {}),
        messageAttributes={
            name: _message_attribute(v) for name, v in (m.get("MessageAttributes") or {}).items()
        },
        md5OfBody=m.get("MD5OfBody"),
        eventSourceARN=queue_arn,
        awsRegion=LOCAL_REGION,
    )
    if "MD5OfMessageAttributes" in m:
        record["md5OfMessageAttributes"] = m["MD5OfMessageAttributes"]
    return record


def _message_attribute(value: Mapping[str, Any]) -> dict[str, Any]:
    attribute: dict[str, Any] = {
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": value["DataType"],
    }
    if "StringValue" in value:
        attribute["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        attribute["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode("ascii")
    return attribute


def _joined(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """HTTP API joins repeated query parameters with commas."""
    joined: dict[str, str] = {}
    for key, value in pairs:
        joined[key] = f"{joined[key]},{value}" if key in joined else value
    return joined


def _utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
