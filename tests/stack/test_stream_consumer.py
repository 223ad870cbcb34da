"""The local DynamoDB stream event source: template parsing, filter patterns, Lambda events, failure
handling, and a poller reading a real stream on DynamoDB Local (with a fake function, no workers)."""

from __future__ import annotations

import json
import textwrap
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from local_stack import DEFAULT_TEMPLATE, engines
from local_stack.lambda_runtime import InvocationResult
from local_stack.stream_consumer import (
    StreamConsumer,
    check_pattern,
    first_failed,
    matches,
    matches_any,
    stream_event,
    stream_record,
)
from local_stack.template import StreamEvent, TemplateError, load_template

LEDGER = {"eventName": ["INSERT"], "dynamodb": {"Keys": {"SK": {"S": [{"prefix": "LEDGER#"}]}}}}
ORDER = {
    "eventName": ["INSERT"],
    "dynamodb": {"Keys": {"PK": {"S": [{"prefix": "ORDER#"}]}, "SK": {"S": ["ORDER"]}}},
}
# Account writes that moved a member between segments (the member journey's counters).
SEGMENT_MOVES = {
    "dynamodb": {"Keys": {"SK": {"S": ["ACCOUNT"]}}, "NewImage": {"segmentMoved": {"S": [{"exists": True}]}}}
}
ARN = "arn:aws:dynamodb:ddblocal:000000000000:table/T/stream/2026-01-01T00:00:00.000"


