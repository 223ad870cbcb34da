"""Through the local stack's front door: the authorizer runs before the route, as API Gateway runs it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from local_stack.local_server import Stack, running_stack


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    with running_stack(workers=2) as running:
        yield running


def test_missing_invalid_and_wrong_role_keep_the_contract_shape(stack: Stack) -> None:
    missing = requests.get(f"{stack.url}/me", timeout=30)
    invalid = requests.get(f"{stack.url}/me", headers={"authorization": "Bearer nope"}, timeout=30)
    assert (missing.status_code, missing.json()["error"]["code"]) == (401, "UNAUTHENTICATED")
    assert (invalid.status_code, invalid.json()["error"]["code"]) == (401, "UNAUTHENTICATED")
    token = requests.post(f"{stack.url}/auth/login", json={"code": "dev:alice"}, timeout=30).json()["token"]
    me = requests.get(f"{stack.url}/me", headers={"authorization": f"Bearer {token}"}, timeout=30)
    assert me.status_code == 200 and me.json()["memberId"] == "alice"
    stats = requests.get(f"{stack.url}/admin/stats", headers={"authorization": f"Bearer {token}"}, timeout=30)
    assert (stats.status_code, stats.json()["error"]["code"]) == (403, "FORBIDDEN")


def test_sam_local_gets_the_environment_of_this_run(stack: Stack) -> None:
    """`.local/env.json` (for `sam local invoke --env-vars`) points every function at these engines."""
    import json

    from local_stack import DEFAULT_STATE_DIR

    envs = json.loads((DEFAULT_STATE_DIR / "env.json").read_text(encoding="utf-8"))
    member = envs["MemberFunction"]
    assert member["TABLE_NAME"] == "PointsTable" and member["AWS_ENDPOINT_URL_DYNAMODB"].startswith("http")
    assert "CLOCK_FILE" not in member and "AWS_LAMBDA_FUNCTION_NAME" not in member
    assert envs["FlashClaimFunction"]["FLASH_SALE_QUEUE_URL"].startswith("http")
