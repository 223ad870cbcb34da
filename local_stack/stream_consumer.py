"""Emulate a Lambda DynamoDB stream event source mapping: read shards, filter, batch, invoke, retry.

As AWS's poller does: shards are read in order (a child only after its parent is finished), new shards
are followed as they appear, ``StartingPosition`` applies to the shards there at start (later shards
are read from their beginning), ``FilterCriteria`` drop records before batching (the subset used here:
exact values, ``prefix``, ``exists``, ``anything-but``), ``MaximumBatchingWindowInSeconds`` gathers
records up to ``BatchSize``, a failed invocation retries the batch (halved when
``BisectBatchOnFunctionError``), and with ``ReportBatchItemFailures`` the retry starts at the lowest
reported sequence number.  A batch that exhausts ``MaximumRetryAttempts`` is logged and skipped (the
on-failure destination is not emulated).  Records of one shard are never processed concurrently.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from local_stack import LOCAL_REGION
from local_stack.engines import client
from local_stack.events import sample
from local_stack.lambda_runtime import InvocationResult
from local_stack.template import StreamEvent, TemplateError

log = logging.getLogger(__name__)

Invoke = Callable[[str, Any], InvocationResult]

GET_RECORDS_LIMIT = 1000  # GetRecords' maximum; batches are cut from what it returns
RETRY_DELAY_SECONDS = 0.2
_OPERATORS = ("prefix", "exists", "anything-but")


# --- filter patterns ---------------------------------------------------------------------------------


def check_pattern(pattern: Mapping[str, Any], where: str = "pattern") -> None:
    """Raise TemplateError for what :func:`matches` cannot evaluate faithfully."""
    for key, rule in pattern.items():
        if isinstance(rule, dict):
            check_pattern(rule, f"{where}.{key}")
        elif isinstance(rule, list) and rule:
            for option in rule:
                if isinstance(option, dict):
                    if len(option) != 1 or next(iter(option)) not in _OPERATORS:
                        raise TemplateError(
                            f"{where}.{key}: filter operator {option!r} is not emulated locally "
                            f"(supported: exact values, {', '.join(_OPERATORS)})"
                        )
                elif isinstance(option, list):
                    raise TemplateError(f"{where}.{key}: nested lists are not a filter rule")
        else:
            raise TemplateError(f"{where}.{key}: a filter rule must be an object or a non-empty list")


def matches(pattern: Mapping[str, Any], record: Mapping[str, Any]) -> bool:
    """Lambda event filtering: every key of the pattern must match; a list matches any of its options."""
    for key, rule in pattern.items():
        present = key in record
        value = record.get(key)
        if isinstance(rule, dict):
            if not (isinstance(value, dict) and matches(rule, value)):
                return False
        elif not any(_option(option, present, value) for option in rule):
            return False
    return True


def matches_any(patterns: Sequence[Mapping[str, Any]], record: Mapping[str, Any]) -> bool:
    """Several filters are ORed; no filter at all lets every record through."""
    return not patterns or any(matches(p, record) for p in patterns)


def _option(option: Any, present: bool, value: Any) -> bool:
    values = value if isinstance(value, list) else [value]
    if not isinstance(option, dict):
        return present and any(_same(option, v) for v in values)
    ((operator, argument),) = option.items()
    if operator == "exists":
        return present is bool(argument)
    if not present:
        return False
    if operator == "prefix":
        return any(isinstance(v, str) and v.startswith(str(argument)) for v in values)
    forbidden = argument if isinstance(argument, list) else [argument]  # anything-but
    return not any(_same(f, v) for f in forbidden for v in values)


def _same(a: Any, b: Any) -> bool:
    """JSON equality: numbers by value (1 is 1.0), everything else by type and value (True is not 1)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    return type(a) is type(b) and a == b


# --- events ------------------------------------------------------------------------------------------


def stream_record(record: Mapping[str, Any], stream_arn: str) -> dict[str, Any]:
    """One GetRecords record (as boto3 returns it) -> the record Lambda delivers (JSON, base64 binary)."""
    body = dict(record.get("dynamodb") or {})
    lambda_body: dict[str, Any] = {}
    created = body.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        seconds = created.timestamp()
        lambda_body["ApproximateCreationDateTime"] = int(seconds) if seconds.is_integer() else seconds
    elif created is not None:
        lambda_body["ApproximateCreationDateTime"] = created
    for key in ("Keys", "NewImage", "OldImage"):
        if key in body:
            try:
                lambda_body[key] = {name: _json_value(v) for name, v in body[key].items()}
            except ValueError as exc:
                raise ValueError(f"{key} {body[key]!r}: {exc}") from exc
    for key in ("SequenceNumber", "SizeBytes", "StreamViewType"):
        if key in body:
            lambda_body[key] = body[key]
    event: dict[str, Any] = dict(sample("dynamodb_stream.json")["Records"][0])
    event.update(
        eventID=record["eventID"],
        eventName=record["eventName"],
        eventVersion=record.get("eventVersion", "1.1"),
        awsRegion=LOCAL_REGION,
        dynamodb=lambda_body,
        eventSourceARN=stream_arn,
    )
    if record.get("userIdentity"):  # TTL deletions
        event["userIdentity"] = dict(record["userIdentity"])
    return event