def raw(pk: str, sk: str, name: str = "INSERT", seq: int = 1, **image: Any) -> dict[str, Any]:
    """A record as boto3's GetRecords returns it."""
    keys = {"PK": {"S": pk}, "SK": {"S": sk}}
    body: dict[str, Any] = {
        "ApproximateCreationDateTime": datetime(2026, 1, 1, 8, 30, tzinfo=UTC),
        "Keys": keys,
        "SequenceNumber": f"{seq:021d}",
        "SizeBytes": 42,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    if name != "REMOVE":
        body["NewImage"] = {**keys, **image}
    if name != "INSERT":
        body["OldImage"] = dict(keys)
    return {
        "eventID": f"id-{seq}",
        "eventName": name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "ddblocal",
        "dynamodb": body,
    }


# --- template ------------------------------------------------------------------------------------------


def test_the_app_template_declares_the_aggregator_stream() -> None:
    fn = load_template(DEFAULT_TEMPLATE).function("StatsAggregatorFunction")
    (stream,) = fn.streams
    assert stream.table == "PointsTable"
    assert stream.starting_position == "TRIM_HORIZON"
    assert stream.batch_size == 25 and stream.report_batch_item_failures and stream.bisect_on_error
    assert stream.maximum_retry_attempts >= 0
    assert list(stream.filters) == [LEDGER, ORDER, SEGMENT_MOVES]
    for pattern in stream.filters:
        check_pattern(pattern)


def test_stream_events_are_parsed_with_lambda_defaults(tmp_path: Path) -> None:
    template = tmp_path / "template.yaml"
    template.write_text(
        textwrap.dedent(
            """
            Transform: AWS::Serverless-2016-10-31
            Resources:
              Table:
                Type: AWS::DynamoDB::Table
                Properties:
                  KeySchema: [{AttributeName: PK, KeyType: HASH}]
                  AttributeDefinitions: [{AttributeName: PK, AttributeType: S}]
                  StreamSpecification: {StreamViewType: NEW_IMAGE}
              Fn:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: fn/
                  Handler: handler.main
                  Events:
                    Plain:
                      Type: DynamoDB
                      Properties: {Stream: !GetAtt Table.StreamArn, StartingPosition: LATEST}
                    WrongArn:
                      Type: DynamoDB
                      Properties: {Stream: !GetAtt Table.Arn, StartingPosition: LATEST}
            """
        )
    )
    loaded = load_template(template)
    (plain,) = loaded.function("Fn").streams
    assert plain == StreamEvent(
        name="Plain",
        table="Table",
        batch_size=100,
        starting_position="LATEST",
        report_batch_item_failures=False,
        enabled=True,
    )
    assert any("WrongArn" in w for w in loaded.warnings)


# --- filters --------------------------------------------------------------------------------------------


def test_filters_keep_inserts_of_ledger_entries_and_orders() -> None:
    patterns = [LEDGER, ORDER]

    def kept(record: dict[str, Any]) -> bool:
        return matches_any(patterns, stream_record(record, ARN))

    assert kept(raw("MEMBER#m1", "LEDGER#0001", type={"S": "EARN"}))
    assert kept(raw("ORDER#o1", "ORDER"))
    assert not kept(raw("MEMBER#m1", "LEDGER#0001", name="MODIFY"))
    assert not kept(raw("MEMBER#m1", "LEDGER#0001", name="REMOVE"))
    assert not kept(raw("ORDER#o1", "ORDER", name="MODIFY"))
    assert not kept(raw("MEMBER#m1", "ACCOUNT"))
    assert not kept(raw("ORDER#o1", "ORDERLINE"))  # exact value, not a prefix
    assert not kept(raw("STATSDONE#x", "MARKER"))
    assert not kept(raw("STATS#2026-01-01", "DAY"))


def test_the_segment_filter_keeps_only_account_writes_that_moved_a_member() -> None:
    def kept(record: dict[str, Any]) -> bool:
        return matches_any([LEDGER, ORDER, SEGMENT_MOVES], stream_record(record, ARN))

    assert kept(raw("MEMBER#m1", "ACCOUNT", segmentMoved={"S": "2026-01-01"}))
    assert kept(raw("MEMBER#m1", "ACCOUNT", name="MODIFY", segmentMoved={"S": "2026-01-02"}))
    assert not kept(raw("MEMBER#m1", "ACCOUNT", name="MODIFY", balance={"N": "5"}))
    assert not kept(raw("MEMBER#m1", "LIMIT#cup", name="MODIFY", segmentMoved={"S": "2026-01-02"}))
    assert matches_any([], stream_record(raw("X", "Y"), ARN))  # no filter: everything


def test_filter_operators() -> None:
    record = {"a": "abc", "n": 5, "flag": True, "tags": ["x", "y"], "nested": {"z": None}}
    assert matches({"a": ["abc"]}, record)
    assert matches({"a": ["nope", {"prefix": "ab"}]}, record)
    assert not matches({"a": [{"prefix": "b"}]}, record)
    assert matches({"n": [5.0]}, record) and not matches({"n": ["5"]}, record)
    assert matches({"flag": [True]}, record) and not matches({"n": [True]}, record)
    assert matches({"tags": ["y"]}, record)  # an array matches if any element does
    assert matches({"nested": {"z": [None]}}, record)
    assert matches({"missing": [{"exists": False}]}, record)
    assert not matches({"a": [{"exists": False}]}, record)
    assert matches({"a": [{"exists": True}]}, record)
    assert matches({"a": [{"anything-but": ["x", "y"]}]}, record)
    assert not matches({"a": [{"anything-but": "abc"}]}, record)
    assert not matches({"missing": ["abc"]}, record)
    assert not matches({"a": {"b": ["c"]}}, record)  # a string is not an object


@pytest.mark.parametrize(
    "pattern",
    [{"a": [{"numeric": [">", 1]}]}, {"a": [{"suffix": "x"}]}, {"a": "abc"}, {"a": []}, {"a": [["x"]]}],
)
def test_unsupported_filters_are_refused(pattern: dict[str, Any]) -> None:
    with pytest.raises(TemplateError):
        check_pattern(pattern)


# --- events and failures --------------------------------------------------------------------------------


def test_records_look_like_lambdas() -> None:
    record = stream_record(raw("MEMBER#m1", "LEDGER#1", seq=7, blob={"B": b"\x00\xff"}, n={"N": "3"}), ARN)
    assert record == {
        "eventID": "id-7",
        "eventName": "INSERT",
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "eventSourceARN": ARN,
        "dynamodb": {
            "ApproximateCreationDateTime": 1767256200,
            "Keys": {"PK": {"S": "MEMBER#m1"}, "SK": {"S": "LEDGER#1"}},
            "NewImage": {
                "PK": {"S": "MEMBER#m1"},
                "SK": {"S": "LEDGER#1"},
                "blob": {"B": "AP8="},
                "n": {"N": "3"},
            },
            "SequenceNumber": "000000000000000000007",
            "SizeBytes": 42,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        },
    }
    # DynamoDB Local writes an empty map as {} in stream images; Lambda events carry {"M": {}}.
    quirk = stream_record(raw("MEMBER#m1", "ACCOUNT", lots={}, deep={"M": {"x": {}, "l": {"L": [{}]}}}), ARN)
    assert quirk["dynamodb"]["NewImage"]["lots"] == {"M": {}}
    assert quirk["dynamodb"]["NewImage"]["deep"] == {"M": {"x": {"M": {}}, "l": {"L": [{"M": {}}]}}}
    event = stream_event([record])
    assert json.loads(json.dumps(event)) == event == {"Records": [record]}
    # powertools reads it as the DynamoDB stream event it expects.
    from aws_lambda_powertools.utilities.data_classes import DynamoDBStreamEvent

    (parsed,) = DynamoDBStreamEvent(event).records
    assert parsed.dynamodb is not None and parsed.dynamodb.sequence_number == "000000000000000000007"
    assert parsed.dynamodb.new_image["SK"] == "LEDGER#1"


def test_a_reported_failure_retries_from_the_lowest_sequence_number() -> None:
    batch = [stream_record(raw("MEMBER#m1", f"LEDGER#{i}", seq=i), ARN) for i in (1, 2, 3, 4)]

    def result(ok: bool, payload: Any) -> InvocationResult:
        return InvocationResult(ok=ok, payload=payload, duration_ms=1)

    def item(seq: int) -> dict[str, str]:
        return {"itemIdentifier": f"{seq:021d}"}

    assert first_failed(batch, result(True, {"batchItemFailures": []}), True) is None
    assert first_failed(batch, result(True, None), True) is None
    assert first_failed(batch, result(True, {"batchItemFailures": [item(4), item(2)]}), True) == 1
    assert first_failed(batch, result(True, {"batchItemFailures": [item(9)]}), True) == 0
    assert first_failed(batch, result(True, {"batchItemFailures": [{"itemIdentifier": ""}]}), True) == 0
    assert first_failed(batch, result(True, {"batchItemFailures": [item(2)]}), False) is None
    assert first_failed(batch, result(False, {"errorMessage": "boom"}), True) == 0


# --- a real stream on DynamoDB Local --------------------------------------------------------------------


@pytest.fixture(scope="module")
def dynamodb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    try:
        running = engines.start_engines(with_moto=False, log_dir=tmp_path_factory.mktemp("ddb"))
    except engines.EngineUnavailable as exc:
        pytest.skip(str(exc))
    with running:
        yield running.dynamodb_endpoint


class FakeFunction:
    """Records every invocation; fails records whose `fail` attribute is set, until told otherwise."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.failing = True
        self.crash_once = False
        self.lock = threading.Lock()

    def __call__(self, function: str, event: Any) -> InvocationResult:
        with self.lock:
            self.events.append(event)
        if self.crash_once:
            self.crash_once = False
            return InvocationResult(ok=False, payload={"errorMessage": "boom"}, duration_ms=1)
        failures = [
            {"itemIdentifier": r["dynamodb"]["SequenceNumber"]}
            for r in event["Records"]
            if self.failing and "fail" in r["dynamodb"].get("NewImage", {})
        ]
        return InvocationResult(ok=True, payload={"batchItemFailures": failures}, duration_ms=1)

    def delivered(self) -> list[str]:
        with self.lock:
            return [r["dynamodb"]["Keys"]["SK"]["S"] for e in self.events for r in e["Records"]]


def make_table(endpoint: str, name: str) -> tuple[Any, str]:
    ddb = engines.client("dynamodb", endpoint)
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "PK", "AttributeType": "S"},
            {"AttributeName": "SK", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    return ddb, ddb.describe_table(TableName=name)["Table"]["LatestStreamArn"]


def put(ddb: Any, table: str, pk: str, sk: str, **extra: str) -> None:
    item = {"PK": {"S": pk}, "SK": {"S": sk}} | {k: {"S": v} for k, v in extra.items()}
    ddb.put_item(TableName=table, Item=item)


def wait_for(condition: Any, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def consumer(endpoint: str, arn: str, fake: FakeFunction, **options: Any) -> StreamConsumer:
    subscription = StreamEvent(
        **{
            "name": "Stream",
            "table": "T",
            "batch_size": 3,
            "starting_position": "TRIM_HORIZON",
            "report_batch_item_failures": True,
            "enabled": True,
            "filters": (LEDGER, ORDER),
            "maximum_retry_attempts": -1,
            **options,
        }
    )
    return StreamConsumer(
        "Fn", subscription, stream_arn=arn, endpoint=endpoint, invoke=fake, poll_interval=0.05
    )


def test_poller_reads_from_the_horizon_filters_batches_and_retries(dynamodb: str) -> None:
    ddb, arn = make_table(dynamodb, "horizon")
    put(ddb, "horizon", "MEMBER#m1", "LEDGER#01")  # written before the poller starts: TRIM_HORIZON
    put(ddb, "horizon", "MEMBER#m1", "ACCOUNT")
    fake = FakeFunction()
    poller = consumer(dynamodb, arn, fake)
    poller.start()
    try:
        wait_for(lambda: fake.delivered() == ["LEDGER#01"])
        put(ddb, "horizon", "MEMBER#m1", "LEDGER#01", note="modified")  # MODIFY: filtered out
        for sk in ("LEDGER#02", "LEDGER#03", "LEDGER#04", "LEDGER#05"):
            put(ddb, "horizon", "MEMBER#m1", sk, **({"fail": "yes"} if sk == "LEDGER#04" else {}))
        put(ddb, "horizon", "ORDER#o1", "ORDER")
        # Batches of 3; LEDGER#04 is reported failed, so its batch resumes from it (and only from it).
        wait_for(lambda: fake.delivered().count("LEDGER#04") >= 3)
        with fake.lock:
            fake.failing, healed = False, len(fake.events)

        def order_after_healing() -> bool:
            with fake.lock:
                later = fake.events[healed:]
            return any(r["dynamodb"]["Keys"]["SK"]["S"] == "ORDER" for e in later for r in e["Records"])

        wait_for(order_after_healing)
        delivered = fake.delivered()
        assert delivered[:4] == ["LEDGER#01", "LEDGER#02", "LEDGER#03", "LEDGER#04"]
        # Retries start at the failed record: later ones may come again, earlier ones never.
        assert all(sk in ("LEDGER#04", "LEDGER#05", "ORDER") for sk in delivered[4:])
        assert delivered.count("LEDGER#02") == delivered.count("LEDGER#03") == 1
        assert delivered[-1] == "ORDER"
        assert all(len(e["Records"]) <= 3 for e in fake.events)
        record = fake.events[0]["Records"][0]
        assert record["eventSourceARN"] == arn and record["eventName"] == "INSERT"
        assert record["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    finally:
        poller.stop()
        poller.join(5)
    assert not poller.is_alive()


def test_poller_from_latest_bisects_and_gives_up_after_the_retries(dynamodb: str) -> None:
    ddb, arn = make_table(dynamodb, "latest")
    put(ddb, "latest", "MEMBER#m1", "LEDGER#00")  # before the start: not delivered with LATEST
    fake = FakeFunction()
    fake.crash_once = True
    poller = consumer(
        dynamodb,
        arn,
        fake,
        starting_position="LATEST",
        bisect_on_error=True,
        maximum_retry_attempts=1,
        batching_window_seconds=1.0,  # the three puts below arrive as one batch
    )
    poller.start()
    try:
        time.sleep(0.5)  # let it take its LATEST position
        for sk in ("LEDGER#01", "LEDGER#02", "LEDGER#03"):
            put(ddb, "latest", "MEMBER#m1", sk, **({"fail": "yes"} if sk == "LEDGER#03" else {}))
        put(ddb, "latest", "MEMBER#m1", "LEDGER#04")
        wait_for(lambda: "LEDGER#04" in fake.delivered())
        # The crash fails the first batch of 3; it is bisected: [01, 02] succeed, then [03] fails, is
        # retried once (MaximumRetryAttempts 1) and skipped; LEDGER#04 comes next, on its own.
        assert [len(e["Records"]) for e in fake.events] == [3, 2, 1, 1, 1]
        assert fake.delivered() == [
            *("LEDGER#01", "LEDGER#02", "LEDGER#03"),
            *("LEDGER#01", "LEDGER#02"),
            *("LEDGER#03", "LEDGER#03", "LEDGER#04"),
        ]
    finally:
        poller.stop()
        poller.join(5)
