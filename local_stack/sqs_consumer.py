"""Emulate a Lambda SQS event source mapping: poll, invoke, delete what succeeded.

Messages left undeleted become visible again after the queue's visibility timeout; moto moves a message
to the dead-letter queue on the first ReceiveMessage after it was received maxReceiveCount times, which
is the same rule SQS applies, so redrive needs no help here.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from local_stack.engines import client
from local_stack.events import sqs_event
from local_stack.lambda_runtime import InvocationResult
from local_stack.template import SqsEvent

log = logging.getLogger(__name__)

Invoke = Callable[[str, Any], InvocationResult]


class QueueConsumer(threading.Thread):
    """One poller per (function, SQS event), processing one batch at a time."""

    def __init__(
        self,
        function_name: str,
        subscription: SqsEvent,
        *,
        queue_url: str,
        queue_arn: str,
        endpoint: str,
        invoke: Invoke,
        wait_seconds: int = 1,
    ) -> None:
        super().__init__(name=f"sqs-{function_name}-{subscription.name}", daemon=True)
        self.function_name = function_name
        self.subscription = subscription
        self.queue_url = queue_url
        self.queue_arn = queue_arn
        self._sqs: Any = client("sqs", endpoint)
        self._invoke = invoke
        self._wait_seconds = wait_seconds
        self._stop_requested = threading.Event()

    def stop(self) -> None:
        self._stop_requested.set()

    def run(self) -> None:
        while not self._stop_requested.is_set():
            try:
                self.poll_once()
            except Exception:
                if self._stop_requested.is_set():
                    return
                log.exception("polling %s for %s failed", self.queue_url, self.function_name)
                self._stop_requested.wait(1)

    def poll_once(self) -> int:
        """Receive one batch, invoke the function, delete the successes; returns messages received."""
        messages = self._sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=max(1, min(self.subscription.batch_size, 10)),
            WaitTimeSeconds=self._wait_seconds,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return 0
        result = self._invoke(self.function_name, sqs_event(messages, self.queue_arn))
        done = self._succeeded(messages, result)
        if done:
            self._sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
            )
        return len(messages)

    def _succeeded(self, messages: list[dict[str, Any]], result: InvocationResult) -> list[dict[str, Any]]:
        """Lambda's rules: an error fails the batch; with ReportBatchItemFailures only listed items fail."""
        if not result.ok:
            log.warning(
                "%s failed on %d message(s), they will be retried: %s",
                self.function_name,
                len(messages),
                result.payload.get("errorMessage"),
            )
            return []
        if not self.subscription.report_batch_item_failures or not isinstance(result.payload, dict):
            return messages
        failures = result.payload.get("batchItemFailures") or []
        ids = {m["MessageId"] for m in messages}
        failed = {f.get("itemIdentifier") if isinstance(f, dict) else None for f in failures}
        if not failed <= ids:
            log.warning(
                "%s returned an invalid batchItemFailures %r: whole batch retried",
                self.function_name,
                failures,
            )
            return []
        return [m for m in messages if m["MessageId"] not in failed]