def stream_event(records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The Lambda DynamoDB stream event for records built by :func:`stream_record`."""
    return {"Records": [dict(r) for r in records]}


def _json_value(value: Mapping[str, Any]) -> dict[str, Any]:
    """An attribute value with bytes as base64, the way Lambda's JSON event carries binary."""
    if not value:
        # DynamoDB Local writes an empty map as {} in stream images (GetItem says {"M": {}}).
        return {"M": {}}
    if len(value) != 1:
        raise ValueError(f"not an attribute value: {value!r}")
    ((kind, inner),) = value.items()
    if kind == "B":
        return {"B": base64.b64encode(inner).decode("ascii")}
    if kind == "BS":
        return {"BS": [base64.b64encode(b).decode("ascii") for b in inner]}
    if kind == "M":
        return {"M": {k: _json_value(v) for k, v in inner.items()}}
    if kind == "L":
        return {"L": [_json_value(v) for v in inner]}
    return {kind: inner}


def first_failed(batch: Sequence[Mapping[str, Any]], result: InvocationResult, report: bool) -> int | None:
    """Index of the first record to retry from, or None when the whole batch succeeded.

    An error fails the batch; with ReportBatchItemFailures the lowest reported sequence number is the
    checkpoint, and a report naming no record of the batch (or none at all) fails it whole."""
    if not result.ok:
        return 0
    if not report or not isinstance(result.payload, dict):
        return None
    failures = result.payload.get("batchItemFailures") or []
    if not failures:
        return None
    index = {r["dynamodb"]["SequenceNumber"]: i for i, r in enumerate(batch)}
    reported = [f.get("itemIdentifier") if isinstance(f, dict) else None for f in failures]
    if not all(isinstance(s, str) and s in index for s in reported):
        log.warning("invalid batchItemFailures %r: the whole batch is retried", failures)
        return 0
    return min(index[s] for s in reported if isinstance(s, str))


# --- the poller --------------------------------------------------------------------------------------


@dataclass
class _Shard:
    shard_id: str
    parent: str | None
    iterator: str | None = None
    after: str | None = None  # last sequence number read (delivered or filtered out)
    initial: str = "TRIM_HORIZON"  # where to start while nothing has been read
    closed: bool = False
    buffer: list[dict[str, Any]] = field(default_factory=list)
    buffered_since: float = 0.0


class StreamConsumer(threading.Thread):
    """One poller per (function, DynamoDB event), processing each shard's batches one at a time."""

    def __init__(
        self,
        function_name: str,
        subscription: StreamEvent,
        *,
        stream_arn: str,
        endpoint: str,
        invoke: Invoke,
        poll_interval: float = 0.25,
        discovery_interval: float = 5.0,
    ) -> None:
        super().__init__(name=f"stream-{function_name}-{subscription.name}", daemon=True)
        for i, pattern in enumerate(subscription.filters):
            check_pattern(pattern, f"{function_name}.{subscription.name}.FilterCriteria[{i}]")
        self.function_name = function_name
        self.subscription = subscription
        self.stream_arn = stream_arn
        self._streams: Any = client("dynamodbstreams", endpoint)
        self._invoke = invoke
        self._poll_interval = poll_interval
        self._discovery_interval = discovery_interval
        self._shards: dict[str, _Shard] = {}
        self._discovered_at = float("-inf")
        self._first_discovery = True
        self._stop_requested = threading.Event()

    def stop(self) -> None:
        self._stop_requested.set()

    def run(self) -> None:
        while not self._stop_requested.is_set():
            try:
                busy = self.poll_once()
            except Exception:
                if self._stop_requested.is_set():
                    return
                log.exception("polling the stream %s for %s failed", self.stream_arn, self.function_name)
                self._stop_requested.wait(1)
                continue
            if not busy:
                self._stop_requested.wait(self._poll_interval)

    def poll_once(self) -> bool:
        """Read every readable shard once and deliver due batches; True when records were read."""
        if time.monotonic() - self._discovered_at >= self._discovery_interval:
            self._discover()
        busy = False
        for shard in list(self._shards.values()):
            if self._stop_requested.is_set():
                break
            if shard.closed and not shard.buffer:
                continue
            parent = self._shards.get(shard.parent) if shard.parent else None
            if parent is not None and not (parent.closed and not parent.buffer):
                continue  # a child shard waits until its parent is read to the end
            if not shard.closed:
                busy = self._read(shard) or busy
            self._deliver_due(shard)
        return busy

    def _discover(self) -> None:
        self._discovered_at = time.monotonic()
        shards: list[Mapping[str, Any]] = []
        start: str | None = None
        while True:
            request: dict[str, Any] = {"StreamArn": self.stream_arn}
            if start:
                request["ExclusiveStartShardId"] = start
            description = self._streams.describe_stream(**request)["StreamDescription"]
            shards.extend(description.get("Shards") or [])
            start = description.get("LastEvaluatedShardId")
            if not start:
                break
        initial = self.subscription.starting_position if self._first_discovery else "TRIM_HORIZON"
        self._first_discovery = False
        for raw in shards:
            if raw["ShardId"] not in self._shards:
                self._shards[raw["ShardId"]] = _Shard(
                    raw["ShardId"], raw.get("ParentShardId"), initial=initial
                )

    def _read(self, shard: _Shard) -> bool:
        if shard.iterator is None:
            shard.iterator = self._iterator(shard)
        try:
            response = self._streams.get_records(ShardIterator=shard.iterator, Limit=GET_RECORDS_LIMIT)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            if code in ("ExpiredIteratorException", "TrimmedDataAccessException"):
                shard.iterator = None  # resume after the last record read (or at the horizon)
                if code == "TrimmedDataAccessException":
                    shard.after, shard.initial = None, "TRIM_HORIZON"
                return False
            if code == "ResourceNotFoundException":
                shard.closed = True
                return False
            raise
        records = response.get("Records") or []
        shard.iterator = response.get("NextShardIterator")
        if shard.iterator is None:
            shard.closed = True
            self._discovered_at = float("-inf")  # look for its children now
        for record in records:
            shard.after = record["dynamodb"]["SequenceNumber"]
            event = stream_record(record, self.stream_arn)
            if matches_any(self.subscription.filters, event):
                if not shard.buffer:
                    shard.buffered_since = time.monotonic()
                shard.buffer.append(event)
        return bool(records)

    def _iterator(self, shard: _Shard) -> str:
        request: dict[str, Any] = {"StreamArn": self.stream_arn, "ShardId": shard.shard_id}
        if shard.after is not None:
            request |= {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": shard.after}
        else:
            request["ShardIteratorType"] = shard.initial
        return str(self._streams.get_shard_iterator(**request)["ShardIterator"])

    def _deliver_due(self, shard: _Shard) -> None:
        """Invoke with full batches, and with a partial one once the batching window has passed."""
        size = self.subscription.batch_size
        while shard.buffer and not self._stop_requested.is_set():
            waited = time.monotonic() - shard.buffered_since
            filling = len(shard.buffer) < size and waited < self.subscription.batching_window_seconds
            if filling and not shard.closed:
                return
            self._deliver(shard.buffer[:size])
            del shard.buffer[:size]
            shard.buffered_since = time.monotonic()

    def _deliver(self, records: list[dict[str, Any]]) -> None:
        """Invoke until every record of `records` succeeded or its batch ran out of retries."""
        pending = records
        size = len(records)
        attempts = 0
        while pending and not self._stop_requested.is_set():
            batch = pending[:size]
            result = self._invoke(self.function_name, json.loads(json.dumps(stream_event(batch))))
            failed = first_failed(batch, result, self.subscription.report_batch_item_failures)
            if failed is None:
                pending, size, attempts = pending[len(batch) :], len(pending) - len(batch), 0
                continue
            attempts += 1
            log.warning(
                "%s failed on %d stream record(s) (attempt %d), retrying from %s: %s",
                self.function_name,
                len(batch) - failed,
                attempts,
                batch[failed]["dynamodb"]["SequenceNumber"],
                result.payload.get("errorMessage") if isinstance(result.payload, dict) else result.payload,
            )
            limit = self.subscription.maximum_retry_attempts
            if 0 <= limit < attempts:
                log.error(
                    "%s: giving up on stream records %s..%s after %d retries (on-failure destination "
                    "not emulated)",
                    self.function_name,
                    batch[0]["dynamodb"]["SequenceNumber"],
                    batch[-1]["dynamodb"]["SequenceNumber"],
                    limit,
                )
                pending, size, attempts = pending[len(batch) :], len(pending) - len(batch), 0
                continue
            pending = pending[failed:]
            if failed == 0 and self.subscription.bisect_on_error and len(batch) > 1:
                size = (len(batch) + 1) // 2
            self._stop_requested.wait(RETRY_DELAY_SECONDS)
