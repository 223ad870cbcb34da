"""IAM at run time for the handler tests: every AWS call a handler makes is checked against the policy of
its function in template.yaml, as IAM would (tools.least_privilege reads both sides the same way)."""

from __future__ import annotations

import contextvars
import functools
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


RUNNING: contextvars.ContextVar[str | None] = contextvars.ContextVar("running_function", default=None)
VIOLATIONS: list[str] = []


def running_as(logical_id: str, handler: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(handler)
    def run(event: Any, context: Any) -> Any:
        token = RUNNING.set(logical_id)
        try:
            return handler(event, context)
        finally:
            RUNNING.reset(token)

    return run


@functools.cache
def granted(logical_id: str) -> frozenset[Any]:
    from cfnlint.decode import decode_str

    from tools.least_privilege import template_permissions

    decoded, _ = decode_str((ROOT / "template.yaml").read_text(encoding="utf-8"))
    return frozenset(template_permissions(json.loads(json.dumps(decoded)), logical_id))


_WRITE_PARTS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}


def _requested(service: str, operation: str, params: dict[str, Any]) -> list[Any]:
    """The IAM (action, resource) pairs one API call needs, in the analysis's terms."""
    from tools.least_privilege import TABLE, Permission

    if service == "dynamodb":
        if operation == "TransactWriteItems":
            return [
                Permission(f"dynamodb:{_WRITE_PARTS[k]}", TABLE)
                for part in params["TransactItems"]
                for k in part
            ]
        if operation == "TransactGetItems":
            return [Permission("dynamodb:GetItem", TABLE)]
        index = params.get("IndexName")
        return [Permission(f"dynamodb:{operation}", f"index/{index}" if index else TABLE)]
    env = {value: key for key, value in os.environ.items()}
    if service == "secretsmanager" and operation == "GetSecretValue":
        return [Permission("secretsmanager:GetSecretValue", f"secret:{env.get(params['SecretId'], '?')}")]
    if service == "sqs" and operation == "SendMessage":
        return [Permission("sqs:SendMessage", f"queue:{env.get(params['QueueUrl'], '?')}")]
    return [Permission(f"{service}:{operation}", "?")]


def checked(original: Callable[..., Any]) -> Callable[..., Any]:
    def call(client: Any, operation: str, params: dict[str, Any]) -> Any:
        running = RUNNING.get()
        if running is not None:
            service = client.meta.service_model.service_name
            for needed in _requested(service, operation, params):
                if needed not in granted(running):
                    VIOLATIONS.append(
                        f"{running} called {service}.{operation}: {needed} is not in its policy"
                    )
        return original(client, operation, params)

    return call
