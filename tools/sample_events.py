"""Write a sample event per function of template.yaml: events/<FunctionLogicalId>.json (missing ones only).

Each is what the function's trigger delivers, in the shapes `sam local generate-event` makes (kept in
events/: http_request.json, schedule.json, sqs_batch.json, dynamodb_stream.json): an HTTP API request to
the function's first route carrying the authorizer's verdict for a caller of a role the route allows (as
API Gateway hands it over), the authorizer's own request, a schedule tick, a queue batch, a stream batch.
Edit a sample freely afterwards; tests/handler/test_sample_events.py invokes every handler with its own.

    python -m tools.sample_events
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events"
VERDICT_EXPIRES = 4102444800  # 2100-01-01: a sample that does not go stale
SAMPLE_IDS = {"sku": "cup", "orderId": "o-sample", "memberId": "demo", "saleId": "s-sample"}


def _trigger(name: str) -> Any:
    return json.loads((EVENTS / name).read_text(encoding="utf-8"))


def _route_roles(handler_file: Path) -> dict[str, list[str]]:
    """Route key -> roles, from the function's own declarations (the gate reads the same)."""
    sys.path[:0] = [str(ROOT / "shared"), str(ROOT)]
    from tests.conftest import load_handler

    routes = getattr(load_handler(handler_file.parent.name), "routes", None)
    return {
        key: sorted(r.value for r in access.roles)
        for key, access in (routes.access if routes else {}).items()
    }


def http_sample(method: str, path: str, roles: list[str]) -> dict[str, Any]:
    event = _trigger("http_request.json")
    params = {name: SAMPLE_IDS.get(name, f"{name}-sample") for name in re.findall(r"\{(\w+)\}", path)}
    raw_path = re.sub(r"\{(\w+)\}", lambda m: params[m.group(1)], path)
    event.update(routeKey=f"{method} {path}", rawPath=raw_path, pathParameters=params or None)
    event["requestContext"].update(routeKey=f"{method} {path}")
    event["requestContext"]["http"].update(method=method, path=raw_path)
    if method in ("POST", "PUT"):
        event["body"] = "{}"
        event["headers"]["idempotency-key"] = "sample-key-1"
    if roles:
        subject = "demo" if roles[0] == "member" else f"sample-{roles[0]}"
        event["requestContext"]["authorizer"] = {
            "lambda": {"sub": subject, "role": roles[0], "exp": VERDICT_EXPIRES}
        }
    else:
        del event["headers"]["authorization"]
    return dict(event)


def authorizer_sample() -> dict[str, Any]:
    from local_stack.authorizer import request_event

    return dict(request_event(_trigger("http_request.json"), ()))


def sample_for(fn: Any) -> dict[str, Any]:
    if fn.logical_id == "AuthorizerFunction":
        return authorizer_sample()
    if fn.routes:
        route = fn.routes[0]
        roles = _route_roles(fn.handler_file).get(route.route_key, [])
        return http_sample(route.method, route.path, roles if route.authorizer else [])
    if fn.schedules:
        event = _trigger("schedule.json")
        event["resources"] = [
            f"arn:aws:events:us-east-1:123456789012:rule/{fn.logical_id}{fn.schedules[0].name}"
        ]
        return dict(event)
    if fn.queues:
        event = _trigger("sqs_batch.json")
        event["Records"][0]["eventSourceARN"] = f"arn:aws:sqs:us-east-1:123456789012:{fn.queues[0].queue}"
        return dict(event)
    if fn.streams:
        return dict(_trigger("dynamodb_stream.json"))
    raise SystemExit(f"{fn.logical_id}: no trigger to make a sample of")


def main() -> int:
    from local_stack.template import load_template

    for fn in load_template(ROOT / "template.yaml").functions:
        path = EVENTS / f"{fn.logical_id}.json"
        if not path.exists():
            path.write_text(json.dumps(sample_for(fn), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
