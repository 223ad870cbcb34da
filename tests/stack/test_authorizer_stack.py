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
